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

}  // namespace tinynet
