// Prints training progress, as Keras's fit(verbose=...) does:
//
//   verbose 0: nothing;  verbose 1 and 2: one line per epoch
//
//   Epoch 3/10
//   938/938 - 1.21s - 1ms/step - accuracy: 0.8821 - loss: 0.3218 - val_accuracy: ... - val_loss: ...
#pragma once

#include "callback.hpp"

#include <cstdio>
#include <iostream>
#include <ostream>
#include <string>

namespace tinynet {

template <typename T>
class ProgressLogger : public Callback<T> {
 public:
  explicit ProgressLogger(int verbose = 1, std::ostream& out = std::cout) : verbose_(verbose), out_(out) {}

  void on_train_begin(const TrainBegin& info, Sequential<T>&) override { info_ = info; }

  void on_epoch_end(const EpochLog& log, Sequential<T>&) override {
    if (verbose_ == 0) return;
    char line[512];
    const double ms_per_step = 1000.0 * log.seconds / static_cast<double>(std::max<Index>(1, info_.steps_per_epoch));
    int n = std::snprintf(line, sizeof line, "Epoch %d/%d\n%lld/%lld - %.2fs - %.0fms/step - accuracy: %.4f - loss: %.4f",
                          log.epoch, info_.epochs, static_cast<long long>(info_.steps_per_epoch),
                          static_cast<long long>(info_.steps_per_epoch), log.seconds, ms_per_step,
                          log.accuracy, log.loss);
    if (log.val_loss && n > 0 && n < static_cast<int>(sizeof line))
      std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n), " - val_accuracy: %.4f - val_loss: %.4f",
                    *log.val_accuracy, *log.val_loss);
    out_ << line << std::endl;
  }

 private:
  int verbose_;
  std::ostream& out_;
  TrainBegin info_;
};

}  // namespace tinynet
