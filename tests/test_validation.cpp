// Validation during fit(): validation_split holds out exactly the last fraction of the samples
// (⌊n·(1 − split)⌋ train, as Keras), validation_data is used as given, and the val_ metrics of
// every epoch are model.evaluate() on that data.
#include "catch.hpp"
#include "gradient_check.hpp"

#include <tinynet/layers/dense.hpp>
#include <tinynet/layers/softmax.hpp>
#include <tinynet/optimizers/adam.hpp>
#include <tinynet/optimizers/sgd.hpp>
#include <tinynet/sequential.hpp>

#include <memory>
#include <random>
#include <vector>

using tinynet::Matrix;
using tinynet::Sequential;

namespace {

// An optimizer that changes nothing: the weights never move.
struct Frozen : tinynet::Optimizer<double> {
  std::string type() const override { return "Frozen"; }
  std::vector<std::string> slot_names() const override { return {}; }
  void update(Matrix<double>&, const Matrix<double>&, std::vector<Matrix<double>>&) override {}
};

// Dense(4 → 3) + Softmax. Frozen (learning_rate 0), the weights never move, so an epoch's
// training loss is exactly the loss of the samples it trained on.
Sequential<double> linear_model(double learning_rate, bool sparse = true) {
  Sequential<double> model({4}, 11);
  model.add<tinynet::Dense>(3).add<tinynet::Softmax>();
  const tinynet::CrossEntropy loss = sparse ? tinynet::CrossEntropy(tinynet::SparseCategoricalCrossentropy{})
                                            : tinynet::CrossEntropy(tinynet::CategoricalCrossentropy{});
  if (learning_rate == 0)
    model.compile(Frozen{}, loss);
  else
    model.compile(tinynet::SGD{.learning_rate = learning_rate}, loss);
  return model;
}

// n samples whose last `tail` are distinguishable: feature 0 is shifted by +5 there.
void data_with_tail(tinynet::Index n, tinynet::Index tail, Matrix<double>& x, std::vector<int>& labels) {
  x = tinynet_test::random_matrix(4, n, 31);
  x.rightCols(tail).row(0).array() += 5;
  std::mt19937_64 rng(4);
  labels.resize(static_cast<std::size_t>(n));
  for (int& l : labels) l = static_cast<int>(rng() % 3);
}

struct RecordTrainBegin : tinynet::Callback<double> {
  tinynet::TrainBegin info;
  void on_train_begin(const tinynet::TrainBegin& i, Sequential<double>&) override { info = i; }
};

}  // namespace

TEST_CASE("validation_split trains on the head and validates on exactly the tail", "[validation]") {
  Matrix<double> x;
  std::vector<int> labels;
  data_with_tail(50, 10, x, labels);
  const Matrix<double> head = x.leftCols(40), tail = x.rightCols(10);
  const std::vector<int> head_labels(labels.begin(), labels.begin() + 40),
      tail_labels(labels.begin() + 40, labels.end());

  Sequential<double> model = linear_model(0.0);
  auto recorder = std::make_shared<RecordTrainBegin>();
  const auto history = model.fit(
      x, labels, {.epochs = 2, .batch_size = 7, .verbose = 0, .validation_split = 0.2, .callbacks = {recorder}});
  CHECK(recorder->info.samples == 40);
  CHECK(recorder->info.steps_per_epoch == 6);  // ⌈40 / 7⌉
  CHECK(recorder->info.has_validation);

  // The weights never moved: training metrics are the head's, validation metrics the tail's.
  const tinynet::Evaluation on_head = model.evaluate(head, head_labels);
  const tinynet::Evaluation on_tail = model.evaluate(tail, tail_labels);
  for (const tinynet::EpochLog& log : history.epochs) {
    CHECK(log.loss == Catch::Approx(on_head.loss).epsilon(1e-12));
    CHECK(log.accuracy == on_head.accuracy);
    REQUIRE(log.val_loss);
    CHECK(*log.val_loss == Catch::Approx(on_tail.loss).epsilon(1e-12));
    CHECK(*log.val_accuracy == on_tail.accuracy);
  }
  // The tail is distinguishable: its loss is not the head's.
  CHECK(on_tail.loss != Catch::Approx(on_head.loss));
}

TEST_CASE("validation_split rounds the training part down, as Keras", "[validation]") {
  Matrix<double> x;
  std::vector<int> labels;
  data_with_tail(51, 11, x, labels);
  Sequential<double> model = linear_model(0.0);
  auto recorder = std::make_shared<RecordTrainBegin>();
  const auto history = model.fit(
      x, labels, {.epochs = 1, .batch_size = 8, .verbose = 0, .validation_split = 0.2, .callbacks = {recorder}});
  CHECK(recorder->info.samples == 40);  // ⌊51 · 0.8⌋ = ⌊40.8⌋
  const std::vector<int> tail_labels(labels.end() - 11, labels.end());
  CHECK(*history.epochs[0].val_loss == Catch::Approx(model.evaluate(x.rightCols(11), tail_labels).loss));

  Sequential<double> tiny = linear_model(0.0);
  REQUIRE_THROWS_WITH(tiny.fit(x.leftCols(1), std::vector<int>{0}, {.verbose = 0, .validation_split = 0.5}),
                      tinynet_test::contains("leaves no training or no validation samples"));
  REQUIRE_THROWS_WITH(tiny.fit(x, labels, {.verbose = 0, .validation_split = 1.0}),
                      tinynet_test::contains("validation_split must be in [0, 1)"));
}

TEST_CASE("val_ metrics of a training run are model.evaluate on the held-out tail", "[validation]") {
  Matrix<double> x;
  std::vector<int> labels;
  data_with_tail(60, 12, x, labels);
  Sequential<double> model({4}, 2);
  model.add<tinynet::Dense>(5).add<tinynet::Dense>(3).add<tinynet::Softmax>();
  model.compile(tinynet::Adam{.learning_rate = 0.01}, tinynet::SparseCategoricalCrossentropy{});
  const auto history = model.fit(x, labels, {.epochs = 3, .batch_size = 16, .verbose = 0, .validation_split = 0.2});
  const std::vector<int> tail_labels(labels.end() - 12, labels.end());
  const tinynet::Evaluation e = model.evaluate(x.rightCols(12), tail_labels);
  CHECK(*history.epochs.back().val_loss == Catch::Approx(e.loss).epsilon(1e-12));
  CHECK(*history.epochs.back().val_accuracy == e.accuracy);
  CHECK(history.metric("val_loss").size() == 3);
}

TEST_CASE("validation_data is validated on as given, with labels or one-hot targets", "[validation]") {
  Matrix<double> x, x_val;
  std::vector<int> labels, val_labels;
  data_with_tail(30, 0, x, labels);
  data_with_tail(9, 9, x_val, val_labels);

  Sequential<double> model = linear_model(0.05);
  auto recorder = std::make_shared<RecordTrainBegin>();
  const auto history = model.fit(x, labels,
                                 {.epochs = 2,
                                  .batch_size = 10,
                                  .verbose = 0,
                                  .validation_data = {.x = &x_val, .labels = &val_labels},
                                  .callbacks = {recorder}});
  CHECK(recorder->info.samples == 30);  // all of x trains
  const tinynet::Evaluation e = model.evaluate(x_val, val_labels);
  CHECK(*history.epochs.back().val_loss == Catch::Approx(e.loss).epsilon(1e-12));
  CHECK(*history.epochs.back().val_accuracy == e.accuracy);

  // One-hot targets (categorical_crossentropy).
  Matrix<double> targets = Matrix<double>::Zero(3, 30), val_targets = Matrix<double>::Zero(3, 9);
  for (int n = 0; n < 30; ++n) targets(labels[static_cast<std::size_t>(n)], n) = 1;
  for (int n = 0; n < 9; ++n) val_targets(val_labels[static_cast<std::size_t>(n)], n) = 1;
  Sequential<double> onehot = linear_model(0.05, false);
  const auto h2 = onehot.fit(
      x, targets,
      {.epochs = 2, .batch_size = 10, .verbose = 0, .validation_data = {.x = &x_val, .targets = &val_targets}});
  CHECK(*h2.epochs.back().val_loss == Catch::Approx(onehot.evaluate(x_val, val_targets).loss).epsilon(1e-12));
  // The same data and seeds give the same run either way.
  CHECK(*h2.epochs.back().val_loss == Catch::Approx(*history.epochs.back().val_loss).epsilon(1e-12));
}

TEST_CASE("Given both validation_data and validation_split, fit validates on the data and trains on all of x",
          "[validation]") {
  Matrix<double> x, x_val;
  std::vector<int> labels, val_labels;
  data_with_tail(30, 5, x, labels);
  data_with_tail(9, 3, x_val, val_labels);
  x_val.array() += 1;                            // not a part of x
  Sequential<double> model = linear_model(0.0);  // frozen: val_loss is a function of the data alone
  auto recorder = std::make_shared<RecordTrainBegin>();
  const auto history = model.fit(x, labels,
                                 {.epochs = 1,
                                  .verbose = 0,
                                  .validation_split = 0.5,
                                  .validation_data = {.x = &x_val, .labels = &val_labels},
                                  .callbacks = {recorder}});
  CHECK(recorder->info.samples == 30);  // the split is ignored, as in Keras
  CHECK(*history.epochs[0].val_loss == Catch::Approx(model.evaluate(x_val, val_labels).loss).epsilon(1e-14));
  CHECK(*history.epochs[0].val_loss !=
        Catch::Approx(model.evaluate(x.rightCols(15), std::vector<int>(labels.end() - 15, labels.end())).loss));
}

TEST_CASE("Without validation data there are no val_ metrics", "[validation]") {
  Matrix<double> x;
  std::vector<int> labels;
  data_with_tail(20, 0, x, labels);
  Sequential<double> model = linear_model(0.05);
  auto recorder = std::make_shared<RecordTrainBegin>();
  const auto history = model.fit(x, labels, {.epochs = 1, .verbose = 0, .callbacks = {recorder}});
  CHECK_FALSE(recorder->info.has_validation);
  CHECK_FALSE(history.epochs[0].val_loss.has_value());
  REQUIRE_THROWS_WITH(history.metric("val_loss"), tinynet_test::contains("was not recorded"));
}
