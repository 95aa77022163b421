// The optimizer interface: one update of every trainable parameter from its gradient.
//
// Optimizers keep per-parameter state ("slots": velocities, moment estimates), created the
// first time step() sees the parameters and matched to them by position. `iterations`
// counts steps — once per step, never once per tensor (the bias-correction bug of some
// small libraries).
#pragma once

#include "../layers/layer.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace tinynet {

template <typename T>
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string type() const = 0;

  // Updates every trainable parameter from its gradient. Gradients are left as they are:
  // zeroing them is the training loop's job.
  void step(std::vector<Parameter<T>>& parameters) {
    if (slots_.empty()) {
      for (Parameter<T>& p : parameters) {
        std::vector<Matrix<T>> per_parameter(slot_names().size());
        for (Matrix<T>& s : per_parameter) s = Matrix<T>::Zero(p.value->rows(), p.value->cols());
        slots_.push_back(std::move(per_parameter));
      }
    }
    if (slots_.size() != parameters.size())
      throw std::logic_error(type() + "::step: built for " + std::to_string(slots_.size()) +
                             " parameters, called with " + std::to_string(parameters.size()));
    ++iterations;
    for (std::size_t i = 0; i < parameters.size(); ++i)
      if (parameters[i].trainable()) update(*parameters[i].value, *parameters[i].gradient, slots_[i]);
  }

  // Names of the per-parameter state tensors ("momentum", "m", "v", ...).
  virtual std::vector<std::string> slot_names() const = 0;
  virtual nlohmann::json config() const = 0;

  // The state, for saving and resuming: slots()[i][k] is slot k of parameter i.
  std::vector<std::vector<Matrix<T>>>& slots() { return slots_; }

  double learning_rate = 1e-3;
  std::int64_t iterations = 0;  // steps taken so far

 protected:
  virtual void update(Matrix<T>& w, const Matrix<T>& dw, std::vector<Matrix<T>>& slots) = 0;

 private:
  std::vector<std::vector<Matrix<T>>> slots_;
};

}  // namespace tinynet
