// Callbacks: EarlyStopping, ReduceLROnPlateau, LearningRateScheduler and its schedules, CSVLogger
// and TerminateOnNaN, driven with scripted epoch logs and through real (tiny) fit() runs.
#include "catch.hpp"
#include "gradient_check.hpp"

#include <tinynet/callbacks/csv_logger.hpp>
#include <tinynet/callbacks/early_stopping.hpp>
#include <tinynet/callbacks/learning_rate_scheduler.hpp>
#include <tinynet/callbacks/reduce_lr_on_plateau.hpp>
#include <tinynet/callbacks/terminate_on_nan.hpp>
#include <tinynet/layers/batch_normalization.hpp>
#include <tinynet/layers/dense.hpp>
#include <tinynet/layers/relu.hpp>
#include <tinynet/layers/softmax.hpp>
#include <tinynet/optimizers/adam.hpp>
#include <tinynet/optimizers/sgd.hpp>
#include <tinynet/sequential.hpp>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

using tinynet::EpochLog;
using tinynet::Matrix;
using tinynet::Sequential;

namespace {

// A compiled Dense → BatchNormalization → Dense → Softmax model on 4 features, 3 classes.
Sequential<double> callback_model(double learning_rate = 0.01, std::uint64_t seed = 3) {
  Sequential<double> model({4}, seed);
  model.add<tinynet::Dense>(8)
      .add<tinynet::BatchNormalization>()
      .add<tinynet::ReLU>()
      .add<tinynet::Dense>(3)
      .add<tinynet::Softmax>();
  model.compile(tinynet::Adam{.learning_rate = learning_rate}, tinynet::SparseCategoricalCrossentropy{});
  return model;
}

// Gaussian-ish blobs: class c centred at 2·e_c, n samples.
void callback_blobs(tinynet::Index n, std::uint64_t seed, Matrix<double>& x, std::vector<int>& labels) {
  x = tinynet_test::random_matrix(4, n, seed, -1, 1);
  labels.resize(static_cast<std::size_t>(n));
  for (tinynet::Index i = 0; i < n; ++i) {
    const int c = static_cast<int>(i % 3);
    labels[static_cast<std::size_t>(i)] = c;
    x(c, i) += 2;
  }
}

EpochLog val_log(int epoch, double val_loss, double val_accuracy = 0.5) {
  EpochLog log;
  log.epoch = epoch;
  log.loss = 1;
  log.val_loss = val_loss;
  log.val_accuracy = val_accuracy;
  return log;
}

const tinynet::TrainBegin with_validation{10, 0, 100, 4, true};

// Feeds `values` of the monitored metric to `callback` as epochs 1, 2, ...; returns the epoch
// after which the model was told to stop (0: never).
template <typename Callback>
int drive(Callback& callback, Sequential<double>& model, const std::vector<double>& values, bool accuracy = false) {
  callback.on_train_begin(with_validation, model);
  model.stop_training = false;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const int epoch = static_cast<int>(i) + 1;
    callback.on_epoch_end(accuracy ? val_log(epoch, 1.0, values[i]) : val_log(epoch, values[i]), model);
    if (model.stop_training) return epoch;
  }
  return 0;
}

std::vector<Matrix<double>> parameter_values(Sequential<double>& model) {
  std::vector<Matrix<double>> values;
  for (const auto& p : model.parameters()) values.push_back(*p.value);
  return values;
}

// Records every epoch's parameter values (all of them, BatchNorm's moving statistics included).
struct Snapshots : tinynet::Callback<double> {
  std::vector<std::vector<Matrix<double>>> epochs;  // epochs[e − 1]
  void on_epoch_end(const EpochLog&, Sequential<double>& model) override { epochs.push_back(parameter_values(model)); }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  return parts;
}

double parse(const std::string& text) {
  double v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

std::string temp_path(const std::string& name) { return std::string(TINYNET_TEST_TMPDIR) + "/" + name; }

}  // namespace

// ---------------------------------------------------------------------------------------------
// EarlyStopping

TEST_CASE("EarlyStopping stops patience epochs after the last improvement", "[callbacks][early_stopping]") {
  Sequential<double> model = callback_model();
  tinynet::EarlyStopping<double> stop({.patience = 2});
  // best at epoch 2; epochs 3 and 4 do not improve → stop after epoch 4.
  CHECK(drive(stop, model, {1.0, 0.8, 0.85, 0.9, 0.7}) == 4);
  CHECK(stop.stopped_epoch() == 4);
  CHECK(stop.best_epoch() == 2);
  CHECK(stop.best() == 0.8);

  tinynet::EarlyStopping<double> patient({.patience = 3});
  CHECK(drive(patient, model, {1.0, 0.8, 0.85, 0.9, 0.7, 0.75, 0.71, 0.72}) == 8);
  CHECK(patient.best_epoch() == 5);

  tinynet::EarlyStopping<double> never({.patience = 1});
  CHECK(drive(never, model, {1.0, 0.9, 0.8, 0.7}) == 0);
  CHECK(never.stopped_epoch() == 0);

  // patience 0 stops at the first epoch that does not improve (but never after the first).
  tinynet::EarlyStopping<double> impatient({.patience = 0});
  CHECK(drive(impatient, model, {1.0, 0.9, 0.95}) == 3);
}

TEST_CASE("EarlyStopping counts only improvements larger than min_delta", "[callbacks][early_stopping]") {
  Sequential<double> model = callback_model();
  tinynet::EarlyStopping<double> stop({.min_delta = 0.05, .patience = 1});
  // 0.97 improves on 1.0 by only 0.03: no improvement → stop after epoch 2.
  CHECK(drive(stop, model, {1.0, 0.97, 0.9}) == 2);
  tinynet::EarlyStopping<double> negative({.min_delta = -0.05, .patience = 1});  // |min_delta|, as Keras
  CHECK(drive(negative, model, {1.0, 0.97, 0.9}) == 2);
  tinynet::EarlyStopping<double> enough({.min_delta = 0.05, .patience = 1});
  CHECK(drive(enough, model, {1.0, 0.9, 0.8, 0.7}) == 0);
}

TEST_CASE("EarlyStopping maximises accuracies in auto mode and obeys an explicit mode", "[callbacks][early_stopping]") {
  Sequential<double> model = callback_model();
  tinynet::EarlyStopping<double> accuracy({.monitor = "val_accuracy", .patience = 2});
  CHECK(drive(accuracy, model, {0.5, 0.6, 0.55, 0.58, 0.9}, true) == 4);
  CHECK(accuracy.best_epoch() == 2);

  // mode max on a loss: a falling loss never improves.
  tinynet::EarlyStopping<double> inverted({.patience = 1, .mode = tinynet::MonitorMode::max});
  CHECK(drive(inverted, model, {1.0, 0.9}) == 2);
  // mode min on an accuracy.
  tinynet::EarlyStopping<double> min_accuracy(
      {.monitor = "val_accuracy", .patience = 1, .mode = tinynet::MonitorMode::min});
  CHECK(drive(min_accuracy, model, {0.5, 0.6}, true) == 2);
}

TEST_CASE("EarlyStopping with a baseline keeps counting until the baseline is beaten", "[callbacks][early_stopping]") {
  Sequential<double> model = callback_model();
  // Each epoch improves on the best, but not on the baseline 0.5: wait is not reset, so the
  // first epoch that fails to improve (epoch 3, wait 3 ≥ 2) stops training.
  tinynet::EarlyStopping<double> baseline({.patience = 2, .baseline = 0.5});
  CHECK(drive(baseline, model, {0.9, 0.8, 0.85}) == 3);
  tinynet::EarlyStopping<double> none({.patience = 2});
  CHECK(drive(none, model, {0.9, 0.8, 0.85}) == 0);
  // Beating the baseline resets the count as usual.
  tinynet::EarlyStopping<double> beaten({.patience = 2, .baseline = 0.5});
  CHECK(drive(beaten, model, {0.9, 0.4, 0.45}) == 0);
}

TEST_CASE("EarlyStopping ignores epochs before start_from_epoch and logs without the metric",
          "[callbacks][early_stopping]") {
  Sequential<double> model = callback_model();
  tinynet::EarlyStopping<double> warm({.patience = 1, .start_from_epoch = 2});
  CHECK(drive(warm, model, {0.5, 0.9, 1.0, 1.1}) == 4);  // epochs 1-2 are warm-up: best is 1.0 at epoch 3
  CHECK(warm.best_epoch() == 3);

  tinynet::EarlyStopping<double> stop({.patience = 0});
  stop.on_train_begin(with_validation, model);
  EpochLog no_validation;
  no_validation.epoch = 1;
  stop.on_epoch_end(no_validation, model);
  CHECK(stop.best_epoch() == 0);
}

TEST_CASE("EarlyStopping rejects an unknown metric and a val_ metric without validation data",
          "[callbacks][early_stopping]") {
  REQUIRE_THROWS_WITH(tinynet::EarlyStopping<double>({.monitor = "val_los"}),
                      tinynet_test::contains("unknown metric 'val_los'"));
  Matrix<double> x;
  std::vector<int> labels;
  callback_blobs(12, 1, x, labels);
  Sequential<double> model = callback_model();
  auto stop = std::make_shared<tinynet::EarlyStopping<double>>();
  REQUIRE_THROWS_WITH(model.fit(x, labels, {.epochs = 2, .verbose = 0, .callbacks = {stop}}),
                      tinynet_test::contains("no validation data"));
}

TEST_CASE("EarlyStopping restore_best_weights restores every parameter of the best epoch (scripted)",
          "[callbacks][early_stopping]") {
  Sequential<double> model = callback_model();
  auto& bn = dynamic_cast<tinynet::BatchNormalization<double>&>(model.layer(1));
  auto& dense = dynamic_cast<tinynet::Dense<double>&>(model.layer(0));
  tinynet::EarlyStopping<double> stop({.patience = 2, .restore_best_weights = true});
  stop.on_train_begin(with_validation, model);
  const std::vector<double> val_losses = {1.0, 0.5, 0.7, 0.8, 0.9};
  int stopped = 0;
  for (int epoch = 1; epoch <= 5 && !model.stop_training; ++epoch) {
    dense.W.setConstant(epoch);              // "training" changes the weights...
    bn.moving_mean.setConstant(10 * epoch);  // ...and the moving statistics
    stop.on_epoch_end(val_log(epoch, val_losses[static_cast<std::size_t>(epoch - 1)]), model);
    if (model.stop_training) stopped = epoch;
  }
  CHECK(stopped == 4);
  CHECK(dense.W(0, 0) == 4);  // nothing restored before training ends
  stop.on_train_end({}, model);
  CHECK((dense.W.array() == 2).all());
  CHECK((bn.moving_mean.array() == 20).all());
}

TEST_CASE("EarlyStopping restore_best_weights restores the best epoch at train end even without stopping",
          "[callbacks][early_stopping]") {
  Sequential<double> model = callback_model();
  auto& dense = dynamic_cast<tinynet::Dense<double>&>(model.layer(0));
  tinynet::EarlyStopping<double> stop({.patience = 5, .restore_best_weights = true});
  stop.on_train_begin(with_validation, model);
  const std::vector<double> val_losses = {1.0, 0.4, 0.6};
  for (int epoch = 1; epoch <= 3; ++epoch) {
    dense.W.setConstant(epoch);
    stop.on_epoch_end(val_log(epoch, val_losses[static_cast<std::size_t>(epoch - 1)]), model);
  }
  CHECK_FALSE(model.stop_training);
  stop.on_train_end({}, model);
  CHECK((dense.W.array() == 2).all());
}

TEST_CASE("EarlyStopping in a real fit stops at best + patience and restores the best epoch's weights",
          "[callbacks][early_stopping]") {
  // Random labels: the model can only overfit, so val_loss soon rises and training stops.
  Matrix<double> x = tinynet_test::random_matrix(4, 60, 5, -1, 1);
  std::vector<int> labels(60);
  std::mt19937_64 rng(3);
  for (int& l : labels) l = static_cast<int>(rng() % 3);
  Sequential<double> model = callback_model(0.05);
  auto snapshots = std::make_shared<Snapshots>();
  auto stop = std::make_shared<tinynet::EarlyStopping<double>>(
      tinynet::EarlyStoppingOptions{.patience = 2, .restore_best_weights = true});
  const tinynet::History history = model.fit(
      x, labels,
      {.epochs = 40, .batch_size = 8, .verbose = 0, .validation_split = 0.25, .callbacks = {snapshots, stop}});

  const std::vector<double> val_loss = history.metric("val_loss");
  int best = 1;
  for (int e = 2; e <= static_cast<int>(val_loss.size()); ++e)
    if (val_loss[static_cast<std::size_t>(e - 1)] < val_loss[static_cast<std::size_t>(best - 1)]) best = e;
  REQUIRE(history.stopped_epoch > 0);
  CHECK(stop->best_epoch() == best);
  CHECK(stop->stopped_epoch() == best + 2);
  CHECK(history.stopped_epoch == best + 2);
  CHECK(static_cast<int>(history.epochs.size()) == best + 2);

  // Every parameter — BatchNorm's moving statistics included — is the best epoch's.
  const std::vector<Matrix<double>> now = parameter_values(model);
  const auto& at_best = snapshots->epochs[static_cast<std::size_t>(best - 1)];
  REQUIRE(now.size() == at_best.size());
  for (std::size_t i = 0; i < now.size(); ++i) CHECK(now[i] == at_best[i]);
  CHECK(now[0] != snapshots->epochs.back()[0]);
  // So evaluating on the validation tail reproduces the best epoch's val_loss.
  const Matrix<double> tail = x.rightCols(15);
  const std::vector<int> tail_labels(labels.end() - 15, labels.end());
  CHECK(model.evaluate(tail, tail_labels).loss == Catch::Approx(val_loss[static_cast<std::size_t>(best - 1)]));
}

// ---------------------------------------------------------------------------------------------
// ReduceLROnPlateau

namespace {
// Feeds val_loss values and returns the learning rate after each epoch.
std::vector<double> lr_after_each(tinynet::ReduceLROnPlateau<double>& reduce, Sequential<double>& model,
                                  const std::vector<double>& values) {
  reduce.on_train_begin(with_validation, model);
  std::vector<double> lrs;
  for (std::size_t i = 0; i < values.size(); ++i) {
    reduce.on_epoch_end(val_log(static_cast<int>(i) + 1, values[i]), model);
    lrs.push_back(model.optimizer().learning_rate);
  }
  return lrs;
}
}  // namespace

TEST_CASE("ReduceLROnPlateau multiplies the rate by factor after patience epochs without improvement",
          "[callbacks][reduce_lr]") {
  Sequential<double> model = callback_model(1.0);
  tinynet::ReduceLROnPlateau<double> reduce({.factor = 0.5, .patience = 2});
  const auto lrs = lr_after_each(reduce, model, {1, 1, 1, 1, 1, 1});
  CHECK(lrs == std::vector<double>{1, 1, 0.5, 0.5, 0.25, 0.25});
  CHECK(reduce.reductions() == 2);

  // Improvements (by more than min_delta = 1e-4) reset the count.
  model.optimizer().learning_rate = 1.0;
  tinynet::ReduceLROnPlateau<double> improving({.factor = 0.5, .patience = 2});
  CHECK(lr_after_each(improving, model, {1, 0.9, 0.95, 0.8, 0.85, 0.7}) == std::vector<double>(6, 1.0));
  // ...but not improvements smaller than min_delta.
  model.optimizer().learning_rate = 1.0;
  tinynet::ReduceLROnPlateau<double> tiny({.factor = 0.5, .patience = 2});
  CHECK(lr_after_each(tiny, model, {1, 0.99995, 0.99992}) == std::vector<double>{1, 1, 0.5});
}

TEST_CASE("ReduceLROnPlateau waits out its cooldown and respects min_lr", "[callbacks][reduce_lr]") {
  Sequential<double> model = callback_model(1.0);
  tinynet::ReduceLROnPlateau<double> reduce({.factor = 0.5, .patience = 2, .cooldown = 2});
  // Reduce after epoch 3 (cooldown counter 2). Epoch 4 spends a cooldown epoch without counting;
  // epoch 5 spends the last one and counts again (as Keras does), so the next reduction is after 6.
  CHECK(lr_after_each(reduce, model, {1, 1, 1, 1, 1, 1, 1}) == std::vector<double>{1, 1, 0.5, 0.5, 0.5, 0.25, 0.25});

  model.optimizer().learning_rate = 0.1;
  tinynet::ReduceLROnPlateau<double> floor({.patience = 1, .min_lr = 0.05});
  const auto lrs = lr_after_each(floor, model, {1, 1, 1, 1});
  CHECK(lrs[0] == 0.1);
  CHECK(lrs[1] == 0.05);  // max(0.1 · 0.1, 0.05)
  CHECK(lrs[3] == 0.05);
  CHECK(floor.reductions() == 1);

  REQUIRE_THROWS_WITH(tinynet::ReduceLROnPlateau<double>({.factor = 1.0}), tinynet_test::contains("factor"));
}

TEST_CASE("ReduceLROnPlateau maximises accuracies in auto mode", "[callbacks][reduce_lr]") {
  Sequential<double> model = callback_model(1.0);
  tinynet::ReduceLROnPlateau<double> reduce({.monitor = "val_accuracy", .factor = 0.5, .patience = 1});
  reduce.on_train_begin(with_validation, model);
  reduce.on_epoch_end(val_log(1, 1.0, 0.5), model);
  reduce.on_epoch_end(val_log(2, 1.0, 0.7), model);  // higher: an improvement
  CHECK(model.optimizer().learning_rate == 1.0);
  reduce.on_epoch_end(val_log(3, 1.0, 0.6), model);
  CHECK(model.optimizer().learning_rate == 0.5);
}

TEST_CASE("ReduceLROnPlateau changes the optimizer's rate during fit", "[callbacks][reduce_lr]") {
  Matrix<double> x;
  std::vector<int> labels;
  callback_blobs(30, 2, x, labels);
  Sequential<double> model = callback_model(0.01);
  // Monitoring "loss" with an impossible min_delta: no epoch improves, so every second epoch reduces.
  auto reduce = std::make_shared<tinynet::ReduceLROnPlateau<double>>(
      tinynet::ReduceLROnPlateauOptions{.monitor = "loss", .factor = 0.5, .patience = 2, .min_delta = 100});
  const auto history = model.fit(x, labels, {.epochs = 5, .batch_size = 10, .verbose = 0, .callbacks = {reduce}});
  const auto lrs = history.metric("learning_rate");  // the rate each epoch trained with
  REQUIRE(lrs.size() == 5);
  CHECK(lrs[0] == Catch::Approx(0.01));
  CHECK(lrs[1] == Catch::Approx(0.01));
  CHECK(lrs[2] == Catch::Approx(0.01));
  CHECK(lrs[3] == Catch::Approx(0.005));  // best = epoch 1's loss; epochs 2 and 3 wait, then halve
  CHECK(lrs[4] == Catch::Approx(0.005));
  CHECK(model.optimizer().learning_rate == Catch::Approx(0.0025));
}

// ---------------------------------------------------------------------------------------------
// LearningRateScheduler

TEST_CASE("step_decay and cosine_decay compute the documented schedules", "[callbacks][schedules]") {
  const auto step = tinynet::step_decay(0.1, 0.5, 3);
  CHECK(step(0, 0) == Catch::Approx(0.1));
  CHECK(step(2, 0) == Catch::Approx(0.1));
  CHECK(step(3, 0) == Catch::Approx(0.05));
  CHECK(step(6, 0) == Catch::Approx(0.025));
  CHECK(step(8, 0) == Catch::Approx(0.025));

  const auto cosine = tinynet::cosine_decay(0.1, 10, 0.001);
  CHECK(cosine(0, 0) == Catch::Approx(0.1));
  CHECK(cosine(5, 0) == Catch::Approx((0.1 + 0.001) / 2));
  CHECK(cosine(10, 0) == Catch::Approx(0.001));
  CHECK(cosine(20, 0) == Catch::Approx(0.001));
  for (int e = 1; e <= 10; ++e) CHECK(cosine(e, 0) < cosine(e - 1, 0));
  CHECK(cosine(2, 0) == Catch::Approx(0.001 + 0.099 * 0.5 * (1 + std::cos(std::numbers::pi * 0.2))));

  const auto warm = tinynet::cosine_decay(0.1, 12, 0, 3);
  CHECK(warm(0, 0) == Catch::Approx(0.025));
  CHECK(warm(1, 0) == Catch::Approx(0.05));
  CHECK(warm(2, 0) == Catch::Approx(0.075));
  CHECK(warm(3, 0) == Catch::Approx(0.1));
  CHECK(warm(12, 0) == Catch::Approx(0.0).margin(1e-15));
  CHECK(warm(7, 0) < warm(6, 0));

  REQUIRE_THROWS_WITH(tinynet::step_decay(0.1, 0.5, 0), tinynet_test::contains("every must be positive"));
  REQUIRE_THROWS_WITH(tinynet::cosine_decay(0.1, 3, 0, 3), tinynet_test::contains("warmup"));
}

TEST_CASE("LearningRateScheduler sets the rate at each epoch's start from the 0-based epoch and current rate",
          "[callbacks][schedules]") {
  Matrix<double> x;
  std::vector<int> labels;
  callback_blobs(20, 3, x, labels);
  Sequential<double> model = callback_model(0.1);
  std::vector<std::pair<int, double>> calls;
  auto scheduler = std::make_shared<tinynet::LearningRateScheduler<double>>([&](int epoch, double lr) {
    calls.emplace_back(epoch, lr);
    return epoch < 2 ? lr : lr * 0.5;  // Keras's docstring pattern
  });
  const auto history = model.fit(x, labels, {.epochs = 4, .batch_size = 10, .verbose = 0, .callbacks = {scheduler}});
  REQUIRE(calls.size() == 4);
  CHECK(calls[0] == std::pair<int, double>{0, 0.1});
  CHECK(calls[3].first == 3);
  CHECK(calls[3].second == Catch::Approx(0.05));
  const auto lrs = history.metric("learning_rate");
  CHECK(lrs[0] == Catch::Approx(0.1));
  CHECK(lrs[1] == Catch::Approx(0.1));
  CHECK(lrs[2] == Catch::Approx(0.05));
  CHECK(lrs[3] == Catch::Approx(0.025));

  Sequential<double> stepped = callback_model(0.1);
  auto step = std::make_shared<tinynet::LearningRateScheduler<double>>(tinynet::step_decay(0.2, 0.1, 2));
  const auto h2 = stepped.fit(x, labels, {.epochs = 5, .batch_size = 10, .verbose = 0, .callbacks = {step}});
  const auto lrs2 = h2.metric("learning_rate");
  CHECK(lrs2[0] == Catch::Approx(0.2));
  CHECK(lrs2[1] == Catch::Approx(0.2));
  CHECK(lrs2[2] == Catch::Approx(0.02));
  CHECK(lrs2[4] == Catch::Approx(0.002));

  Sequential<double> bad = callback_model(0.1);
  auto nan = std::make_shared<tinynet::LearningRateScheduler<double>>([](int, double) { return std::nan(""); });
  REQUIRE_THROWS_WITH(bad.fit(x, labels, {.epochs = 1, .verbose = 0, .callbacks = {nan}}),
                      tinynet_test::contains("must be finite"));
}

// ---------------------------------------------------------------------------------------------
// CSVLogger

TEST_CASE("CSVLogger writes Keras's columns and every epoch's values", "[callbacks][csv_logger]") {
  Matrix<double> x;
  std::vector<int> labels;
  callback_blobs(30, 4, x, labels);
  const std::string path = temp_path("csv_logger_validation.csv");
  Sequential<double> model = callback_model();
  auto logger = std::make_shared<tinynet::CSVLogger<double>>(path);
  const auto history = model.fit(
      x, labels, {.epochs = 3, .batch_size = 8, .verbose = 0, .validation_split = 0.2, .callbacks = {logger}});
  const std::vector<std::string> lines = split(read_file(path), '\n');
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "epoch,accuracy,learning_rate,loss,val_accuracy,val_loss");
  for (std::size_t e = 0; e < 3; ++e) {
    const std::vector<std::string> cells = split(lines[e + 1], ',');
    REQUIRE(cells.size() == 6);
    const EpochLog& log = history.epochs[e];
    CHECK(cells[0] == std::to_string(e));  // Keras counts epochs from 0
    // Written with the shortest round-trip form: parsing gives back the very same double.
    CHECK(parse(cells[1]) == log.accuracy);
    CHECK(parse(cells[2]) == log.learning_rate);
    CHECK(parse(cells[3]) == log.loss);
    CHECK(parse(cells[4]) == *log.val_accuracy);
    CHECK(parse(cells[5]) == *log.val_loss);
  }
  CHECK(split(lines[1], ',')[2] == "0.01");
}

TEST_CASE("CSVLogger leaves out val_ columns without validation, appends, and fails loudly",
          "[callbacks][csv_logger]") {
  Matrix<double> x;
  std::vector<int> labels;
  callback_blobs(20, 5, x, labels);
  const std::string path = temp_path("csv_logger_plain.csv");
  Sequential<double> model = callback_model();
  auto logger = std::make_shared<tinynet::CSVLogger<double>>(path);
  model.fit(x, labels, {.epochs = 2, .batch_size = 10, .verbose = 0, .callbacks = {logger}});
  std::vector<std::string> lines = split(read_file(path), '\n');
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "epoch,accuracy,learning_rate,loss");
  CHECK(lines[2].starts_with("1,"));

  // A second run overwrites...
  model.fit(x, labels, {.epochs = 1, .batch_size = 10, .verbose = 0, .callbacks = {logger}});
  CHECK(split(read_file(path), '\n').size() == 2);
  // ...unless appending, which adds rows without a second header.
  auto appender = std::make_shared<tinynet::CSVLogger<double>>(path, ',', true);
  model.fit(x, labels, {.epochs = 2, .batch_size = 10, .verbose = 0, .callbacks = {appender}, .initial_epoch = 1});
  lines = split(read_file(path), '\n');
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "epoch,accuracy,learning_rate,loss");
  CHECK(lines[1].starts_with("0,"));
  CHECK(lines[2].starts_with("1,"));
  // Appending to a file that does not exist yet writes the header.
  const std::string fresh = temp_path("csv_logger_append_fresh.csv");
  std::filesystem::remove(fresh);
  auto fresh_logger = std::make_shared<tinynet::CSVLogger<double>>(fresh, ';', true);
  model.fit(x, labels, {.epochs = 1, .batch_size = 10, .verbose = 0, .callbacks = {fresh_logger}});
  CHECK(split(read_file(fresh), '\n')[0] == "epoch;accuracy;learning_rate;loss");

  auto unwritable = std::make_shared<tinynet::CSVLogger<double>>(temp_path("no/such/directory/log.csv"));
  REQUIRE_THROWS_WITH(model.fit(x, labels, {.epochs = 1, .verbose = 0, .callbacks = {unwritable}}),
                      tinynet_test::contains("cannot open"));
}

TEST_CASE("CSVLogger has every finished epoch on disk while training runs", "[callbacks][csv_logger]") {
  Matrix<double> x;
  std::vector<int> labels;
  callback_blobs(20, 6, x, labels);
  const std::string path = temp_path("csv_logger_streaming.csv");
  struct Reader : tinynet::Callback<double> {
    std::string path;
    std::vector<std::size_t> lines_seen;
    void on_epoch_end(const EpochLog&, Sequential<double>&) override {
      lines_seen.push_back(split(read_file(path), '\n').size());
    }
  };
  auto reader = std::make_shared<Reader>();
  reader->path = path;
  Sequential<double> model = callback_model();
  auto logger = std::make_shared<tinynet::CSVLogger<double>>(path);
  model.fit(x, labels, {.epochs = 3, .batch_size = 10, .verbose = 0, .callbacks = {logger, reader}});
  CHECK(reader->lines_seen == std::vector<std::size_t>{2, 3, 4});
}

// ---------------------------------------------------------------------------------------------
// TerminateOnNaN

namespace {
struct BatchCounter : tinynet::Callback<double> {
  int batches = 0;
  void on_batch_end(const tinynet::BatchEnd&, Sequential<double>&) override { ++batches; }
};

// Sets the first kernel to NaN after batch `after` of epoch 1, so that the next batch's loss is NaN.
struct PoisonWeights : tinynet::Callback<double> {
  tinynet::Index after = 2;
  void on_batch_end(const tinynet::BatchEnd& batch, Sequential<double>& model) override {
    if (batch.epoch == 1 && batch.step == after)
      model.parameters()[0].value->setConstant(std::numeric_limits<double>::quiet_NaN());
  }
};
}  // namespace

TEST_CASE("TerminateOnNaN stops training at the batch whose loss is not finite", "[callbacks][terminate_on_nan]") {
  Matrix<double> x;
  std::vector<int> labels;
  callback_blobs(40, 7, x, labels);
  std::ostringstream messages;
  Sequential<double> model = callback_model();
  auto terminate = std::make_shared<tinynet::TerminateOnNaN<double>>(&messages);
  auto counter = std::make_shared<BatchCounter>();
  auto poison = std::make_shared<PoisonWeights>();  // batch 3's loss is NaN
  // fit's own guard (terminate_on_nan) would stop before the callback sees the loss: off here.
  const auto history = model.fit(x, labels,
                                 {.epochs = 5,
                                  .batch_size = 4,
                                  .shuffle = false,
                                  .verbose = 0,
                                  .callbacks = {poison, terminate, counter},
                                  .terminate_on_nan = false});
  CHECK(terminate->terminated());
  CHECK(terminate->epoch() == 1);
  CHECK(terminate->step() == 3);
  CHECK(counter->batches == 3);  // no batch ran after the invalid one
  CHECK(history.epochs.size() == 1);
  CHECK(history.stopped_epoch == 1);
  CHECK(std::isnan(history.epochs[0].loss));
  CHECK(messages.str().find("Invalid loss, terminating training") != std::string::npos);

  // Without the callback, the NaN run goes on to the end.
  Sequential<double> other = callback_model();
  auto counter2 = std::make_shared<BatchCounter>();
  other.fit(x, labels,
            {.epochs = 2,
             .batch_size = 4,
             .shuffle = false,
             .verbose = 0,
             .callbacks = {poison, counter2},
             .terminate_on_nan = false});
  CHECK(counter2->batches == 20);
}

TEST_CASE("TerminateOnNaN reacts to infinite losses and ignores finite ones", "[callbacks][terminate_on_nan]") {
  Sequential<double> model = callback_model();
  tinynet::TerminateOnNaN<double> terminate(nullptr);
  terminate.on_train_begin(with_validation, model);
  model.stop_training = false;
  terminate.on_batch_end({1, 1, 4, 2.3, 0.5, 0.1}, model);
  CHECK_FALSE(model.stop_training);
  terminate.on_batch_end({1, 2, 4, std::numeric_limits<double>::infinity(), 0.5, 0.1}, model);
  CHECK(model.stop_training);
  CHECK(terminate.step() == 2);
}
