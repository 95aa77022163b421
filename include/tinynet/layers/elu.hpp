// ELU, the exponential linear unit (Clevert et al., 2015), element-wise, as keras.layers.ELU.
//
// Forward:   y = x                  if x > 0
//            y = α · (eˣ − 1)       if x ≤ 0          α = alpha, 1 by default
//
// Backward:  dy/dx = 1              if x > 0
//            dy/dx = α · eˣ = y + α if x ≤ 0          (reuses the output: no second exp)
//
//            dL/dx = dL/dy ⊙ dy/dx
#pragma once

#include <tinynet/layers/layer.hpp>

#include <cmath>

namespace tinynet {

template <typename T>
class ELU : public Layer<T> {
 public:
  explicit ELU(double alpha = 1.0) : alpha_(alpha) {
    if (!std::isfinite(alpha)) throw std::invalid_argument("ELU: alpha must be finite, got " + std::to_string(alpha));
  }

  std::string type() const override { return "ELU"; }

  Shape build(const Shape& input_shape, std::uint64_t) override {
    this->input_shape_ = this->output_shape_ = input_shape;
    return input_shape;
  }

  const Matrix<T>& forward(const MatrixRef<T>& x, Mode) override {
    this->check_forward(x);
    const T alpha = static_cast<T>(alpha_);
    X = x;  // kept: the sign of x picks the branch
    Y.resize(x.rows(), x.cols());
    for (Index i = 0; i < x.size(); ++i) {
      const T v = x.data()[i];
      Y.data()[i] = v > T(0) ? v : alpha * std::expm1(v);  // y = x, or α (eˣ − 1)
    }
    return Y;
  }

  const Matrix<T>& backward(const Matrix<T>& dy) override {
    this->check_backward(Y, dy);
    const T alpha = static_cast<T>(alpha_);
    // dL/dx = dy, or dy · (y + α) where x ≤ 0
    dX.resize(dy.rows(), dy.cols());
    dX.array() = (X.array() > T(0)).select(dy.array(), dy.array() * (Y.array() + alpha));
    return dX;
  }

  double alpha() const { return alpha_; }

 private:
  double alpha_;
  Matrix<T> X;   // input, (features × N)
  Matrix<T> Y;   // output, (features × N)
  Matrix<T> dX;  // dL/dx
};

}  // namespace tinynet
