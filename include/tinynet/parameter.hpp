// A parameter: one tensor a layer owns, as the model, the optimizer and the file see it.
//
// Trainable parameters (a Dense kernel, a bias, BatchNorm's γ) have a gradient; state such as
// BatchNorm's moving averages has none (Keras counts it as "non-trainable params").
//
// The layout says how the matrix reads as a tensor in PyTorch's convention, which is how model
// files store it (docs/file-format.md): a row-major tensor of `shape` whose entry
// (i_0, …, i_{r−1}) is the matrix's column-major memory at offset Σ_k i_k · strides[k].
// A Dense kernel W (out × in) is the tensor [out, in] with strides [1, out]: W(r, c) sits at
// r + c·out. A layer whose matrix is not the tensor it stands for states its own layout
// (Conv2D's kernel is [C_out, C_in, k, k]).
#pragma once

#include <tinynet/regularizers.hpp>
#include <tinynet/tensor.hpp>

#include <string>
#include <vector>

namespace tinynet {

struct TensorLayout {
  std::vector<Index> shape;    // outermost first
  std::vector<Index> strides;  // memory step per axis, in values

  // A (rows × cols) matrix as the tensor [rows, cols].
  static TensorLayout matrix(Index rows, Index cols) { return {{rows, cols}, {1, rows}}; }
  // A (n × 1) column as the tensor [n].
  static TensorLayout vector(Index n) { return {{n}, {1}}; }

  Index size() const {
    Index n = 1;
    for (Index d : shape) n *= d;
    return n;
  }
};

// a · b, or std::invalid_argument naming `what` when the product is above Shape::max_values
// (so that no parameter count overflows and no constructor asks for an absurd allocation).
inline Index checked_product(Index a, Index b, const std::string& what) {
  if (a < 0 || b < 0 || (b != 0 && a > Shape::max_values / b))
    throw std::invalid_argument(what + ": " + std::to_string(a) + " × " + std::to_string(b) +
                                " values is more than the 2^40 a parameter may hold");
  return a * b;
}

template <typename T>
struct Parameter {
  std::string name;  // "kernel", "bias", "gamma", "moving_mean", ...
  Matrix<T>* value = nullptr;
  Matrix<T>* gradient = nullptr;  // nullptr: not trainable
  Regularizer regularizer{};      // kernel_regularizer; inactive by default
  TensorLayout layout{};          // empty: [n] for a column, [rows, cols] for any other matrix

  bool trainable() const { return gradient != nullptr; }

  // The layout as given, or the default one for the value's shape.
  TensorLayout tensor_layout() const {
    if (!layout.shape.empty()) return layout;
    return value->cols() == 1 ? TensorLayout::vector(value->rows())
                              : TensorLayout::matrix(value->rows(), value->cols());
  }
};

}  // namespace tinynet
