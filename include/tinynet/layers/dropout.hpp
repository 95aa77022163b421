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
// so two runs with the same seeds drop the same values, with any standard library.
#pragma once

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

  const Matrix<T>& forward(const Matrix<T>& x, Mode mode) override {
    this->check_forward(x);
    mode_ = mode;
    if (mode == Mode::inference) {
      Y = x;  // y = x
      return Y;
    }
    // M_ij = 1/(1 − rate) with probability 1 − rate, else 0: one uniform draw per value, in
    // storage order.
    const double keep = 1 - rate_;
    const T scale = static_cast<T>(1 / keep);
    M.resize(x.rows(), x.cols());
    for (Index i = 0; i < M.size(); ++i) M.data()[i] = random_.uniform() < keep ? scale : T(0);
    Y = x.cwiseProduct(M);  // y = x ⊙ M
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
  double rate_;
  std::optional<std::uint64_t> seed_;  // the constructor's seed, if any
  Random random_;
  Mode mode_ = Mode::training;
  Matrix<T> M;   // (features × N) scaled mask of the last training forward
  Matrix<T> Y;   // (features × N) output
  Matrix<T> dX;  // (features × N) dL/dx
};

}  // namespace tinynet
