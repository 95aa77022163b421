// RMSprop, with Keras's defaults and update rule:
//
//   v ← ρ · v + (1 − ρ) · g²          running mean of squared gradients
//   w ← w − lr · g / sqrt(v + ε)
#pragma once

#include "optimizer.hpp"

namespace tinynet {

struct RMSpropOptions {
  double learning_rate = 1e-3;
  double rho = 0.9;
  double epsilon = 1e-7;
};

template <typename T = float>
class RMSprop : public Optimizer<T> {
 public:
  explicit RMSprop(RMSpropOptions options = {}) : options_(options) {
    this->learning_rate = options.learning_rate;
  }
  std::string type() const override { return "RMSprop"; }
  std::vector<std::string> slot_names() const override { return {"velocity"}; }
  nlohmann::json config() const override {
    return {{"learning_rate", this->learning_rate}, {"rho", options_.rho},
            {"epsilon", options_.epsilon}};
  }

 protected:
  void update(Matrix<T>& w, const Matrix<T>& g, std::vector<Matrix<T>>& slots) override {
    const T lr = static_cast<T>(this->learning_rate), rho = static_cast<T>(options_.rho);
    const T eps = static_cast<T>(options_.epsilon);
    Matrix<T>& v = slots[0];
    v = rho * v + (T(1) - rho) * g.cwiseAbs2();                  // v ← ρ v + (1−ρ) g²
    w.array() -= lr * g.array() / (v.array() + eps).sqrt();      // w ← w − lr g / √(v + ε)
  }

 private:
  RMSpropOptions options_;
};

}  // namespace tinynet
