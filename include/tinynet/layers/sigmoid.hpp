// Sigmoid (logistic) activation, element-wise, as keras.layers.Activation("sigmoid").
//
// Forward:   y = σ(x) = 1 / (1 + e⁻ˣ)
// Backward:  dσ/dx = σ(x) · (1 − σ(x)) = y · (1 − y),  so  dL/dx = dL/dy ⊙ y ⊙ (1 − y)
//
// The derivative needs only the output, so the layer keeps y and not x. For x < 0 the form
// eˣ / (1 + eˣ) is used, so that e⁻ˣ never overflows.
#pragma once

#include <tinynet/layers/layer.hpp>

#include <cmath>

namespace tinynet {

template <typename T>
class Sigmoid : public Layer<T> {
 public:
  std::string type() const override { return "Sigmoid"; }

  Shape build(const Shape& input_shape, std::uint64_t) override {
    this->input_shape_ = this->output_shape_ = input_shape;
    return input_shape;
  }

  const Matrix<T>& forward(const MatrixRef<T>& x, Mode) override {
    this->check_forward(x);
    Y = x.unaryExpr([](T v) {
      if (v >= T(0)) return T(1) / (T(1) + std::exp(-v));  // y = 1 / (1 + e⁻ˣ)
      const T e = std::exp(v);
      return e / (T(1) + e);  //   = eˣ / (1 + eˣ)
    });
    return Y;
  }

  const Matrix<T>& backward(const Matrix<T>& dy) override {
    this->check_backward(Y, dy);
    dX = (dy.array() * Y.array() * (T(1) - Y.array())).matrix();  // dL/dx = dy ⊙ y ⊙ (1 − y)
    return dX;
  }

 private:
  Matrix<T> Y;   // output, (features × N); all backward needs
  Matrix<T> dX;  // dL/dx
};

}  // namespace tinynet
