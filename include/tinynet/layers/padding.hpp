// Zero padding of a convolution, as Keras names it (the arithmetic is in conv2d.hpp):
//   valid  no padding: the kernel stays inside the image
//   same   enough zeros around the image that, with stride 1, the output has the input's size
#pragma once

#include <stdexcept>
#include <string>

namespace tinynet {

enum class Padding { valid, same };

inline std::string to_string(Padding padding) { return padding == Padding::same ? "same" : "valid"; }

inline Padding padding_from_string(const std::string& name) {
  if (name == "valid") return Padding::valid;
  if (name == "same") return Padding::same;
  throw std::invalid_argument("unknown padding '" + name + "' (expected valid or same)");
}

}  // namespace tinynet
