// K-fold cross-validation: the folds partition the samples the way scikit-learn's KFold does,
// every fold trains a fresh model, and the summary statistics are the folds' mean and
// population standard deviation.
#include "catch.hpp"
#include "gradient_check.hpp"

#include <tinynet/training/cross_validation.hpp>
#include <tinynet/layers/dense.hpp>
#include <tinynet/layers/softmax.hpp>
#include <tinynet/optimizers/adam.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <vector>

using tinynet::Index;
using tinynet::KFoldOptions;
using tinynet::Matrix;
using tinynet::Sequential;

TEST_CASE("kfold_indices partitions 0..n−1 into folds of scikit-learn's sizes", "[cross_validation]") {
  const auto folds = tinynet::kfold_indices(23, {.folds = 5, .shuffle = true, .seed = 42});
  REQUIRE(folds.size() == 5);
  const std::vector<std::size_t> sizes = {5, 5, 5, 4, 4};  // 23 = 5·4 + 3: the first 3 folds get one more
  std::vector<int> seen(23, 0);
  for (std::size_t f = 0; f < 5; ++f) {
    CHECK(folds[f].size() == sizes[f]);
    CHECK(std::is_sorted(folds[f].begin(), folds[f].end()));
    for (Index i : folds[f]) {
      REQUIRE(i >= 0);
      REQUIRE(i < 23);
      ++seen[static_cast<std::size_t>(i)];
    }
  }
  CHECK(std::all_of(seen.begin(), seen.end(), [](int count) { return count == 1; }));  // each sample once

  // Unshuffled: contiguous blocks, exactly KFold(n_splits=3).split(range(10)).
  const auto plain = tinynet::kfold_indices(10, {.folds = 3, .shuffle = false});
  CHECK(plain[0] == std::vector<Index>{0, 1, 2, 3});
  CHECK(plain[1] == std::vector<Index>{4, 5, 6});
  CHECK(plain[2] == std::vector<Index>{7, 8, 9});

  // The seed decides the shuffle, reproducibly.
  CHECK(tinynet::kfold_indices(23, {.seed = 42}) == folds);
  CHECK(tinynet::kfold_indices(23, {.seed = 43}) != folds);
  CHECK(folds[0] != std::vector<Index>{0, 1, 2, 3, 4});

  REQUIRE_THROWS_WITH(tinynet::kfold_indices(10, {.folds = 1}), tinynet_test::contains("at least 2"));
  REQUIRE_THROWS_WITH(tinynet::kfold_indices(3, {.folds = 4}),
                      tinynet_test::contains("cannot split 3 samples into 4 folds"));
}

namespace {

Sequential<double> fresh_model() {
  Sequential<double> model({4}, 7);  // the same seed every time: every fresh model starts alike
  model.add<tinynet::Dense>(6).add<tinynet::Dense>(3).add<tinynet::Softmax>();
  model.compile(tinynet::Adam{.learning_rate = 0.02}, tinynet::SparseCategoricalCrossentropy{});
  return model;
}

void fold_blobs(Index n, Matrix<double>& x, std::vector<int>& labels) {
  x = tinynet_test::random_matrix(4, n, 8, -1, 1);
  labels.resize(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    const int c = static_cast<int>(i % 3);
    labels[static_cast<std::size_t>(i)] = c;
    x(c, i) += 1.5;
  }
}

// Records the first kernel of the model at the start of every fit.
struct InitialWeights : tinynet::Callback<double> {
  std::vector<Matrix<double>> kernels;
  void on_train_begin(const tinynet::TrainBegin&, Sequential<double>& model) override {
    kernels.push_back(*model.parameters()[0].value);
  }
};

}  // namespace

TEST_CASE("cross_validate trains a fresh model per fold on the other folds and tests on its own",
          "[cross_validation]") {
  Matrix<double> x;
  std::vector<int> labels;
  fold_blobs(40, x, labels);
  int calls = 0;
  auto make_model = [&] {
    ++calls;
    return fresh_model();
  };
  auto initial = std::make_shared<InitialWeights>();  // shared on purpose: it records every fold
  std::vector<int> folds_asked;
  const tinynet::CrossValidationResult result = tinynet::cross_validate(
      make_model, x, labels, {.folds = 4, .seed = 1}, {.epochs = 3, .batch_size = 8, .verbose = 0},
      [&](int fold) -> std::vector<std::shared_ptr<tinynet::Callback<double>>> {
        folds_asked.push_back(fold);
        return {initial};
      });
  CHECK(folds_asked == std::vector<int>{1, 2, 3, 4});  // each fold asks for its own callbacks

  CHECK(calls == 4);  // once per fold
  REQUIRE(result.folds.size() == 4);
  const auto tests = tinynet::kfold_indices(40, {.folds = 4, .seed = 1});
  const Matrix<double> reference = *fresh_model().parameters()[0].value;
  REQUIRE(initial->kernels.size() == 4);
  for (std::size_t f = 0; f < 4; ++f) {
    const tinynet::FoldResult& fold = result.folds[f];
    CHECK(fold.fold == static_cast<int>(f) + 1);
    CHECK(fold.test_indices == tests[f]);
    CHECK(fold.train_indices.size() == 30);
    std::set<Index> all(fold.train_indices.begin(), fold.train_indices.end());
    for (Index i : fold.test_indices) CHECK(all.count(i) == 0);  // disjoint...
    all.insert(fold.test_indices.begin(), fold.test_indices.end());
    CHECK(all.size() == 40);  // ...and together everything
    // Fit validated on the fold's test part, and the evaluation is of the trained model.
    CHECK(fold.history.epochs.size() == 3);
    CHECK(*fold.history.epochs.back().val_loss == Catch::Approx(fold.evaluation.loss).epsilon(1e-12));
    CHECK(*fold.history.epochs.back().val_accuracy == fold.evaluation.accuracy);
    // Every fold started from untrained weights: nothing carried over from the fold before.
    CHECK(initial->kernels[f] == reference);
  }

  // Mean and population standard deviation (ddof = 0) of the folds' test metrics.
  double mean = 0, loss_mean = 0;
  for (const auto& fold : result.folds) mean += fold.evaluation.accuracy / 4, loss_mean += fold.evaluation.loss / 4;
  double var = 0, loss_var = 0;
  for (const auto& fold : result.folds) {
    var += (fold.evaluation.accuracy - mean) * (fold.evaluation.accuracy - mean) / 4;
    loss_var += (fold.evaluation.loss - loss_mean) * (fold.evaluation.loss - loss_mean) / 4;
  }
  CHECK(result.mean_accuracy == Catch::Approx(mean));
  CHECK(result.std_accuracy == Catch::Approx(std::sqrt(var)).margin(1e-12));
  CHECK(result.mean_loss == Catch::Approx(loss_mean));
  CHECK(result.std_loss == Catch::Approx(std::sqrt(loss_var)).margin(1e-12));
  CHECK(result.mean_accuracy > 0.5);  // the blobs are learnable
}

TEST_CASE("cross_validate summary statistics use the population standard deviation", "[cross_validation]") {
  const auto [mean, sd] = tinynet::detail::mean_and_std({0.8, 0.9, 1.0, 0.7});
  CHECK(mean == Catch::Approx(0.85));
  CHECK(sd == Catch::Approx(std::sqrt(0.0125)));  // numpy.std([0.8, 0.9, 1.0, 0.7]) = 0.1118…
}

TEST_CASE("cross_validate works with one-hot targets and rejects conflicting options", "[cross_validation]") {
  Matrix<double> x;
  std::vector<int> labels;
  fold_blobs(15, x, labels);
  Matrix<double> targets = Matrix<double>::Zero(3, 15);
  for (int n = 0; n < 15; ++n) targets(labels[static_cast<std::size_t>(n)], n) = 1;
  auto make_onehot = [] {
    Sequential<double> model({4}, 3);
    model.add<tinynet::Dense>(3).add<tinynet::Softmax>();
    model.compile(tinynet::Adam{}, tinynet::CategoricalCrossentropy{});
    return model;
  };
  const auto result = tinynet::cross_validate(make_onehot, x, targets, {.folds = 3}, {.epochs = 1, .verbose = 0});
  CHECK(result.folds.size() == 3);
  CHECK(result.folds[0].test_indices.size() == 5);

  REQUIRE_THROWS_WITH(
      tinynet::cross_validate(fresh_model, x, labels, {.folds = 3}, {.verbose = 0, .validation_split = 0.2}),
      tinynet_test::contains("leave validation_split and validation_data unset"));
  REQUIRE_THROWS_WITH(tinynet::cross_validate(fresh_model, x, std::vector<int>(14, 0), {.folds = 3}, {.verbose = 0}),
                      tinynet_test::contains("15 samples but 14 targets"));
  auto uncompiled = [] {
    Sequential<double> model({4});
    model.add<tinynet::Dense>(3).add<tinynet::Softmax>();
    return model;
  };
  REQUIRE_THROWS_WITH(tinynet::cross_validate(uncompiled, x, labels, {.folds = 3}, {.verbose = 0}),
                      tinynet_test::contains("compiled"));
}
