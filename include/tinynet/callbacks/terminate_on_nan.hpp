// TerminateOnNaN: stops training as soon as the loss becomes NaN or infinite, as
// keras.callbacks.TerminateOnNaN.
//
// It checks the running mean loss of the epoch after every batch; that mean is non-finite
// exactly when some batch's loss was. fit() ends the epoch at that batch (the epoch's log
// covers the batches run) and trains no further epochs.
#pragma once

#include <tinynet/model/sequential.hpp>
#include <tinynet/training/callback.hpp>

#include <cmath>
#include <iostream>
#include <ostream>

namespace tinynet {

template <typename T>
class TerminateOnNaN : public Callback<T> {
 public:
  explicit TerminateOnNaN(std::ostream* out = &std::cout) : out_(out) {}

  void on_train_begin(const TrainBegin&, Sequential<T>&) override { epoch_ = 0, step_ = 0; }

  void on_batch_end(const BatchEnd& info, Sequential<T>& model) override {
    if (std::isfinite(info.loss)) return;
    epoch_ = info.epoch;
    step_ = info.step;
    if (out_) *out_ << "Epoch " << info.epoch << ", batch " << info.step << ": Invalid loss, terminating training\n";
    model.stop_training = true;
  }

  bool terminated() const { return epoch_ > 0; }
  int epoch() const { return epoch_; }  // 1-based epoch of the invalid loss; 0: none
  Index step() const { return step_; }  // 1-based batch within that epoch

 private:
  std::ostream* out_;
  int epoch_ = 0;
  Index step_ = 0;
};

}  // namespace tinynet
