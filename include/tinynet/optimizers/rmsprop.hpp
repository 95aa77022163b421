// RMSprop, with Keras's defaults and update rule:
//
//   v ← ρ · v + (1 − ρ) · g²          running mean of squared gradients
//   w ← w − lr · g / sqrt(v + ε)
#pragma once

#include <tinynet/optimizers/optimizer.hpp>

#include <array>
#include <cmath>

namespace tinynet {

struct RMSprop {
  static constexpr const char* name = "RMSprop";
  static constexpr std::array slot_names{"velocity"};

  double learning_rate = 1e-3;
  double rho = 0.9;       // in [0, 1)
  double epsilon = 1e-7;  // > 0

  void check() const {
    detail::check_learning_rate(name, learning_rate);
    detail::check_hyperparameter(rho >= 0 && rho < 1, name, "rho", "in [0, 1)", rho);
    detail::check_hyperparameter(std::isfinite(epsilon) && epsilon > 0, name, "epsilon", "finite and > 0", epsilon);
  }

  template <typename T>
  void update(Matrix<T>& w, const Matrix<T>& g, std::vector<Matrix<T>>& slots, double lr, std::int64_t) const {
    const T step = static_cast<T>(lr), r = static_cast<T>(rho), eps = static_cast<T>(epsilon);
    detail::in_blocks(w.size(), [&](Index first, Index count) {
      const auto gb = detail::values(g, first, count);
      auto v = detail::values(slots[0], first, count);
      v = r * v + (T(1) - r) * gb.square();                             // v ← ρ v + (1−ρ) g²
      detail::values(w, first, count) -= step * gb / (v + eps).sqrt();  // w ← w − lr g / √(v + ε)
    });
  }
};

}  // namespace tinynet
