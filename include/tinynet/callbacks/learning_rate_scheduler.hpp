// LearningRateScheduler: sets the learning rate at the start of every epoch from a function
// of the epoch, as keras.callbacks.LearningRateScheduler.
//
//   lr ← schedule(epoch_index, lr)        epoch_index counted from 0, as Keras counts it
//
// so a Keras schedule such as "keep lr for 10 epochs, then multiply it by e^−0.1" reads the
// same here:   [](int epoch, double lr) { return epoch < 10 ? lr : lr * std::exp(-0.1); }
//
// Two ready-made schedules (functions of the epoch index e only):
//
//   step_decay(initial, drop, every):      lr(e) = initial · drop^⌊e / every⌋
//
//   cosine_decay(initial, total_epochs, min_lr = 0, warmup_epochs = 0):
//     warm-up, e < w:   lr(e) = initial · (e + 1) / (w + 1)                 a linear ramp up
//     then:             lr(e) = min_lr + (initial − min_lr) · ½ (1 + cos(π · t)),
//                       t = min(e − w, D) / D,  D = total_epochs − w        half a cosine down
#pragma once

#include <tinynet/model/sequential.hpp>
#include <tinynet/training/callback.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <numbers>
#include <ostream>
#include <stdexcept>
#include <string>

namespace tinynet {

using LearningRateSchedule = std::function<double(int epoch, double learning_rate)>;

template <typename T>
class LearningRateScheduler : public Callback<T> {
 public:
  explicit LearningRateScheduler(LearningRateSchedule schedule, int verbose = 0, std::ostream* out = &std::cout)
      : schedule_(std::move(schedule)), verbose_(verbose), out_(out) {
    if (!schedule_) throw std::invalid_argument("LearningRateScheduler: the schedule is empty");
  }

  void on_epoch_begin(int epoch, Sequential<T>& model) override {
    double& lr = model.optimizer().learning_rate;
    const double next = schedule_(epoch - 1, lr);  // fit counts epochs from 1, Keras from 0
    if (!std::isfinite(next) || next < 0)
      throw std::invalid_argument("LearningRateScheduler: the schedule returned " + std::to_string(next) +
                                  " for epoch index " + std::to_string(epoch - 1) +
                                  "; a learning rate must be finite and ≥ 0");
    lr = next;
    if (verbose_ > 0 && out_)
      *out_ << "Epoch " << epoch << ": LearningRateScheduler setting learning rate to " << lr << ".\n";
  }

 private:
  LearningRateSchedule schedule_;
  int verbose_;
  std::ostream* out_;
};

// lr(e) = initial · drop^⌊e / every⌋
inline LearningRateSchedule step_decay(double initial, double drop, int every) {
  if (every <= 0) throw std::invalid_argument("step_decay: every must be positive, got " + std::to_string(every));
  return [=](int epoch, double) { return initial * std::pow(drop, std::floor(static_cast<double>(epoch) / every)); };
}

// A linear warm-up over warmup_epochs, then half a cosine from initial down to min_lr, reached
// after total_epochs (and kept after that).
inline LearningRateSchedule cosine_decay(double initial, int total_epochs, double min_lr = 0, int warmup_epochs = 0) {
  if (warmup_epochs < 0 || total_epochs <= warmup_epochs)
    throw std::invalid_argument("cosine_decay: need 0 ≤ warmup_epochs < total_epochs, got warmup " +
                                std::to_string(warmup_epochs) + " of " + std::to_string(total_epochs));
  return [=](int epoch, double) {
    if (epoch < warmup_epochs) return initial * (epoch + 1) / (warmup_epochs + 1);
    const double decay = total_epochs - warmup_epochs;
    const double t = std::min<double>(epoch - warmup_epochs, decay) / decay;
    return min_lr + (initial - min_lr) * 0.5 * (1 + std::cos(std::numbers::pi * t));
  };
}

}  // namespace tinynet
