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
#pragma once

#include "../tensor.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace tinynet {

struct SparseCategoricalCrossentropy {
  static constexpr const char* name = "sparse_categorical_crossentropy";
  static constexpr bool sparse_labels = true;
};

struct CategoricalCrossentropy {
  static constexpr const char* name = "categorical_crossentropy";
  static constexpr bool sparse_labels = false;
};

constexpr double cross_entropy_epsilon = 1e-7;

// Summed (not averaged) cross-entropy of a batch: Σ_n −log(P[y_n, n]), with clipping.
template <typename T>
double cross_entropy_sum(const Matrix<T>& probabilities, const Matrix<T>& targets) {
  const double lo = cross_entropy_epsilon, hi = 1 - cross_entropy_epsilon;
  double total = 0;
  for (Index n = 0; n < probabilities.cols(); ++n)
    for (Index i = 0; i < probabilities.rows(); ++i)
      if (targets(i, n) != T(0))
        total -= static_cast<double>(targets(i, n)) *
                 std::log(std::clamp(static_cast<double>(probabilities(i, n)), lo, hi));
  return total;
}

// dL/dZ = (P − Y) / N for softmax outputs; `batch_size` is N of the mean the loss takes.
template <typename T>
void softmax_cross_entropy_gradient(const Matrix<T>& probabilities, const Matrix<T>& targets,
                                    Index batch_size, Matrix<T>& dz) {
  dz = (probabilities - targets) / static_cast<T>(batch_size);
}

// dL/dP = −Y / (N · clip(P)) for any other output layer.
template <typename T>
void cross_entropy_gradient(const Matrix<T>& probabilities, const Matrix<T>& targets,
                            Index batch_size, Matrix<T>& dp) {
  const T lo = static_cast<T>(cross_entropy_epsilon), hi = T(1) - lo;
  dp = -targets.array() / (probabilities.array().max(lo).min(hi) * static_cast<T>(batch_size));
}

}  // namespace tinynet
