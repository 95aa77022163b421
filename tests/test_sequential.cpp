// Sequential: the whole model's gradient against finite differences, the fused
// softmax/cross-entropy step, shape and label errors, and buffer reuse.
#include "catch.hpp"
#include "gradient_check.hpp"

#include <tinynet/tinynet.hpp>

using tinynet::Dense;
using tinynet::Matrix;
using tinynet::ReLU;
using tinynet::Sequential;
using tinynet::Softmax;

namespace {
std::vector<int> labels_for(tinynet::Index n, int classes) {
  std::vector<int> y;
  for (tinynet::Index i = 0; i < n; ++i) y.push_back(static_cast<int>((i * 7 + 3) % classes));
  return y;
}

Matrix<double> one_hot(const std::vector<int>& labels, int classes) {
  Matrix<double> t = Matrix<double>::Zero(classes, static_cast<tinynet::Index>(labels.size()));
  for (std::size_t i = 0; i < labels.size(); ++i) t(labels[i], static_cast<tinynet::Index>(i)) = 1;
  return t;
}
}  // namespace

TEST_CASE("Sequential: every parameter's gradient matches finite differences of the loss", "[sequential][gradient]") {
  Sequential<double> model({5}, 3);
  model.add<Dense>(6).add<ReLU>().add<Dense>(4).add<Softmax>();
  model.compile(tinynet::SGD{}, tinynet::SparseCategoricalCrossentropy{});
  Matrix<double> x = tinynet_test::random_matrix(5, 8, 1, -2, 2);
  const Matrix<double> targets = one_hot(labels_for(8, 4), 4);

  model.compute_gradients(x, targets);              // the weights stay, the gradients stay in place
  for (std::size_t l = 0; l < model.size(); ++l) {  // the step's promises end with it
    CHECK_FALSE(model.layer(l).input_kept_until_backward);
    CHECK_FALSE(model.layer(l).overwrite_gradients);
  }
  auto loss = [&] { return tinynet::cross_entropy_sum(model.forward(x, tinynet::Mode::training), targets) / 8.0; };
  for (auto& p : model.parameters()) {
    const Matrix<double> numeric = tinynet_test::numeric_gradient(*p.value, loss);
    INFO("parameter " << p.name);
    CHECK(tinynet_test::relative_error(*p.gradient, numeric) < 1e-6);
    CHECK(p.gradient->cwiseAbs().maxCoeff() > 0);  // the check compared something
  }
}

TEST_CASE("A training step writes Dense's and Conv2D's gradients and zeroes the other layers' first",
          "[sequential][gradient]") {
  // Whatever the gradients held before a step, they hold this batch's gradient after it: Dense
  // and Conv2D write theirs (Layer::overwrite_gradients), BatchNormalization's are zeroed. A
  // batch of 20 is two of Conv2D's chunks (16 + 4): the first written, the second added.
  Sequential<double> model({5, 5, 1}, 3);
  model.add<tinynet::Conv2D>(2, 3).add<tinynet::BatchNormalization>().add<tinynet::Flatten>();
  model.add<Dense>(3).add<Softmax>();
  model.compile(tinynet::SGD{}, tinynet::SparseCategoricalCrossentropy{});
  CHECK(model.layer(0).can_overwrite_gradients());
  CHECK_FALSE(model.layer(1).can_overwrite_gradients());
  CHECK(model.layer(3).can_overwrite_gradients());
  const Matrix<double> x = tinynet_test::random_matrix(25, 20, 5, -1, 1);
  const Matrix<double> targets = one_hot(labels_for(20, 3), 3);

  model.compute_gradients(x, targets);
  std::vector<Matrix<double>> first;
  for (auto& p : model.parameters()) {
    if (!p.trainable()) continue;  // BatchNormalization's moving statistics have no gradient
    first.push_back(*p.gradient);
    p.gradient->setConstant(1e3);  // stale values the next step must not add to
  }
  model.compute_gradients(x, targets);
  std::size_t i = 0;
  for (auto& p : model.parameters()) {
    if (!p.trainable()) continue;
    INFO("parameter " << p.name);
    CHECK(*p.gradient == first[i++]);
  }
  CHECK(i == 6);  // K, b of Conv2D; γ, β; W, b of Dense

  // And that gradient is the loss's, by finite differences.
  auto loss = [&] { return tinynet::cross_entropy_sum(model.forward(x, tinynet::Mode::training), targets) / 20.0; };
  for (auto& p : model.parameters()) {
    if (!p.trainable()) continue;
    const Matrix<double> numeric = tinynet_test::numeric_gradient(*p.value, loss);
    INFO("parameter " << p.name);
    CHECK(tinynet_test::relative_error(*p.gradient, numeric) < 1e-6);
  }
}

TEST_CASE("Label smoothing: the loss is cross-entropy against (1 − ε)·y + ε/K, and its gradient matches",
          "[sequential][loss][gradient]") {
  const double epsilon = 0.2;
  const std::vector<int> labels = labels_for(8, 4);
  Sequential<double> model({5}, 3);
  model.add<Dense>(6).add<ReLU>().add<Dense>(4).add<Softmax>();
  model.compile(tinynet::SGD{}, tinynet::SparseCategoricalCrossentropy{.label_smoothing = epsilon});
  CHECK(model.loss().label_smoothing == epsilon);
  const Matrix<double> x = tinynet_test::random_matrix(5, 8, 1, -2, 2);

  // The loss written out by hand: the true class weighs 1 − ε + ε/4 = 0.85, each other ε/4 = 0.05.
  auto smoothed_loss = [&] {
    const Matrix<double> p = model.forward(x, tinynet::Mode::training);
    double sum = 0;
    for (tinynet::Index n = 0; n < 8; ++n)
      for (int i = 0; i < 4; ++i) sum -= (i == labels[n] ? 0.85 : 0.05) * std::log(p(i, n));
    return sum / 8;
  };
  const double reported = model.compute_gradients(x, one_hot(labels, 4)).loss;
  CHECK(reported == Catch::Approx(smoothed_loss()).epsilon(1e-12));
  CHECK(model.evaluate(x, labels).loss == Catch::Approx(smoothed_loss()).epsilon(1e-12));  // no dropout: same value

  for (auto& p : model.parameters()) {
    const Matrix<double> numeric = tinynet_test::numeric_gradient(*p.value, smoothed_loss);
    INFO("parameter " << p.name);
    CHECK(tinynet_test::relative_error(*p.gradient, numeric) < 1e-6);
  }

  // Without smoothing the same step reports a different (plain cross-entropy) loss.
  Sequential<double> plain({5}, 3);
  plain.add<Dense>(6).add<ReLU>().add<Dense>(4).add<Softmax>();
  plain.compile(tinynet::SGD{}, tinynet::SparseCategoricalCrossentropy{});
  CHECK(plain.compute_gradients(x, one_hot(labels, 4)).loss != Catch::Approx(reported));
}

TEST_CASE("compile rejects label smoothing below 0 or at 1 and above", "[sequential][loss]") {
  for (const double epsilon : {-0.1, 1.0, 2.0}) {
    Sequential<float> model({4});
    model.add<Dense>(3).add<Softmax>();
    REQUIRE_THROWS_WITH(model.compile(tinynet::Adam{}, tinynet::CategoricalCrossentropy{.label_smoothing = epsilon}),
                        tinynet_test::contains("label_smoothing must be in [0, 1), got"));
  }
}

TEST_CASE("Softmax + cross-entropy gradient is p − onehot, finite for saturated outputs", "[sequential][loss]") {
  Matrix<double> p(3, 2), y(3, 2), dz;
  p << 1.0, 0.2, 0.0, 0.3, 0.0, 0.5;
  y << 0, 0, 1, 0, 0, 1;
  tinynet::softmax_cross_entropy_gradient(p, y, 2, dz);
  CHECK(dz(0, 0) == Catch::Approx(0.5));    // (1 − 0)/2
  CHECK(dz(1, 0) == Catch::Approx(-0.5));   // (0 − 1)/2
  CHECK(dz(2, 1) == Catch::Approx(-0.25));  // (0.5 − 1)/2
  CHECK(dz.allFinite());
  // The loss of a confident wrong answer is clipped at −log(1e-7), not infinite.
  CHECK(tinynet::cross_entropy_sum(p, y) == Catch::Approx(-std::log(1e-7) - std::log(0.5)));
}

TEST_CASE("Sequential::add names both layers when shapes do not fit", "[sequential]") {
  Sequential<float> model;
  model.add<Dense>(784, 128).add<ReLU>();
  REQUIRE_THROWS_WITH(
      model.add<Dense>(100, 10),
      tinynet_test::contains("layer 3 (Dense) does not fit after layer 2 (ReLU) with output (None, 128)"));
  REQUIRE_THROWS_WITH(model.add<Dense>(100, 10), tinynet_test::contains("expects 100 input features, got 128"));
  Sequential<float> no_input;
  REQUIRE_THROWS_WITH(no_input.add<ReLU>(), tinynet_test::contains("no input shape"));
}

TEST_CASE("fit/evaluate/predict reject bad input with a clear message", "[sequential]") {
  Sequential<float> model;
  model.add<Dense>(4, 3).add<Softmax>();
  REQUIRE_THROWS_WITH(model.fit(Matrix<float>::Zero(4, 2), std::vector<int>{0, 1}), tinynet_test::contains("compile"));
  model.compile(tinynet::Adam{}, tinynet::SparseCategoricalCrossentropy{});
  REQUIRE_THROWS_WITH(model.fit(Matrix<float>::Zero(5, 2), std::vector<int>{0, 1}, {.verbose = 0}),
                      tinynet_test::contains("input has 5 features per sample but layer 1 (Dense) expects 4"));
  REQUIRE_THROWS_WITH(model.fit(Matrix<float>::Zero(4, 2), std::vector<int>{0, 3}, {.verbose = 0}),
                      tinynet_test::contains("label 3 at index 1 is outside 0..2"));
  REQUIRE_THROWS_WITH(model.fit(Matrix<float>::Zero(4, 2), std::vector<int>{0}, {.verbose = 0}),
                      tinynet_test::contains("2 samples but 1 labels"));
  REQUIRE_THROWS_WITH(model.fit(Matrix<float>::Zero(4, 2), Matrix<float>::Zero(3, 2), {.verbose = 0}),
                      tinynet_test::contains("compiled with sparse_categorical_crossentropy"));
  REQUIRE_THROWS_WITH(model.predict(Matrix<float>::Zero(3, 1)), tinynet_test::contains("expects 4"));
}

TEST_CASE("Sparse and one-hot targets train identically", "[sequential]") {
  const Matrix<double> x = tinynet_test::random_matrix(4, 30, 5);
  const std::vector<int> labels = labels_for(30, 3);
  auto make = [] {
    Sequential<double> m({4}, 9);
    m.add<Dense>(5).add<ReLU>().add<Dense>(3).add<Softmax>();
    return m;
  };
  Sequential<double> sparse = make(), dense = make();
  sparse.compile(tinynet::Adam{}, tinynet::SparseCategoricalCrossentropy{});
  dense.compile(tinynet::Adam{}, tinynet::CategoricalCrossentropy{});
  const auto h1 = sparse.fit(x, labels, {.epochs = 3, .batch_size = 8, .verbose = 0});
  const auto h2 = dense.fit(x, one_hot(labels, 3), {.epochs = 3, .batch_size = 8, .verbose = 0});
  REQUIRE(h1.epochs.size() == 3);
  for (int e = 0; e < 3; ++e) CHECK(h1.epochs[e].loss == h2.epochs[e].loss);
  CHECK(sparse.predict(x) == dense.predict(x));
}

TEST_CASE("fit reshuffles every epoch and is reproducible with a seed", "[sequential]") {
  const Matrix<double> x = tinynet_test::random_matrix(4, 40, 8);
  const std::vector<int> labels = labels_for(40, 3);
  auto run = [&](std::uint64_t seed, bool shuffle) {
    Sequential<double> m({4}, 1);
    m.add<Dense>(3).add<Softmax>();
    m.compile(tinynet::SGD{.learning_rate = 0.5}, tinynet::SparseCategoricalCrossentropy{});
    m.fit(x, labels, {.epochs = 2, .batch_size = 5, .shuffle = shuffle, .seed = seed, .verbose = 0});
    return m.predict(x);
  };
  CHECK(run(1, true) == run(1, true));
  CHECK(run(1, true) != run(2, true));
  CHECK(run(1, false) == run(2, false));
}

TEST_CASE("A steady-state training step reuses every buffer", "[sequential]") {
  Sequential<float> model({20}, 1);
  model.add<Dense>(16).add<ReLU>().add<Dense>(5).add<Softmax>();
  model.compile(tinynet::Adam{}, tinynet::SparseCategoricalCrossentropy{});
  Matrix<float> x = Matrix<float>::Random(20, 8), targets = Matrix<float>::Zero(5, 8);
  for (int n = 0; n < 8; ++n) targets(n % 5, n) = 1;
  model.train_step(x, targets);
  // Where each layer's output lives after the first step...
  std::vector<const float*> outputs;
  const Matrix<float>* h = &x;
  for (std::size_t l = 0; l < model.size(); ++l) {
    h = &model.layer(l).forward(*h, tinynet::Mode::training);
    outputs.push_back(h->data());
  }
  std::vector<const float*> slots;
  for (auto& per_parameter : model.optimizer().slots())
    for (auto& s : per_parameter) slots.push_back(s.data());
  for (int i = 0; i < 3; ++i) model.train_step(x, targets);
  // ...is where it lives after more steps: nothing was reallocated.
  h = &x;
  for (std::size_t l = 0; l < model.size(); ++l) {
    h = &model.layer(l).forward(*h, tinynet::Mode::training);
    CHECK(h->data() == outputs[l]);
  }
  std::size_t k = 0;
  for (auto& per_parameter : model.optimizer().slots())
    for (auto& s : per_parameter) CHECK(s.data() == slots[k++]);
}

TEST_CASE("History records one entry per epoch with decreasing loss on learnable data", "[sequential]") {
  // Three well-separated clusters: a linear model must learn them.
  Matrix<double> x(2, 90);
  std::vector<int> labels;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0, 0.3);
  const double centers[3][2] = {{2, 0}, {-2, 0}, {0, 2}};
  for (int n = 0; n < 90; ++n) {
    labels.push_back(n % 3);
    x(0, n) = centers[n % 3][0] + noise(rng);
    x(1, n) = centers[n % 3][1] + noise(rng);
  }
  Sequential<double> model({2}, 5);
  model.add<Dense>(3).add<Softmax>();
  model.compile(tinynet::Adam{.learning_rate = 0.05}, tinynet::SparseCategoricalCrossentropy{});
  const auto history = model.fit(x, labels, {.epochs = 20, .batch_size = 16, .verbose = 0});
  REQUIRE(history.epochs.size() == 20);
  CHECK(history.epochs.back().loss < 0.5 * history.epochs.front().loss);
  CHECK(history.epochs.back().accuracy > 0.95);
  const auto result = model.evaluate(x, labels);
  CHECK(result.accuracy > 0.95);
  CHECK(history.metric("accuracy").size() == 20);
  REQUIRE_THROWS_WITH(history.metric("val_loss"), tinynet_test::contains("not recorded"));
}

#if defined(__SSE2__)
// 1e-30 · 1e-10 = 1e-40 is below the smallest normal float (≈ 1.2e-38): a denormal, which x86
// computes on a slow path. fit() flushes such results to zero on its threads (as TensorFlow
// does on the CPU) and leaves the thread's floating-point mode as it found it.
TEST_CASE("fit flushes denormal floats to zero while it runs, and restores the mode after", "[sequential]") {
  constexpr unsigned flush_bits = tinynet::detail::ScopedFlushDenormals::flush_bits;
  const unsigned before = _mm_getcsr();
  REQUIRE((before & flush_bits) == 0);  // a program's default: denormals are kept
  volatile float tiny = 1e-30f;
  REQUIRE(tiny * 1e-10f > 0.0f);

  struct Probe : tinynet::Callback<float> {
    float product = -1;
    unsigned mode = 0;
    void on_batch_end(const tinynet::BatchEnd&, Sequential<float>&) override {
      volatile float t = 1e-30f;
      product = t * 1e-10f;
      mode = _mm_getcsr();
    }
  };
  auto probe = std::make_shared<Probe>();
  Sequential<float> model({4}, 1);
  model.add<Dense>(3).add<Softmax>();
  model.compile(tinynet::SGD{}, tinynet::SparseCategoricalCrossentropy{});
  model.fit(tinynet_test::random_matrix(4, 8, 2).cast<float>(), std::vector<int>{0, 1, 2, 0, 1, 2, 0, 1},
            {.epochs = 1, .batch_size = 4, .verbose = 0, .callbacks = {probe}});
  CHECK(probe->product == 0.0f);
  CHECK((probe->mode & flush_bits) == flush_bits);
  constexpr unsigned modes = ~tinynet::detail::ScopedFlushDenormals::status_flags;  // not the sticky flags
  CHECK((_mm_getcsr() & modes) == (before & modes));
}
#endif

TEST_CASE("predict and evaluate split a batch whose outputs exceed the memory budget", "[sequential]") {
  // 65,536 inputs and a ReLU of the same size make 512 KiB of outputs per sample, so a 64 MiB
  // budget holds fewer than 130 samples: a batch of 300 must run in passes, each giving what a
  // batch of its own samples gives.
  const tinynet::Index features = 65536, N = 300;
  Sequential<float> model({features}, 4);
  model.add<ReLU>().add<Dense>(10).add<Softmax>();
  model.compile(tinynet::Adam{}, tinynet::SparseCategoricalCrossentropy{});
  const tinynet::Index pass = model.inference_pass_size(N);
  CHECK(pass < 130);
  CHECK(pass > 100);
  CHECK(model.inference_pass_size(7) == 7);  // a batch within the budget stays whole
  const Matrix<float> x = Matrix<float>::Random(features, N);
  const Matrix<float> whole = model.predict(x, N);
  REQUIRE(whole.cols() == N);
  for (tinynet::Index first = 0; first < N; first += pass) {
    const tinynet::Index n = std::min(pass, N - first);
    const Matrix<float> part = x.middleCols(first, n);
    CHECK(whole.middleCols(first, n) == model.predict(part, n));
  }
  const std::vector<int> labels = labels_for(N, 10);
  const tinynet::Evaluation big = model.evaluate(x, labels, N), small = model.evaluate(x, labels, 10);
  CHECK(big.accuracy == small.accuracy);
  CHECK(big.loss == Catch::Approx(small.loss).epsilon(1e-6));
}
