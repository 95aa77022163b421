// Weight initialisers, as Keras defines them (fan_in / fan_out count the weights that feed
// one output / that one input feeds; a k×k convolution has fan_in = k·k·C_in):
//
//   glorot_uniform: W ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out))   (Keras's default)
//   he_uniform:     W ~ U(-a, a), a = sqrt(6 / fan_in)               (suits ReLU)
//
// The draws come from a Random seeded explicitly (random.hpp), in column-major order, so a
// model built twice with one seed is identical, whatever the standard library.
#pragma once

#include "random.hpp"
#include <tinynet/tensor.hpp>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace tinynet {

enum class Initializer { glorot_uniform, he_uniform, zeros };

inline std::string to_string(Initializer init) {
  switch (init) {
    case Initializer::glorot_uniform:
      return "glorot_uniform";
    case Initializer::he_uniform:
      return "he_uniform";
    case Initializer::zeros:
      return "zeros";
  }
  return "?";
}

inline Initializer initializer_from_string(const std::string& name) {
  for (Initializer init : {Initializer::glorot_uniform, Initializer::he_uniform, Initializer::zeros})
    if (name == to_string(init)) return init;
  throw std::invalid_argument("unknown initializer '" + name + "' (expected glorot_uniform, he_uniform or zeros)");
}

template <typename T>
void initialize(Matrix<T>& w, Initializer init, Index fan_in, Index fan_out, std::uint64_t seed) {
  if (init == Initializer::zeros) {
    w.setZero();
    return;
  }
  const double limit = init == Initializer::he_uniform ? std::sqrt(6.0 / static_cast<double>(fan_in))
                                                       : std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  Random random(seed);
  for (Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<T>(random.uniform(-limit, limit));
}

}  // namespace tinynet
