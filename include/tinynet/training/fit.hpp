// The training loop behind Sequential::fit, as Keras's fit runs it:
//
//   1. resolve the validation data (training/validation.hpp)
//   2. for every epoch e:
//        shuffle the training samples (a new order each epoch, drawn from Random(seed, e), so
//        that a run resumed at epoch e — initial_epoch — trains exactly as the uninterrupted one)
//        for every batch of batch_size samples in that order:
//          gather the batch's columns (gathered ahead while the step before trained:
//          training/batch_gatherer.hpp), augment them, and take one training step
//          (model.train_step: forward, loss, backward, optimizer update), on all of tinynet's
//          threads or on this one alone, whichever the last timings found faster
//          (detail/thread_tuner.hpp: the results are the same either way)
//        evaluate on the validation data
//   3. stop early when a callback asks (model.stop_training) or a step is not finite
//
// Callbacks (training/callback.hpp) run at each of these points; with verbose > 0 the first
// of them is the progress bar.
//
// Numbers that cannot ruin a run. x is checked once for NaN and ±∞ (the error names the sample
// and the feature). With terminate_on_nan (the default), a step whose loss or any gradient is
// not finite is not applied: training stops there, the weights stay those from before that
// batch, and History::stop_reason (also printed) names the epoch and the batch. A batch_size
// above the number of training samples is clamped to it (one batch per epoch), as in Keras.
#pragma once

#include <tinynet/detail/flush_denormals.hpp>
#include <tinynet/data/samples.hpp>
#include <tinynet/detail/parallel.hpp>  // gather_columns
#include <tinynet/detail/thread_tuner.hpp>
#include <tinynet/random.hpp>
#include <tinynet/tensor.hpp>
#include <tinynet/training/batch_gatherer.hpp>
#include <tinynet/training/callback.hpp>
#include <tinynet/training/progress_bar.hpp>
#include <tinynet/training/validation.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <numeric>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynet {

template <typename T>
struct FitOptions {
  int epochs = 1;
  Index batch_size = 32;        // Keras's default
  bool shuffle = true;          // reshuffle the training data every epoch
  std::uint64_t seed = 42;      // shuffling order and augmentation
  int verbose = 1;              // 0 silent, 1 progress bar (one line per epoch off a terminal), 2 one line per epoch
  double validation_split = 0;  // last fraction of x, taken before shuffling (Keras)
  ValidationData<T> validation_data{};  // or explicit validation data (wins over validation_split)
  std::vector<std::shared_ptr<Callback<T>>> callbacks{};
  int initial_epoch = 0;  // epochs already done (to resume training)
  // Optional data augmentation: called on every training batch (features × N) after it is
  // gathered, with fit's random generator (see data/augment.hpp). Validation data is never augmented.
  std::function<void(Matrix<T>& batch, Random& random)> augment{};
  bool terminate_on_nan = true;    // stop at a non-finite loss or gradient (see the top of this file)
  std::ostream* out = &std::cout;  // where progress goes
};

namespace detail {

template <typename T>
void check_fit_options(const FitOptions<T>& options) {
  if (options.batch_size <= 0)
    throw std::invalid_argument("fit: batch_size must be positive, got " + std::to_string(options.batch_size));
  if (options.epochs < 0) throw std::invalid_argument("fit: epochs must be ≥ 0, got " + std::to_string(options.epochs));
  if (options.initial_epoch < 0 || options.initial_epoch > options.epochs)
    throw std::invalid_argument("fit: initial_epoch must be in [0, epochs], got " +
                                std::to_string(options.initial_epoch) + " with epochs " +
                                std::to_string(options.epochs));
  if (options.verbose < 0 || options.verbose > 2)
    throw std::invalid_argument("fit: verbose must be 0, 1 or 2, got " + std::to_string(options.verbose));
  if (options.verbose > 0 && !options.out) throw std::invalid_argument("fit: verbose output needs a stream (out)");
}

// Throws std::invalid_argument naming the first sample (column) and feature (row) of x that is
// NaN or infinite.
template <typename T>
void check_finite(const Matrix<T>& x, const std::string& who) {
  if (std::isfinite(x.sum()) || x.allFinite()) return;  // the sum is not finite when a value is not
  for (Index n = 0; n < x.cols(); ++n)
    for (Index i = 0; i < x.rows(); ++i)
      if (!std::isfinite(x(i, n)))
        throw std::invalid_argument(who + ": sample " + std::to_string(n) + ", feature " + std::to_string(i) + " is " +
                                    std::to_string(x(i, n)) + "; the data must be finite");
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace detail

// Trains `model` (a Sequential) on the n samples x (values or Images) with one-hot `targets`
// (classes × n).
template <typename Model, typename T>
History fit(Model& model, Samples<T> x, const Matrix<T>& targets, const FitOptions<T>& options) {
  detail::check_fit_options(options);
  model.check_input(x, "fit");
  if (x.values()) detail::check_finite(*x.values(), "fit");  // images are finite by construction

  // 1. Validation data, and the samples left to train on.
  const Validation<T> validation =
      resolve_validation(model, x, targets, options.validation_split, options.validation_data);
  const Index samples = validation.train_count;
  const Index batch_size = std::min(options.batch_size, samples);
  const Index steps = (samples + batch_size - 1) / batch_size;

  std::vector<std::shared_ptr<Callback<T>>> callbacks = options.callbacks;
  if (options.verbose > 0)
    callbacks.insert(callbacks.begin(), std::make_shared<ProgressBar<T>>(options.verbose, *options.out));

  const detail::ScopedFlushDenormals flush_denormals;  // denormals would slow products 5-10x
  detail::ThreadTuner tuner;  // whether a step runs faster on one thread (detail/thread_tuner.hpp)
  std::vector<Index> order(static_cast<std::size_t>(samples));
  Matrix<T> batch_y;  // reused from step to step

  detail::BatchGatherer<T> batches(x);  // each batch gathered while the step before trains

  History history;
  model.stop_training = false;
  for (auto& c : callbacks)
    c->on_train_begin({options.epochs, options.initial_epoch, samples, steps, validation.present()}, model);

  // 2. The epochs.
  for (int epoch = options.initial_epoch + 1; epoch <= options.epochs; ++epoch) {
    for (auto& c : callbacks) c->on_epoch_begin(epoch, model);
    Random random(options.seed, static_cast<std::uint64_t>(epoch));  // this epoch's order and augmentation
    std::iota(order.begin(), order.end(), Index{0});
    if (options.shuffle) random.shuffle(order);
    const auto start = std::chrono::steady_clock::now();
    double loss_sum = 0;
    Index correct = 0, seen = 0;

    // The steps of one epoch.
    for (Index step = 0; step < steps; ++step) {
      const Index first = step * batch_size, n = std::min(batch_size, samples - first);
      const auto result = tuner.run(n, [&] {  // on the threads, or on this one when that is faster
        using Columns = typename detail::BatchGatherer<T>::Columns;  // entries of `order`
        const Columns batch(order.data() + first, n);
        Matrix<T>& batch_x = step == 0 ? batches.gather(batch) : batches.next();  // the samples, as values
        if (step + 1 < steps)
          batches.start(Columns(order.data() + first + n, std::min(batch_size, samples - first - n)));
        detail::gather_columns(targets, batch, batch_y);
        if (options.augment) options.augment(batch_x, random);
        return model.train_step(batch_x, batch_y, options.terminate_on_nan);
      });
      if (!result.applied) {  // 3. a step that is not finite ends training, its update not applied
        history.stop_reason = "epoch " + std::to_string(epoch) + ", batch " + std::to_string(step + 1) + ": " +
                              result.problem + "; training stopped, the weights are those from before this batch";
        if (options.out) *options.out << "fit: " << history.stop_reason << '\n';
        model.stop_training = true;
        break;
      }
      loss_sum += result.loss * static_cast<double>(n);
      correct += result.correct;
      seen += n;
      const BatchEnd info{epoch,
                          step + 1,
                          steps,
                          loss_sum / static_cast<double>(seen),
                          static_cast<double>(correct) / static_cast<double>(seen),
                          detail::seconds_since(start)};
      for (auto& c : callbacks) c->on_batch_end(info, model);
      if (model.stop_training) break;  // a callback (TerminateOnNaN) ended the epoch here, as in Keras
    }

    EpochLog log;
    log.epoch = epoch;
    log.interrupted = seen < samples;
    log.seconds = detail::seconds_since(start);
    log.learning_rate = model.optimizer().learning_rate;
    if (seen > 0) {  // seen < samples only when training stopped inside the epoch
      log.loss = loss_sum / static_cast<double>(seen);
      log.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
    } else {
      log.loss = log.accuracy = std::nan("");
    }
    if (validation.present()) {
      const auto v = model.evaluate_samples(validation.x, validation.first, validation.targets);
      log.val_loss = v.loss;
      log.val_accuracy = v.accuracy;
    }
    history.epochs.push_back(log);
    for (auto& c : callbacks) c->on_epoch_end(log, model);
    if (model.stop_training) {
      history.stopped_epoch = epoch;
      break;
    }
  }
  for (auto& c : callbacks) c->on_train_end(history, model);
  return history;
}

}  // namespace tinynet
