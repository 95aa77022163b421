// Adam (Kingma & Ba), with Keras's defaults and update rule. At step t (counted once per step):
//
//   m ← β1 · m + (1 − β1) · g                   first-moment estimate
//   v ← β2 · v + (1 − β2) · g²                  second-moment estimate
//   lr_t = lr · sqrt(1 − β2^t) / (1 − β1^t)     bias correction folded into the step size
//   w ← w − lr_t · m / (sqrt(v) + ε)
//
// ε is Keras's "epsilon hat" (added after the bias correction), default 1e-7.
#pragma once

#include <tinynet/optimizers/optimizer.hpp>

#include <array>
#include <cmath>

namespace tinynet {

struct Adam {
  static constexpr const char* name = "Adam";
  static constexpr std::array slot_names{"m", "v"};

  double learning_rate = 1e-3;
  double beta_1 = 0.9;    // in [0, 1)
  double beta_2 = 0.999;  // in [0, 1)
  double epsilon = 1e-7;  // > 0

  void check() const {
    detail::check_learning_rate(name, learning_rate);
    detail::check_hyperparameter(beta_1 >= 0 && beta_1 < 1, name, "beta_1", "in [0, 1)", beta_1);
    detail::check_hyperparameter(beta_2 >= 0 && beta_2 < 1, name, "beta_2", "in [0, 1)", beta_2);
    detail::check_hyperparameter(std::isfinite(epsilon) && epsilon > 0, name, "epsilon", "finite and > 0", epsilon);
  }

  template <typename T>
  void update(Matrix<T>& w, const Matrix<T>& g, std::vector<Matrix<T>>& slots, double lr, std::int64_t t) const {
    const double steps = static_cast<double>(t);
    const T b1 = static_cast<T>(beta_1), b2 = static_cast<T>(beta_2);
    const T lr_t = static_cast<T>(lr * std::sqrt(1 - std::pow(beta_2, steps)) / (1 - std::pow(beta_1, steps)));
    const T eps = static_cast<T>(epsilon);
    detail::in_blocks(w.size(), [&](Index first, Index count) {
      const auto gb = detail::values(g, first, count);
      auto m = detail::values(slots[0], first, count), v = detail::values(slots[1], first, count);
      m = b1 * m + (T(1) - b1) * gb;                                   // m ← β1 m + (1−β1) g
      v = b2 * v + (T(1) - b2) * gb.square();                          // v ← β2 v + (1−β2) g²
      detail::values(w, first, count) -= lr_t * m / (v.sqrt() + eps);  // w ← w − lr_t m / (√v + ε)
    });
  }
};

}  // namespace tinynet
