// Weight penalties added to the loss, as Keras's kernel_regularizer:
//
//   penalty(W)  = l1 · Σ|W| + l2 · Σ W²
//   dpenalty/dW = l1 · sign(W) + 2 · l2 · W
//
// The penalty is added to the reported loss; its gradient is added to the parameter's
// gradient before the optimizer step (Keras adds the penalty to the loss it differentiates,
// which is the same thing).
#pragma once

#include <tinynet/tensor.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace tinynet {

struct Regularizer {
  double l1 = 0;
  double l2 = 0;

  bool active() const { return l1 != 0 || l2 != 0; }

  // Throws std::invalid_argument, naming `owner`, unless l1 and l2 are finite and ≥ 0.
  void check(const std::string& owner) const {
    for (const auto& [name, value] : {std::pair{"l1", l1}, std::pair{"l2", l2}})
      if (!(std::isfinite(value) && value >= 0))
        throw std::invalid_argument(owner + ": kernel_regularizer " + name + " must be finite and >= 0, got " +
                                    std::to_string(value));
  }

  template <typename T>
  T penalty(const Matrix<T>& w) const {
    T p = 0;
    if (l1 != 0) p += static_cast<T>(l1) * w.array().abs().sum();
    if (l2 != 0) p += static_cast<T>(l2) * w.squaredNorm();
    return p;
  }

  // dW += l1 · sign(W) + 2 · l2 · W
  template <typename T>
  void add_gradient(const Matrix<T>& w, Matrix<T>& dw) const {
    if (l1 != 0) dw.array() += static_cast<T>(l1) * w.array().sign();
    if (l2 != 0) dw.array() += static_cast<T>(2 * l2) * w.array();
  }
};

inline Regularizer L1(double l1) { return {l1, 0}; }
inline Regularizer L2(double l2) { return {0, l2}; }
inline Regularizer L1L2(double l1, double l2) { return {l1, l2}; }

}  // namespace tinynet
