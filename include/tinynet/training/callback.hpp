// The callback interface: the points of the training loop (training/fit.hpp) where code of
// your own runs, as Keras's keras.callbacks.Callback. Override only what you need; set
// model.stop_training = true to end training after the current epoch (EarlyStopping does).
//
//   on_train_begin
//     on_epoch_begin(epoch)          epochs count from 1
//       on_batch_end(batch)          after every training step, with the epoch's running means
//     on_epoch_end(log)              with the epoch's metrics, validation included
//   on_train_end(history)
//
// The ready-made callbacks are in callbacks/; the progress bar fit() shows is training/progress_bar.hpp.
#pragma once

#include <tinynet/model/history.hpp>
#include <tinynet/tensor.hpp>

namespace tinynet {

template <typename T>
class Sequential;

// What on_train_begin learns about the run.
struct TrainBegin {
  int epochs = 0;
  int initial_epoch = 0;      // epochs already done (resumed runs)
  Index samples = 0;          // training samples per epoch
  Index steps_per_epoch = 0;  // batches per epoch
  bool has_validation = false;
};

// What on_batch_end learns: running means over the epoch so far.
struct BatchEnd {
  int epoch = 0;   // 1-based
  Index step = 0;  // 1-based batch number within the epoch
  Index steps_per_epoch = 0;
  double loss = 0;      // running mean loss of the epoch so far
  double accuracy = 0;  // running accuracy of the epoch so far
  double seconds = 0;   // since the epoch began
};

template <typename T>
class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(const TrainBegin&, Sequential<T>&) {}
  virtual void on_epoch_begin(int /*epoch*/, Sequential<T>&) {}
  virtual void on_batch_end(const BatchEnd&, Sequential<T>&) {}
  virtual void on_epoch_end(const EpochLog& /*log*/, Sequential<T>&) {}
  virtual void on_train_end(const History&, Sequential<T>&) {}
};

}  // namespace tinynet
