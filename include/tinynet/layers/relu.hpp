// ReLU activation, element-wise.
//
// Forward:   y = max(0, x)
// Backward:  dL/dx = dL/dy ⊙ 1[x > 0]        (⊙: element-wise product)
//
// 1[x > 0] equals 1[y > 0], so the layer keeps its output, not its input.
#pragma once

#include <tinynet/detail/parallel.hpp>
#include <tinynet/layers/activation.hpp>  // relu_gradient
#include <tinynet/layers/layer.hpp>

namespace tinynet {

template <typename T>
class ReLU : public Layer<T> {
 public:
  std::string type() const override { return "ReLU"; }

  Shape build(const Shape& input_shape, std::uint64_t) override {
    this->input_shape_ = this->output_shape_ = input_shape;
    return input_shape;
  }

  const Matrix<T>& forward(const MatrixRef<T>& x, Mode) override {
    this->check_forward(x);
    Y.resize(x.rows(), x.cols());
    detail::for_column_blocks(x.rows(), x.cols(), [&](Index first, Index n) {
      Y.middleCols(first, n) = x.middleCols(first, n).cwiseMax(T(0));  // y = max(0, x)
    });
    return Y;
  }

  const Matrix<T>& backward(const Matrix<T>& dy) override {
    this->check_backward(Y, dy);
    dX.resize(dy.rows(), dy.cols());
    detail::for_column_blocks(dy.rows(), dy.cols(), [&](Index first, Index n) {
      const Index begin = first * dy.rows(), count = n * dy.rows();
      relu_gradient(dy.data() + begin, Y.data() + begin, count, dX.data() + begin);  // dL/dx = dy ⊙ 1[y > 0]
    });
    return dX;
  }

 private:
  Matrix<T> Y;   // output, (features × N); its sign pattern is all backward needs
  Matrix<T> dX;  // dL/dx
};

}  // namespace tinynet
