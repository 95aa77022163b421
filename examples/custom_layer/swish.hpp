// Swish (Ramachandran et al., 2017; PyTorch's SiLU), a layer written outside tinynet against
// its public interface, as you would write your own.
//
// Forward:   y = x · σ(x),   σ(x) = 1 / (1 + e⁻ˣ)
// Backward:  dy/dx = σ(x) + x · σ(x) · (1 − σ(x)) = y + σ(x) · (1 − y)
//            dL/dx = dL/dy ⊙ (y + σ(x) ⊙ (1 − y))
//
// The layer keeps σ(x) and y from the forward pass; nothing else is needed for backward.
#pragma once

#include <tinynet/layers/layer.hpp>

#include <cmath>

template <typename T>
class Swish : public tinynet::Layer<T> {
 public:
  std::string type() const override { return "Swish"; }

  tinynet::Shape build(const tinynet::Shape& input_shape, std::uint64_t) override {
    this->input_shape_ = this->output_shape_ = input_shape;
    return input_shape;
  }

  const tinynet::Matrix<T>& forward(const tinynet::MatrixRef<T>& x, tinynet::Mode) override {
    this->check_forward(x);
    S = x.unaryExpr([](T v) { return T(1) / (T(1) + std::exp(-v)); });  // σ(x)
    Y = x.cwiseProduct(S);                                              // y = x · σ(x)
    return Y;
  }

  const tinynet::Matrix<T>& backward(const tinynet::Matrix<T>& dy) override {
    this->check_backward(Y, dy);
    dX = (dy.array() * (Y.array() + S.array() * (T(1) - Y.array()))).matrix();  // dy ⊙ (y + σ(1 − y))
    return dX;
  }

 private:
  tinynet::Matrix<T> S;   // σ(x) of the last forward, (features × N)
  tinynet::Matrix<T> Y;   // output, (features × N)
  tinynet::Matrix<T> dX;  // dL/dx
};
