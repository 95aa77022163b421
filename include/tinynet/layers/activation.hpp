// The activation a layer applies to its own output, as Keras's `activation` argument does
// (Conv2D(32, 3, activation="relu")):
//
//   linear  y = z              Keras's default (activation=None)
//   relu    y = max(0, z)      the same function as a ReLU layer after the layer
//
// A layer that takes it applies it while its output is still in the core's cache, and its
// backward pass turns dL/dy into dL/dz = dL/dy ⊙ 1[y > 0] the same way, instead of a separate
// ReLU layer reading and writing the whole batch once more in each pass.
#pragma once

#include <tinynet/tensor.hpp>

#include <stdexcept>
#include <string>

namespace tinynet {

enum class Activation { linear, relu };

inline std::string to_string(Activation activation) { return activation == Activation::relu ? "relu" : "linear"; }

inline Activation activation_from_string(const std::string& name) {
  if (name == "linear") return Activation::linear;
  if (name == "relu") return Activation::relu;
  throw std::invalid_argument("unknown activation '" + name + "' (expected linear or relu)");
}

// relu's backward over n values: dz = dy ⊙ 1[y > 0], from the output y (1[z > 0] = 1[y > 0]).
// A plain loop, which the compiler turns into a vector compare and masked move (Eigen's
// select() and its bool-to-float cast do not vectorise). The ReLU layer and Conv2D both use it.
template <typename T>
void relu_gradient(const T* __restrict dy, const T* __restrict y, Index n, T* __restrict dz) {
  for (Index i = 0; i < n; ++i) dz[i] = y[i] > T(0) ? dy[i] : T(0);
}

}  // namespace tinynet
