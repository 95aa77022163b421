// Flatten (Keras's Flatten): an image sample (H, W, C) becomes a vector of H·W·C features.
//
// Forward:   y = x         shape (H, W, C) → (H·W·C); the matrix stays (H·W·C × N)
// Backward:  dL/dx = dL/dy
//
// A no-op on the data: tinynet already stores every sample as one column, channels-last,
// so the flattened vector is the image's column as it is — in the (row, column, channel)
// order Keras's Flatten produces, which keeps a Keras Dense kernel after Flatten valid here.
// Only the Shape changes, which is what lets a Dense layer follow. The layer still copies x
// into its own output (a copy of one batch, over the threads), so that its result lives as long
// as the layer, like every other layer's.
#pragma once

#include <tinynet/detail/parallel.hpp>
#include <tinynet/layers/layer.hpp>

namespace tinynet {

template <typename T>
class Flatten : public Layer<T> {
 public:
  std::string type() const override { return "Flatten"; }

  Shape build(const Shape& input_shape, std::uint64_t) override {
    if (input_shape.empty()) throw std::invalid_argument("Flatten expects a sample shape, got an empty one");
    this->input_shape_ = input_shape;
    this->output_shape_ = Shape{input_shape.size()};
    return this->output_shape_;
  }

  const Matrix<T>& forward(const MatrixRef<T>& x, Mode) override {
    this->check_forward(x);
    detail::copy_columns(x, Y);  // y = x: same values, same order
    return Y;
  }

  const Matrix<T>& backward(const Matrix<T>& dy) override {
    this->check_backward(Y, dy);
    detail::copy_columns(dy, dX);  // dL/dx = dL/dy
    return dX;
  }

 private:
  Matrix<T> Y;   // (H·W·C × N) output, the input's values
  Matrix<T> dX;  // (H·W·C × N) dL/dx
};

}  // namespace tinynet
