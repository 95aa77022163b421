// Stochastic gradient descent, with optional (Nesterov) momentum — Keras's update rule:
//
//   plain:     w ← w − lr · g
//   momentum:  v ← μ · v − lr · g ;   w ← w + v
//   Nesterov:  v ← μ · v − lr · g ;   w ← w + μ · v − lr · g
//
// g = dL/dw, v the velocity (one slot per parameter), μ the momentum.
#pragma once

#include "optimizer.hpp"

namespace tinynet {

struct SGDOptions {
  double learning_rate = 0.01;  // Keras's default
  double momentum = 0.0;
  bool nesterov = false;
};

template <typename T = float>
class SGD : public Optimizer<T> {
 public:
  explicit SGD(SGDOptions options = {}) : options_(options) {
    this->learning_rate = options.learning_rate;
  }
  std::string type() const override { return "SGD"; }
  std::vector<std::string> slot_names() const override { return {"velocity"}; }
  nlohmann::json config() const override {
    return {{"learning_rate", this->learning_rate}, {"momentum", options_.momentum},
            {"nesterov", options_.nesterov}};
  }

 protected:
  void update(Matrix<T>& w, const Matrix<T>& g, std::vector<Matrix<T>>& slots) override {
    const T lr = static_cast<T>(this->learning_rate), mu = static_cast<T>(options_.momentum);
    if (options_.momentum == 0) {
      w.noalias() -= lr * g;                          // w ← w − lr · g
      return;
    }
    Matrix<T>& v = slots[0];
    v = mu * v - lr * g;                              // v ← μ · v − lr · g
    if (options_.nesterov)
      w.noalias() += mu * v - lr * g;                 // w ← w + μ · v − lr · g
    else
      w.noalias() += v;                               // w ← w + v
  }

 private:
  SGDOptions options_;
};

}  // namespace tinynet
