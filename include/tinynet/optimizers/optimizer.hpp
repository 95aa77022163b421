// The optimizer interface: one update of every trainable parameter from its gradient.
//
// An algorithm is written as an update *rule* — a struct of hyperparameters with an update()
// for one parameter, free of the scalar type (sgd.hpp, adam.hpp, rmsprop.hpp) — and the model
// runs it as an Optimizer<T> of its own scalar type:
//
//   model.compile(Adam{.learning_rate = 1e-3}, SparseCategoricalCrossentropy{});
//
// The Optimizer keeps what changes while training: the learning rate (schedules set it), the
// step count and the per-parameter state ("slots": velocities, moment estimates), created the
// first time step() sees the parameters and matched to them by position. `iterations` counts
// steps — once per step, never once per tensor (the bias-correction bug of some small libraries).
#pragma once

#include <tinynet/detail/parallel.hpp>
#include <tinynet/parameter.hpp>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tinynet {

template <typename T>
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string type() const = 0;

  // Names of the per-parameter state tensors ("momentum", "m", "v", ...).
  virtual std::vector<std::string> slot_names() const = 0;

  // Updates every trainable parameter from its gradient. Gradients are left as they are:
  // zeroing them is the training loop's job.
  void step(std::vector<Parameter<T>>& parameters) {
    if (!(std::isfinite(learning_rate) && learning_rate >= 0))  // a schedule, or code, may have set it
      throw std::invalid_argument(type() + "::step: the learning rate is " + std::to_string(learning_rate) +
                                  "; it must be finite and >= 0");
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

  // The state, for saving and resuming: slots()[i][k] is slot k of parameter i.
  std::vector<std::vector<Matrix<T>>>& slots() { return slots_; }
  const std::vector<std::vector<Matrix<T>>>& slots() const { return slots_; }

  double learning_rate = 1e-3;
  std::int64_t iterations = 0;  // steps taken so far

 protected:
  virtual void update(Matrix<T>& w, const Matrix<T>& dw, std::vector<Matrix<T>>& slots) = 0;

 private:
  std::vector<std::vector<Matrix<T>>> slots_;
};

// What an update rule provides (see sgd.hpp for the simplest one):
//   static constexpr name ("Adam"), slot_names (a list of its state tensors' names),
//   double learning_rate, check() throwing std::invalid_argument for bad hyperparameters, and
//   update(w, g, slots, learning_rate, t) for one parameter at step t (counted from 1).
template <typename R>
concept UpdateRule = requires(R rule, const R& read, Matrix<float>& w, const Matrix<float>& g,
                              std::vector<Matrix<float>>& slots) {
  { R::name } -> std::convertible_to<std::string>;
  R::slot_names.size();
  { rule.learning_rate } -> std::convertible_to<double>;
  read.check();
  read.update(w, g, slots, 1.0, std::int64_t{1});
};

// An update rule run as an Optimizer<T>.
template <typename T, UpdateRule Rule>
class RuleOptimizer final : public Optimizer<T> {
 public:
  explicit RuleOptimizer(Rule rule = {}) : rule_(std::move(rule)) {
    rule_.check();
    this->learning_rate = rule_.learning_rate;
  }

  std::string type() const override { return Rule::name; }
  std::vector<std::string> slot_names() const override { return {Rule::slot_names.begin(), Rule::slot_names.end()}; }

  // The hyperparameters, with the learning rate the optimizer has now (a schedule may have
  // changed it since construction).
  Rule rule() const {
    Rule current = rule_;
    current.learning_rate = this->learning_rate;
    return current;
  }

 protected:
  void update(Matrix<T>& w, const Matrix<T>& dw, std::vector<Matrix<T>>& slots) override {
    rule_.update(w, dw, slots, this->learning_rate, this->iterations);
  }

 private:
  Rule rule_;
};

namespace detail {
// Throws std::invalid_argument "<rule>: <what> must be <range>, got <value>" unless ok.
inline void check_hyperparameter(bool ok, const char* rule, const char* what, const char* range, double value) {
  if (!ok)
    throw std::invalid_argument(std::string(rule) + ": " + what + " must be " + range + ", got " +
                                std::to_string(value));
}
inline void check_learning_rate(const char* rule, double learning_rate) {
  check_hyperparameter(std::isfinite(learning_rate) && learning_rate > 0, rule, "learning_rate", "finite and > 0",
                       learning_rate);
}

// Runs f(first, count) over the values [0, size) in blocks of 1024. An update rule whose lines
// each sweep all of w, g and the slots would stream them through memory once per line; applied
// a block at a time, the later lines find the block still in the L1 cache. The blocks are
// spread over the threads in tasks of 16.
template <typename F>
void in_blocks(Index size, F f) {
  constexpr Index block = 1024, per_task = 16 * block;  // a task of 16k values is worth a thread
  for_blocks(size, per_task, [&](Index task_first, Index task_count) {
    for (Index first = task_first; first < task_first + task_count; first += block)
      f(first, std::min(block, task_first + task_count - first));
  });
}

// Values first .. first + count − 1 of a matrix (in storage order), as an array expression.
template <typename T>
Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> values(Matrix<T>& m, Index first, Index count) {
  return {m.data() + first, count};
}
template <typename T>
Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>> values(const Matrix<T>& m, Index first, Index count) {
  return {m.data() + first, count};
}
}  // namespace detail

}  // namespace tinynet
