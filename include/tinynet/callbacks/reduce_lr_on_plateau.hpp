// ReduceLROnPlateau: divides the learning rate when a monitored metric stops improving, as
// keras.callbacks.ReduceLROnPlateau (same defaults).
//
// At the end of every epoch whose log carries the metric:
//
//   if in cooldown:                      cooldown_counter ← cooldown_counter − 1, wait ← 0
//   if current improves on best by more than min_delta:   best ← current, wait ← 0
//   else if not in cooldown:             wait ← wait + 1
//        if wait ≥ patience and lr > min_lr:  lr ← max(lr · factor, min_lr),
//                                              cooldown_counter ← cooldown, wait ← 0
//
// The new learning rate is written to model.optimizer().learning_rate; it takes effect from
// the next epoch (the epoch's own log keeps the rate it trained with).
#pragma once

#include <tinynet/model/sequential.hpp>
#include <tinynet/training/callback.hpp>
#include <tinynet/callbacks/monitor.hpp>

#include <algorithm>
#include <iostream>
#include <limits>
#include <ostream>
#include <string>

namespace tinynet {

struct ReduceLROnPlateauOptions {  // in Keras's argument order
  std::string monitor = "val_loss";
  double factor = 0.1;  // lr ← lr · factor
  int patience = 10;    // epochs without improvement before reducing
  int verbose = 0;      // 1: print every reduction
  MonitorMode mode = MonitorMode::automatic;
  double min_delta = 1e-4;         // an improvement must exceed this
  int cooldown = 0;                // epochs to wait after a reduction before counting again
  double min_lr = 0;               // lower bound on the learning rate
  std::ostream* out = &std::cout;  // where verbose messages go
};

template <typename T>
class ReduceLROnPlateau : public Callback<T> {
 public:
  explicit ReduceLROnPlateau(ReduceLROnPlateauOptions options = {}) : options_(std::move(options)) {
    detail::check_monitor(options_.monitor, "ReduceLROnPlateau");
    if (!(options_.factor < 1.0) || !(options_.factor >= 0))
      throw std::invalid_argument("ReduceLROnPlateau: factor must be in [0, 1), got " +
                                  std::to_string(options_.factor));
    if (options_.patience < 0 || options_.cooldown < 0)
      throw std::invalid_argument("ReduceLROnPlateau: patience and cooldown must be ≥ 0");
    maximize_ = detail::maximizes(options_.mode, options_.monitor);
    reset();
  }

  void on_train_begin(const TrainBegin& info, Sequential<T>&) override {
    detail::require_validation(options_.monitor, info.has_validation, "ReduceLROnPlateau");
    reset();
  }

  void on_epoch_end(const EpochLog& log, Sequential<T>& model) override {
    const std::optional<double> current = log.get(options_.monitor);
    if (!current) return;
    if (in_cooldown()) {
      --cooldown_counter_;
      wait_ = 0;
    }
    if (detail::improves(*current, best_, options_.min_delta, maximize_)) {
      best_ = *current;
      wait_ = 0;
      return;
    }
    if (in_cooldown()) return;
    ++wait_;
    if (wait_ < options_.patience) return;
    double& lr = model.optimizer().learning_rate;
    if (lr > options_.min_lr) {
      lr = std::max(lr * options_.factor, options_.min_lr);
      ++reductions_;
      if (options_.verbose > 0 && options_.out)
        *options_.out << "Epoch " << log.epoch << ": ReduceLROnPlateau reducing learning rate to " << lr << ".\n";
      cooldown_counter_ = options_.cooldown;
      wait_ = 0;
    }
  }

  bool in_cooldown() const { return cooldown_counter_ > 0; }
  int wait() const { return wait_; }
  double best() const { return best_; }
  int reductions() const { return reductions_; }  // learning-rate reductions in this run
  const ReduceLROnPlateauOptions& options() const { return options_; }

 private:
  void reset() {
    wait_ = 0;
    cooldown_counter_ = 0;
    reductions_ = 0;
    best_ = maximize_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }

  ReduceLROnPlateauOptions options_;
  bool maximize_ = false;
  int wait_ = 0;
  int cooldown_counter_ = 0;
  int reductions_ = 0;
  double best_ = 0;
};

}  // namespace tinynet
