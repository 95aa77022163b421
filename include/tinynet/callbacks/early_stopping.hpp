// EarlyStopping: ends training when a monitored metric stops improving, as
// keras.callbacks.EarlyStopping (Keras 3).
//
// At the end of every epoch e (1-based) whose log carries the metric, with `best` starting at
// +∞ (min mode) or −∞ (max mode) and `wait` at 0:
//
//   wait ← wait + 1
//   if current improves on best by more than min_delta:   best ← current, best_epoch ← e,
//        snapshot the weights (restore_best_weights), and
//        wait ← 0 unless a baseline is set and current does not also improve on it
//   else if wait ≥ patience and e > 1:                    stop (model.stop_training = true)
//
// So with patience p, training stops p epochs after the last improvement. With
// restore_best_weights, the model ends training with every parameter value — BatchNorm's
// moving statistics included — as it was at the end of the best epoch, whether the callback
// stopped training or the epochs ran out (on_train_end restores the snapshot, as Keras 3 does;
// if the best epoch was the last one, that changes nothing). If no epoch improves, the
// weights of the first monitored epoch are the snapshot, as in Keras.
//
// Epochs before start_from_epoch are not monitored (a warm-up). A monitored val_* metric
// requires validation data: on_train_begin throws otherwise, rather than silently never stopping.
#pragma once

#include <tinynet/model/sequential.hpp>
#include <tinynet/training/callback.hpp>
#include <tinynet/callbacks/monitor.hpp>

#include <cmath>
#include <iostream>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace tinynet {

struct EarlyStoppingOptions {  // in Keras's argument order
  std::string monitor = "val_loss";
  double min_delta = 0;  // an improvement must exceed this
  int patience = 0;      // epochs without improvement before stopping
  int verbose = 0;       // 1: print when stopping and restoring
  MonitorMode mode = MonitorMode::automatic;
  std::optional<double> baseline{};  // the value to beat for `wait` to reset
  bool restore_best_weights = false;
  int start_from_epoch = 0;        // epochs of warm-up that are not monitored
  std::ostream* out = &std::cout;  // where verbose messages go
};

template <typename T>
class EarlyStopping : public Callback<T> {
 public:
  explicit EarlyStopping(EarlyStoppingOptions options = {}) : options_(std::move(options)) {
    detail::check_monitor(options_.monitor, "EarlyStopping");
    if (options_.patience < 0)
      throw std::invalid_argument("EarlyStopping: patience must be ≥ 0, got " + std::to_string(options_.patience));
    options_.min_delta = std::abs(options_.min_delta);
    maximize_ = detail::maximizes(options_.mode, options_.monitor);
    reset();
  }

  void on_train_begin(const TrainBegin& info, Sequential<T>&) override {
    detail::require_validation(options_.monitor, info.has_validation, "EarlyStopping");
    reset();
  }

  void on_epoch_end(const EpochLog& log, Sequential<T>& model) override {
    const std::optional<double> current = log.get(options_.monitor);
    if (!current || log.epoch <= options_.start_from_epoch) return;
    if (options_.restore_best_weights && best_weights_.empty()) snapshot(model, log.epoch);

    ++wait_;
    if (detail::improves(*current, best_, options_.min_delta, maximize_)) {
      best_ = *current;
      best_epoch_ = log.epoch;
      if (options_.restore_best_weights) snapshot(model, log.epoch);
      if (!options_.baseline || detail::improves(*current, *options_.baseline, options_.min_delta, maximize_))
        wait_ = 0;
      return;
    }
    if (wait_ >= options_.patience && log.epoch > 1) {
      stopped_epoch_ = log.epoch;
      model.stop_training = true;
    }
  }

  void on_train_end(const History&, Sequential<T>& model) override {
    if (stopped_epoch_ > 0 && options_.verbose > 0 && options_.out)
      *options_.out << "Epoch " << stopped_epoch_ << ": early stopping\n";
    if (options_.restore_best_weights && !best_weights_.empty()) {
      if (options_.verbose > 0 && options_.out)
        *options_.out << "Restoring model weights from the end of the best epoch: " << best_weights_epoch_ << ".\n";
      restore(model);
    }
  }

  // The epoch (1-based) at which the callback stopped training; 0 if it did not.
  int stopped_epoch() const { return stopped_epoch_; }
  // The epoch (1-based) with the best monitored value; 0 before any was seen.
  int best_epoch() const { return best_epoch_; }
  // The best monitored value so far (±∞ before any).
  double best() const { return best_; }
  // Epochs since the last improvement.
  int wait() const { return wait_; }
  const EarlyStoppingOptions& options() const { return options_; }

 private:
  void reset() {
    wait_ = 0;
    stopped_epoch_ = 0;
    best_epoch_ = 0;
    best_weights_epoch_ = 0;
    best_ = maximize_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    best_weights_.clear();
  }

  // Copies every parameter value of the model, trainable or not.
  void snapshot(Sequential<T>& model, int epoch) {
    const std::vector<Parameter<T>> parameters = model.parameters();
    best_weights_.resize(parameters.size());
    for (std::size_t i = 0; i < parameters.size(); ++i) best_weights_[i] = *parameters[i].value;
    best_weights_epoch_ = epoch;
  }

  void restore(Sequential<T>& model) const {
    const std::vector<Parameter<T>> parameters = model.parameters();
    if (parameters.size() != best_weights_.size())
      throw std::logic_error("EarlyStopping: the model has " + std::to_string(parameters.size()) +
                             " parameters, the snapshot " + std::to_string(best_weights_.size()));
    for (std::size_t i = 0; i < parameters.size(); ++i) *parameters[i].value = best_weights_[i];
  }

  EarlyStoppingOptions options_;
  bool maximize_ = false;
  int wait_ = 0;
  int stopped_epoch_ = 0;
  int best_epoch_ = 0;
  int best_weights_epoch_ = 0;  // the epoch the snapshot was taken at
  double best_ = 0;
  std::vector<Matrix<T>> best_weights_;  // one per model parameter, in Sequential::parameters() order
};

}  // namespace tinynet
