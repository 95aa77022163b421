// Adam (Kingma & Ba), with Keras's defaults and update rule. At step t (counted once per step):
//
//   m ← β1 · m + (1 − β1) · g                   first-moment estimate
//   v ← β2 · v + (1 − β2) · g²                  second-moment estimate
//   lr_t = lr · sqrt(1 − β2^t) / (1 − β1^t)     bias correction folded into the step size
//   w ← w − lr_t · m / (sqrt(v) + ε)
//
// ε is Keras's "epsilon hat" (added after the bias correction), default 1e-7.
#pragma once

#include "optimizer.hpp"

#include <cmath>

namespace tinynet {

struct AdamOptions {
  double learning_rate = 1e-3;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
};

template <typename T = float>
class Adam : public Optimizer<T> {
 public:
  explicit Adam(AdamOptions options = {}) : options_(options) {
    this->learning_rate = options.learning_rate;
  }
  std::string type() const override { return "Adam"; }
  std::vector<std::string> slot_names() const override { return {"m", "v"}; }
  nlohmann::json config() const override {
    return {{"learning_rate", this->learning_rate}, {"beta_1", options_.beta_1},
            {"beta_2", options_.beta_2}, {"epsilon", options_.epsilon}};
  }

 protected:
  void update(Matrix<T>& w, const Matrix<T>& g, std::vector<Matrix<T>>& slots) override {
    const double t = static_cast<double>(this->iterations);  // already advanced for this step
    const T b1 = static_cast<T>(options_.beta_1), b2 = static_cast<T>(options_.beta_2);
    const T lr_t = static_cast<T>(this->learning_rate * std::sqrt(1 - std::pow(options_.beta_2, t)) /
                                  (1 - std::pow(options_.beta_1, t)));
    const T eps = static_cast<T>(options_.epsilon);
    Matrix<T>& m = slots[0];
    Matrix<T>& v = slots[1];
    m = b1 * m + (T(1) - b1) * g;                                       // m ← β1 m + (1−β1) g
    v = b2 * v + (T(1) - b2) * g.cwiseAbs2();                           // v ← β2 v + (1−β2) g²
    w.array() -= lr_t * m.array() / (v.array().sqrt() + eps);           // w ← w − lr_t m / (√v + ε)
  }

 private:
  AdamOptions options_;
};

}  // namespace tinynet
