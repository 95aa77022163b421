// Leaky ReLU activation, element-wise, as keras.layers.LeakyReLU (negative_slope 0.3 by default).
//
// Forward:   y = x          if x ≥ 0
//            y = a · x      if x < 0          a = negative_slope ≥ 0
//
// Backward:  dL/dx = dL/dy ⊙ (1 if x > 0, else a)
//
// With a ≥ 0, y > 0 exactly where x > 0, so the layer keeps its output, not its input.
// (At x = 0 the derivative is taken as a, as the Keras backends do.)
#pragma once

#include <tinynet/layers/layer.hpp>

#include <cmath>

namespace tinynet {

template <typename T>
class LeakyReLU : public Layer<T> {
 public:
  explicit LeakyReLU(double negative_slope = 0.3) : negative_slope_(negative_slope) {
    if (!(negative_slope >= 0 && std::isfinite(negative_slope)))
      throw std::invalid_argument("LeakyReLU: negative_slope must be finite and ≥ 0, got " +
                                  std::to_string(negative_slope));
  }

  std::string type() const override { return "LeakyReLU"; }

  Shape build(const Shape& input_shape, std::uint64_t) override {
    this->input_shape_ = this->output_shape_ = input_shape;
    return input_shape;
  }

  const Matrix<T>& forward(const MatrixRef<T>& x, Mode) override {
    this->check_forward(x);
    const T a = static_cast<T>(negative_slope_);
    Y = (x.array() >= T(0)).select(x, a * x);  // y = x, or a · x below 0
    return Y;
  }

  const Matrix<T>& backward(const Matrix<T>& dy) override {
    this->check_backward(Y, dy);
    const T a = static_cast<T>(negative_slope_);
    dX = (Y.array() > T(0)).select(dy, a * dy);  // dL/dx = dy ⊙ (1 or a)
    return dX;
  }

  double negative_slope() const { return negative_slope_; }

 private:
  double negative_slope_;
  Matrix<T> Y;   // output, (features × N); its sign pattern is all backward needs
  Matrix<T> dX;  // dL/dx
};

}  // namespace tinynet
