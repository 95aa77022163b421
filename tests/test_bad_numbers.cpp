// Numbers that cannot ruin a run: bad data, bad hyperparameters and a step that goes non-finite
// each get a clear message, and a model is never left with NaN weights by fit.
#include "catch.hpp"
#include "gradient_check.hpp"

#include <tinynet/core.hpp>

#include <cmath>
#include <limits>
#include <memory>
#include <sstream>
#include <vector>

using tinynet::Matrix;
using tinynet::Sequential;
using tinynet_test::contains;

namespace {

constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
constexpr double infinity = std::numeric_limits<double>::infinity();

Sequential<double> bad_numbers_model() {
  Sequential<double> model({4}, 3);
  model.add<tinynet::Dense>(5).add<tinynet::ReLU>().add<tinynet::Dense>(3).add<tinynet::Softmax>();
  return model;
}

std::vector<int> cycling_labels(tinynet::Index n) {
  std::vector<int> y(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = static_cast<int>(i % 3);
  return y;
}

// Records every trainable value after each applied step.
struct WeightsAfterEachStep : tinynet::Callback<double> {
  std::vector<std::vector<Matrix<double>>> steps;
  void on_batch_end(const tinynet::BatchEnd&, Sequential<double>& model) override {
    std::vector<Matrix<double>> now;
    for (const auto& p : model.parameters()) now.push_back(*p.value);
    steps.push_back(now);
  }
};

}  // namespace

TEST_CASE("fit checks its data once for NaN and infinity and names the sample and the feature", "[bad_numbers]") {
  Sequential<double> model = bad_numbers_model();
  model.compile(tinynet::Adam{}, tinynet::SparseCategoricalCrossentropy{});
  Matrix<double> x = tinynet_test::random_matrix(4, 10, 1);
  x(2, 7) = not_a_number;
  REQUIRE_THROWS_WITH(model.fit(x, cycling_labels(10), {.verbose = 0}), contains("fit: sample 7, feature 2 is nan"));
  x(2, 7) = 0;
  x(0, 3) = -infinity;
  REQUIRE_THROWS_WITH(model.fit(x, cycling_labels(10), {.verbose = 0}), contains("fit: sample 3, feature 0 is -inf"));
}

TEST_CASE("Hyperparameters are checked when the model is compiled or the type is built", "[bad_numbers]") {
  struct Case {
    std::function<void()> make;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[] {
         bad_numbers_model().compile(tinynet::Adam{.learning_rate = -1}, tinynet::SparseCategoricalCrossentropy{});
       },
       "Adam: learning_rate must be finite and > 0, got -1"},
      {[] {
         bad_numbers_model().compile(tinynet::SGD{.learning_rate = not_a_number},
                                     tinynet::SparseCategoricalCrossentropy{});
       },
       "SGD: learning_rate must be finite and > 0, got nan"},
      {[] { bad_numbers_model().compile(tinynet::Adam{.beta_1 = 1}, tinynet::SparseCategoricalCrossentropy{}); },
       "Adam: beta_1 must be in [0, 1), got 1"},
      {[] { bad_numbers_model().compile(tinynet::Adam{.beta_2 = -0.1}, tinynet::SparseCategoricalCrossentropy{}); },
       "Adam: beta_2 must be in [0, 1), got -0.1"},
      {[] { bad_numbers_model().compile(tinynet::Adam{.epsilon = 0}, tinynet::SparseCategoricalCrossentropy{}); },
       "Adam: epsilon must be finite and > 0, got 0"},
      {[] { bad_numbers_model().compile(tinynet::SGD{.momentum = 1}, tinynet::SparseCategoricalCrossentropy{}); },
       "SGD: momentum must be in [0, 1), got 1"},
      {[] {
         bad_numbers_model().compile(tinynet::RMSprop{.rho = not_a_number}, tinynet::SparseCategoricalCrossentropy{});
       },
       "RMSprop: rho must be in [0, 1), got nan"},
      {[] {
         bad_numbers_model().compile(tinynet::Adam{},
                                     tinynet::SparseCategoricalCrossentropy{.label_smoothing = not_a_number});
       },
       "label_smoothing must be in [0, 1), got nan"},
      {[] { (void)tinynet::Dropout<float>(1.0); }, "Dropout: rate must be in [0, 1), got 1"},
      {[] { (void)tinynet::Dropout<float>(not_a_number); }, "Dropout: rate must be in [0, 1), got nan"},
      {[] { (void)tinynet::BatchNormalization<float>(tinynet::BatchNormalizationOptions{.momentum = not_a_number}); },
       "momentum must be in [0, 1], got nan"},
      {[] { (void)tinynet::Dense<float>(4, {.kernel_regularizer = tinynet::L2(-1)}); }, "l2 must be finite and >= 0"},
      {[] { (void)tinynet::EarlyStopping<float>({.patience = -1}); }, "EarlyStopping: patience must be ≥ 0, got -1"},
      {[] { (void)tinynet::ReduceLROnPlateau<float>({.patience = -2}); }, "patience and cooldown must be ≥ 0"},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    REQUIRE_THROWS_AS(c.make(), std::invalid_argument);
    REQUIRE_THROWS_WITH(c.make(), contains(c.message));
  }
}

TEST_CASE("fit rejects bad options: a NaN validation split, a batch size of 0", "[bad_numbers]") {
  Sequential<double> model = bad_numbers_model();
  model.compile(tinynet::Adam{}, tinynet::SparseCategoricalCrossentropy{});
  const Matrix<double> x = tinynet_test::random_matrix(4, 10, 2);
  REQUIRE_THROWS_WITH(model.fit(x, cycling_labels(10), {.verbose = 0, .validation_split = not_a_number}),
                      contains("validation_split must be in [0, 1), got nan"));
  REQUIRE_THROWS_WITH(model.fit(x, cycling_labels(10), {.batch_size = 0, .verbose = 0}),
                      contains("batch_size must be positive, got 0"));
  REQUIRE_THROWS_WITH(model.predict(x, 0), contains("Sequential::predict: batch_size must be positive, got 0"));
  REQUIRE_THROWS_WITH(model.evaluate(x, cycling_labels(10), 0),
                      contains("Sequential::evaluate: batch_size must be positive"));
}

TEST_CASE("A batch size above the data is clamped to one batch per epoch, as Keras", "[bad_numbers]") {
  struct Steps : tinynet::Callback<double> {
    tinynet::Index steps = 0;
    void on_train_begin(const tinynet::TrainBegin& info, Sequential<double>&) override { steps = info.steps_per_epoch; }
  };
  auto steps = std::make_shared<Steps>();
  Sequential<double> model = bad_numbers_model();
  model.compile(tinynet::Adam{}, tinynet::SparseCategoricalCrossentropy{});
  model.fit(tinynet_test::random_matrix(4, 10, 3), cycling_labels(10),
            {.batch_size = 1000, .verbose = 0, .callbacks = {steps}});
  CHECK(steps->steps == 1);
}

TEST_CASE("A step whose loss goes non-finite stops fit, keeping the weights from before that batch", "[bad_numbers]") {
  // A learning rate of 1e200 throws the weights to ±1e200 after one step; the next forward
  // overflows, so batch 2's loss is not finite.
  const Matrix<double> x = tinynet_test::random_matrix(4, 40, 4, -1, 1);
  std::ostringstream messages;
  Sequential<double> model = bad_numbers_model();
  model.compile(tinynet::SGD{.learning_rate = 1e200}, tinynet::SparseCategoricalCrossentropy{});
  auto recorder = std::make_shared<WeightsAfterEachStep>();
  const tinynet::History history = model.fit(
      x, cycling_labels(40),
      {.epochs = 3, .batch_size = 8, .shuffle = false, .verbose = 0, .callbacks = {recorder}, .out = &messages});
  REQUIRE(recorder->steps.size() == 1);  // batch 1 was applied, batch 2 was not
  CHECK(history.stopped_epoch == 1);
  CHECK(history.stop_reason.find("epoch 1, batch 2: ") == 0);
  CHECK(history.stop_reason.find("the weights are those from before this batch") != std::string::npos);
  CHECK(messages.str().find("fit: epoch 1, batch 2") != std::string::npos);
  const auto parameters = model.parameters();
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    CHECK(parameters[i].value->allFinite());
    CHECK(*parameters[i].value == recorder->steps[0][i]);  // exactly the weights after batch 1
  }

  // Switched off, the same run trains to the end and leaves non-finite weights behind.
  Sequential<double> unguarded = bad_numbers_model();
  unguarded.compile(tinynet::SGD{.learning_rate = 1e200}, tinynet::SparseCategoricalCrossentropy{});
  const tinynet::History rest = unguarded.fit(
      x, cycling_labels(40), {.epochs = 3, .batch_size = 8, .shuffle = false, .verbose = 0, .terminate_on_nan = false});
  CHECK(rest.epochs.size() == 3);
  CHECK(rest.stop_reason.empty());
  CHECK_FALSE(unguarded.parameters()[0].value->allFinite());
}

namespace {
// A Dense layer whose kernel gradient has one NaN entry, in the last column: its loss stays finite.
class DenseWithNanGradient : public tinynet::Dense<double> {
 public:
  using tinynet::Dense<double>::Dense;
  const Matrix<double>& backward(const Matrix<double>& dy) override {
    const Matrix<double>& dx = tinynet::Dense<double>::backward(dy);
    dW(dW.rows() - 1, dW.cols() - 1) = not_a_number;
    return dx;
  }
};
}  // namespace

TEST_CASE("A step with a finite loss but a non-finite gradient is not applied, and names the layer", "[bad_numbers]") {
  // The kernel has 300 · 120 values: the check reads it in blocks over the threads, and the NaN
  // sits in the last one.
  Sequential<double> model({300}, 3);
  model.add(std::make_unique<DenseWithNanGradient>(120)).add<tinynet::ReLU>().add<tinynet::Dense>(3);
  model.add<tinynet::Softmax>();
  model.compile(tinynet::SGD{}, tinynet::SparseCategoricalCrossentropy{});
  Matrix<double> targets = Matrix<double>::Zero(3, 8);
  for (tinynet::Index j = 0; j < 8; ++j) targets(j % 3, j) = 1;
  const Matrix<double> kernel_before = *model.parameters()[0].value;
  const tinynet::StepResult result = model.train_step(tinynet_test::random_matrix(300, 8, 6), targets, true);
  CHECK(std::isfinite(result.loss));
  CHECK_FALSE(result.applied);
  CHECK(result.problem == "the gradient of layer 1 (Dense) kernel is not finite");
  CHECK(*model.parameters()[0].value == kernel_before);
}

TEST_CASE("A learning rate set to NaN after compile is refused at the next step", "[bad_numbers]") {
  Sequential<double> model = bad_numbers_model();
  model.compile(tinynet::Adam{}, tinynet::SparseCategoricalCrossentropy{});
  model.optimizer().learning_rate = not_a_number;
  REQUIRE_THROWS_WITH(model.fit(tinynet_test::random_matrix(4, 6, 5), cycling_labels(6), {.verbose = 0}),
                      contains("Adam::step: the learning rate is nan; it must be finite and >= 0"));
}

TEST_CASE("Sizes from code: negative or overflowing dimensions are invalid_argument, never bad_alloc",
          "[bad_numbers]") {
  REQUIRE_THROWS_WITH(Sequential<float>({-784}), contains("every dimension must be at least 1"));
  REQUIRE_THROWS_WITH(Sequential<float>({1 << 30, 1 << 30, 1 << 30}), contains("more than 2^40 values per sample"));
  REQUIRE_THROWS_WITH(tinynet::Dense<float>(-1), contains("Dense: units must be in [1, 2^40], got -1"));
  Sequential<float> wide({1 << 20});
  REQUIRE_THROWS_WITH(wide.add<tinynet::Dense>(Eigen::Index{1} << 30),
                      contains("is more than the 2^40 a parameter may hold"));
  REQUIRE_THROWS_WITH(tinynet::Conv2D<float>(4, Eigen::Index{3037000500}),
                      contains("kernel_size must be in [1, 1048576]"));
  REQUIRE_THROWS_WITH(tinynet::MaxPooling2D<float>(0), contains("pool_size must be in [1, 2^20]"));
}

TEST_CASE("A thread count above the machine's is capped", "[bad_numbers]") {
  const int before = tinynet::num_threads();
  CHECK(tinynet::set_num_threads(1000) == tinynet::hardware_threads());
  CHECK(tinynet::num_threads() == tinynet::hardware_threads());
  CHECK(tinynet::set_num_threads(0) == 1);
  tinynet::set_num_threads(before);
}
