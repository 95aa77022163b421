// Dropout (Srivastava et al., 2014), "inverted" as Keras implements it.
//
// Training: every value is kept with probability 1 − rate and zeroed otherwise; the kept
// values are scaled by 1/(1 − rate), so that the expected output equals the input and
// inference needs no rescaling:
//
//   M_ij = 1/(1 − rate) with probability 1 − rate,  0 with probability rate     (features × N)
//   y    = x ⊙ M
//
// Inference: y = x.
//
// Backward: y is linear in x with the mask held fixed, so
//
//   dx = dy ⊙ M            (training)        dx = dy            (inference)
//
// The mask comes from a Random (random.hpp) owned by the layer and seeded in build() — from the
// seed given to the constructor if there is one, else from the model's seed for this layer —
// so two runs with the same seeds drop the same values, with any standard library. Each batch
// takes one key from it, and value i (in storage order) of that batch's mask is drawn as
// Random::uniform_at(key, i): a function of (key, i) alone, so the mask is drawn in blocks on the
// threads and is the same on any number of them.
#pragma once

#include <tinynet/detail/parallel.hpp>
#include <tinynet/layers/layer.hpp>
#include <tinynet/random.hpp>

#include <optional>

namespace tinynet {

template <typename T>
class Dropout : public Layer<T> {
 public:
  explicit Dropout(double rate, std::optional<std::uint64_t> seed = std::nullopt) : rate_(rate), seed_(seed) {
    if (!(rate >= 0 && rate < 1))
      throw std::invalid_argument("Dropout: rate must be in [0, 1), got " + std::to_string(rate));
  }

  std::string type() const override { return "Dropout"; }

  Shape build(const Shape& input_shape, std::uint64_t seed) override {
    random_.seed(seed_.value_or(seed));
    this->input_shape_ = this->output_shape_ = input_shape;
    return input_shape;
  }

  const Matrix<T>& forward(const MatrixRef<T>& x, Mode mode) override {
    this->check_forward(x);
    mode_ = mode;
    if (mode == Mode::inference) {
      Y = x;  // y = x
      return Y;
    }
    // M_ij = 1/(1 − rate) with probability 1 − rate, else 0: one uniform draw per value.
    const double keep = 1 - rate_;
    const T scale = static_cast<T>(1 / keep);
    const std::uint64_t key = random_.next();  // this batch's draws
    M.resize(x.rows(), x.cols());
    Y.resize(x.rows(), x.cols());
    const Index rows = x.rows();
    detail::for_column_blocks(rows, x.cols(), [&](Index first, Index count) {
      mask_values(key, keep, scale, first * rows, (first + count) * rows, x.data(), M.data(), Y.data());
    });
    return Y;
  }

  const Matrix<T>& backward(const Matrix<T>& dy) override {
    this->check_backward(Y, dy);
    if (!this->compute_input_gradient) return dX;
    if (mode_ == Mode::training)
      dX = dy.cwiseProduct(M);  // dx = dy ⊙ M
    else
      dX = dy;  // dx = dy
    return dX;
  }

  double rate() const { return rate_; }
  // The seed the constructor was given, if any.
  const std::optional<std::uint64_t>& seed() const { return seed_; }
  // The scaled mask of the last training forward, (features × N): 0 or 1/(1 − rate).
  const Matrix<T>& mask() const { return M; }

 private:
  // Values begin … end − 1 (in storage order) of the mask M, drawn from `key`, and of y = x ⊙ M.
  static void mask_values(std::uint64_t key, double keep, T scale, Index begin, Index end, const T* x, T* mask, T* y) {
    for (Index i = begin; i < end; ++i) {
      const T m = Random::uniform_at(key, static_cast<std::uint64_t>(i)) < keep ? scale : T(0);
      mask[i] = m;
      y[i] = x[i] * m;  // y = x ⊙ M
    }
  }

  double rate_;
  std::optional<std::uint64_t> seed_;  // the constructor's seed, if any
  Random random_;
  Mode mode_ = Mode::training;
  Matrix<T> M;   // (features × N) scaled mask of the last training forward
  Matrix<T> Y;   // (features × N) output
  Matrix<T> dX;  // (features × N) dL/dx
};

}  // namespace tinynet
