// Stochastic gradient descent, with optional (Nesterov) momentum — Keras's update rule:
//
//   plain:     w ← w − lr · g
//   momentum:  v ← μ · v − lr · g ;   w ← w + v
//   Nesterov:  v ← μ · v − lr · g ;   w ← w + μ · v − lr · g
//
// g = dL/dw, v the velocity (one slot per parameter), μ the momentum.
#pragma once

#include <tinynet/optimizers/optimizer.hpp>

#include <array>

namespace tinynet {

struct SGD {
  static constexpr const char* name = "SGD";
  static constexpr std::array slot_names{"velocity"};

  double learning_rate = 0.01;  // Keras's default
  double momentum = 0.0;        // μ in [0, 1)
  bool nesterov = false;

  void check() const {
    detail::check_learning_rate(name, learning_rate);
    detail::check_hyperparameter(momentum >= 0 && momentum < 1, name, "momentum", "in [0, 1)", momentum);
  }

  template <typename T>
  void update(Matrix<T>& w, const Matrix<T>& g, std::vector<Matrix<T>>& slots, double lr, std::int64_t) const {
    const T step = static_cast<T>(lr), mu = static_cast<T>(momentum);
    if (momentum == 0) {
      w.noalias() -= step * g;  // w ← w − lr · g
      return;
    }
    Matrix<T>& v = slots[0];
    v = mu * v - step * g;  // v ← μ · v − lr · g
    if (nesterov)
      w.noalias() += mu * v - step * g;  // w ← w + μ · v − lr · g
    else
      w.noalias() += v;  // w ← w + v
  }
};

}  // namespace tinynet
