// Cross-entropy losses for classification, as Keras defines them.
//
// For probabilities P (classes × N) and one-hot targets Y (classes × N):
//
//   L = −(1/N) Σ_n Σ_i Y[i,n] · log(P[i,n])
//
// P is clipped to [ε, 1 − ε] with ε = 1e-7 before the log, as Keras does, so a confident wrong
// answer costs log(1e7) ≈ 16.1 instead of infinity.
//
//   dL/dP = −Y / (N · P)        (the general gradient, used when the model's last layer is not Softmax)
//
// When the last layer is Softmax (P = softmax(Z)), chaining dL/dP with the softmax Jacobian
// collapses to
//
//   dL/dZ = (P − Y) / N
//
// which is what Sequential uses: no division, so no NaN even where P underflows to 0.
//
// The two losses differ only in how the targets are given: SparseCategoricalCrossentropy takes
// integer class ids (what Fashion-MNIST stores), CategoricalCrossentropy takes one-hot columns.
//
// Label smoothing (Keras's CategoricalCrossentropy(label_smoothing=ε), PyTorch's
// CrossEntropyLoss(label_smoothing=ε)) softens the targets before the loss, for K classes:
//
//   Y' = (1 − ε)·Y + ε/K          e.g. K = 10, ε = 0.1: 0.91 for the true class, 0.01 for the others
//
// and everything above holds with Y' in place of Y: L = −(1/N) Σ Y'·log(P), dL/dZ = (P − Y')/N.
// The model is never pushed towards a probability of exactly 1, which is a mild regularizer.
// As in Keras and PyTorch, the loss is the smoothed one wherever it is reported (training,
// validation, evaluate); accuracy compares with the true classes.
#pragma once

#include <tinynet/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace tinynet {

struct SparseCategoricalCrossentropy {
  static constexpr const char* name = "sparse_categorical_crossentropy";
  static constexpr bool sparse_labels = true;
  double label_smoothing = 0;  // ε in [0, 1)
};

struct CategoricalCrossentropy {
  static constexpr const char* name = "categorical_crossentropy";
  static constexpr bool sparse_labels = false;
  double label_smoothing = 0;  // ε in [0, 1)
};

// The loss a model is compiled with: either of the two above, by its target kind.
struct CrossEntropy {
  bool sparse_labels = true;
  double label_smoothing = 0;

  CrossEntropy() = default;
  CrossEntropy(bool sparse, double smoothing) : sparse_labels(sparse), label_smoothing(smoothing) {
    if (!(smoothing >= 0 && smoothing < 1))
      throw std::invalid_argument("cross-entropy: label_smoothing must be in [0, 1), got " + std::to_string(smoothing));
  }
  CrossEntropy(SparseCategoricalCrossentropy loss) : CrossEntropy(true, loss.label_smoothing) {}
  CrossEntropy(CategoricalCrossentropy loss) : CrossEntropy(false, loss.label_smoothing) {}

  std::string name() const {
    return sparse_labels ? SparseCategoricalCrossentropy::name : CategoricalCrossentropy::name;
  }

  // The loss of Keras name `name` ("sparse_categorical_crossentropy" or "categorical_crossentropy").
  static CrossEntropy from_name(const std::string& name, double label_smoothing = 0) {
    if (name == SparseCategoricalCrossentropy::name) return {true, label_smoothing};
    if (name == CategoricalCrossentropy::name) return {false, label_smoothing};
    throw std::invalid_argument("unknown loss '" + name + "' (expected " + SparseCategoricalCrossentropy::name +
                                " or " + CategoricalCrossentropy::name + ")");
  }
};

constexpr double cross_entropy_epsilon = 1e-7;

// Y' = (1 − ε)·Y + ε/K, K = the number of rows (classes), written into `smoothed`.
template <typename T>
void smooth_labels(const Matrix<T>& targets, double epsilon, Matrix<T>& smoothed) {
  smoothed.resize(targets.rows(), targets.cols());
  smoothed.array() =
      targets.array() * static_cast<T>(1 - epsilon) + static_cast<T>(epsilon / static_cast<double>(targets.rows()));
}

// Summed (not averaged) cross-entropy of a batch, Σ_n Σ_i −Y[i,n] · log(clip(P[i,n])): for one-hot
// targets Σ_n −log(P[y_n, n]), with smoothed ones every class with a non-zero target counts.
template <typename T>
double cross_entropy_sum(const Matrix<T>& probabilities, const Matrix<T>& targets) {
  const double lo = cross_entropy_epsilon, hi = 1 - cross_entropy_epsilon;
  double total = 0;
  for (Index n = 0; n < probabilities.cols(); ++n)
    for (Index i = 0; i < probabilities.rows(); ++i)
      if (targets(i, n) != T(0))
        total -=
            static_cast<double>(targets(i, n)) * std::log(std::clamp(static_cast<double>(probabilities(i, n)), lo, hi));
  return total;
}

// dL/dZ = (P − Y) / N for softmax outputs; `batch_size` is N of the mean the loss takes.
template <typename T>
void softmax_cross_entropy_gradient(const Matrix<T>& probabilities, const Matrix<T>& targets, Index batch_size,
                                    Matrix<T>& dz) {
  dz = (probabilities - targets) / static_cast<T>(batch_size);
}

// dL/dP = −Y / (N · clip(P)) for any other output layer.
template <typename T>
void cross_entropy_gradient(const Matrix<T>& probabilities, const Matrix<T>& targets, Index batch_size, Matrix<T>& dp) {
  const T lo = static_cast<T>(cross_entropy_epsilon), hi = T(1) - lo;
  dp = -targets.array() / (probabilities.array().max(lo).min(hi) * static_cast<T>(batch_size));
}

}  // namespace tinynet
