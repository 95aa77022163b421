// K-fold cross-validation, with scikit-learn's KFold splitting.
//
//   auto result = tinynet::cross_validate(make_model, x, labels, {.folds = 5}, {.epochs = 10});
//   // result.mean_accuracy ± result.std_accuracy
//
// Splitting n samples into K folds (KFold(n_splits=K, shuffle=True, random_state=seed)):
//
//   1. order = 0, 1, …, n−1, shuffled with the seed (when shuffle is on)
//   2. cut `order` into K contiguous parts; the first n mod K parts get ⌊n/K⌋ + 1 samples,
//      the others ⌊n/K⌋
//   3. fold k tests on part k and trains on all the other samples (both index lists sorted)
//
// so every sample is tested exactly once. For each fold, `make_model()` builds a fresh
// compiled model — no model (and no trained weight) is ever carried from one fold to the next —
// which is fit on the training part with the fold's test part as validation_data, then
// evaluated on it. The summary statistics are over the K evaluations, with the population
// standard deviation (numpy's default, ddof = 0):
//
//   mean = (1/K) Σ_k a_k        std = √((1/K) Σ_k (a_k − mean)²)
//
// The shuffle is Random::shuffle (random.hpp), so the folds are the same with every standard
// library. They are not numpy's folds: numpy's generator differs.
//
// Callbacks keep state (EarlyStopping's best value, CSVLogger's file), so a fold never shares
// them with another: cross_validate takes a function that makes each fold its own callbacks,
// and rejects fit_options.callbacks.
#pragma once

#include <tinynet/data/images.hpp>
#include <tinynet/detail/parallel.hpp>
#include <tinynet/model/history.hpp>
#include <tinynet/model/sequential.hpp>
#include <tinynet/random.hpp>
#include <tinynet/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <numeric>
#include <ostream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace tinynet {

struct KFoldOptions {
  int folds = 5;
  bool shuffle = true;
  std::uint64_t seed = 42;
};

// The test indices of every fold, each list sorted ascending. Together they partition 0..n−1.
inline std::vector<std::vector<Index>> kfold_indices(Index n, const KFoldOptions& options = {}) {
  if (options.folds < 2)
    throw std::invalid_argument("kfold_indices: folds must be at least 2, got " + std::to_string(options.folds));
  if (n < options.folds)
    throw std::invalid_argument("kfold_indices: cannot split " + std::to_string(n) + " samples into " +
                                std::to_string(options.folds) + " folds");
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index{0});
  if (options.shuffle) Random(options.seed).shuffle(order);
  const Index k = options.folds, base = n / k, larger = n % k;
  std::vector<std::vector<Index>> folds;
  Index start = 0;
  for (Index f = 0; f < k; ++f) {
    const Index size = base + (f < larger ? 1 : 0);
    std::vector<Index> test(order.begin() + start, order.begin() + start + size);
    std::sort(test.begin(), test.end());
    folds.push_back(std::move(test));
    start += size;
  }
  return folds;
}

struct FoldResult {
  int fold = 0;                      // 1-based
  std::vector<Index> train_indices;  // sorted
  std::vector<Index> test_indices;   // sorted
  History history;                   // of fit on the training part (val_ = the test part)
  Evaluation evaluation;             // of the trained model on the test part
};

struct CrossValidationResult {
  std::vector<FoldResult> folds;
  double mean_accuracy = 0;
  double std_accuracy = 0;  // population standard deviation
  double mean_loss = 0;
  double std_loss = 0;
};

namespace detail {

template <typename T>
Matrix<T> take_columns(const Matrix<T>& m, const std::vector<Index>& indices) {
  Matrix<T> out;
  gather_columns(m, Eigen::Map<const Vector<Index>>(indices.data(), static_cast<Index>(indices.size())), out);
  return out;
}

inline Images take_columns(const Images& images, const std::vector<Index>& indices) { return images.columns(indices); }

inline std::vector<int> take_columns(const std::vector<int>& labels, const std::vector<Index>& indices) {
  std::vector<int> out;
  out.reserve(indices.size());
  for (Index i : indices) out.push_back(labels[static_cast<std::size_t>(i)]);
  return out;
}

inline Index sample_count(const std::vector<int>& labels) { return static_cast<Index>(labels.size()); }
template <typename T>
Index sample_count(const Matrix<T>& targets) {
  return targets.cols();
}

// (mean, population std) of a list of values.
inline std::pair<double, double> mean_and_std(const std::vector<double>& values) {
  const double n = static_cast<double>(values.size());
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return {mean, std::sqrt(squares / n)};
}

}  // namespace detail

// Cross-validates the models that `make_model()` builds (a callable returning a fresh, compiled
// Sequential<T>; it is called once per fold) on x (values, features × n, or Images) with `targets` — integer labels
// (std::vector<int>) or one-hot columns (Matrix<T>), matching the models' loss. `fit_options`
// apply to every fold; their validation data is the fold's test part, so they must not set
// validation_split or validation_data themselves. `make_callbacks(fold)` (fold counted from 1),
// if given, makes the callbacks of each fold: fresh ones, so that no state carries over.
template <typename MakeModel, typename X, typename Targets,
          typename T = typename std::remove_cvref_t<std::invoke_result_t<MakeModel&>>::Scalar>
CrossValidationResult cross_validate(
    MakeModel&& make_model, const X& x, const Targets& targets, KFoldOptions kfold = {},
    std::type_identity_t<FitOptions<T>> fit_options = {},
    const std::type_identity_t<std::function<std::vector<std::shared_ptr<Callback<T>>>(int fold)>>& make_callbacks =
        {}) {
  static_assert(std::is_same_v<std::remove_cvref_t<std::invoke_result_t<MakeModel&>>, Sequential<T>>,
                "cross_validate: make_model() must return a Sequential");
  static_assert(std::is_same_v<X, Matrix<T>> || std::is_same_v<X, Images>,
                "cross_validate: x is values (a Matrix of the model's scalar type) or Images");
  static_assert(std::is_same_v<Targets, std::vector<int>> || std::is_same_v<Targets, Matrix<T>>,
                "cross_validate: targets are integer labels (std::vector<int>) or one-hot columns (Matrix<T>)");
  if (detail::sample_count(targets) != x.cols())
    throw std::invalid_argument("cross_validate: " + std::to_string(x.cols()) + " samples but " +
                                std::to_string(detail::sample_count(targets)) + " targets");
  if (fit_options.validation_split != 0 || fit_options.validation_data.x)
    throw std::invalid_argument(
        "cross_validate: each fold validates on its own test part; "
        "leave validation_split and validation_data unset");
  if (!fit_options.callbacks.empty())
    throw std::invalid_argument(
        "cross_validate: callbacks keep state from one fold to the next; pass "
        "make_callbacks(fold), which gives each fold its own, instead of fit_options.callbacks");

  const std::vector<std::vector<Index>> tests = kfold_indices(x.cols(), kfold);
  CrossValidationResult result;
  std::vector<double> accuracies, losses;
  for (std::size_t f = 0; f < tests.size(); ++f) {
    FoldResult fold;
    fold.fold = static_cast<int>(f) + 1;
    fold.test_indices = tests[f];
    std::vector<bool> in_test(static_cast<std::size_t>(x.cols()), false);
    for (Index i : fold.test_indices) in_test[static_cast<std::size_t>(i)] = true;
    for (Index i = 0; i < x.cols(); ++i)
      if (!in_test[static_cast<std::size_t>(i)]) fold.train_indices.push_back(i);

    const X x_train = detail::take_columns(x, fold.train_indices);
    const X x_test = detail::take_columns(x, fold.test_indices);
    const Targets y_train = detail::take_columns(targets, fold.train_indices);
    const Targets y_test = detail::take_columns(targets, fold.test_indices);

    Sequential<T> model = make_model();  // a fresh model for every fold
    if (!model.compiled()) throw std::logic_error("cross_validate: make_model() must return a compiled model");
    FitOptions<T> options = fit_options;
    if (make_callbacks) options.callbacks = make_callbacks(fold.fold);
    options.validation_data.x = &x_test;
    if constexpr (std::is_same_v<Targets, std::vector<int>>)
      options.validation_data.labels = &y_test;
    else
      options.validation_data.targets = &y_test;
    if (options.verbose > 0 && options.out)
      *options.out << "Fold " << fold.fold << "/" << tests.size() << ": " << fold.train_indices.size()
                   << " training samples, " << fold.test_indices.size() << " test samples\n";
    fold.history = model.fit(x_train, y_train, options);
    fold.evaluation = model.evaluate(x_test, y_test);
    accuracies.push_back(fold.evaluation.accuracy);
    losses.push_back(fold.evaluation.loss);
    result.folds.push_back(std::move(fold));
  }
  std::tie(result.mean_accuracy, result.std_accuracy) = detail::mean_and_std(accuracies);
  std::tie(result.mean_loss, result.std_loss) = detail::mean_and_std(losses);
  return result;
}

}  // namespace tinynet
