// The registry of model-file types (io/registry.hpp): every built-in layer saves under its own
// Keras name and knows its size before it is built; a layer or an optimizer of a user's own
// saves and loads once registered, and is refused with a clear message before.
#include "catch.hpp"
#include "config_of.hpp"
#include "test_files.hpp"

#include <tinynet/core.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

using tinynet::Matrix;
using tinynet::Sequential;

namespace {

// One of every built-in layer type.
Sequential<double> every_builtin_layer() {
  Sequential<double> model({6, 6, 2}, 3);
  model.add<tinynet::Conv2D>(3, 3, {.padding = tinynet::Padding::same})
      .add<tinynet::MaxPooling2D>(2)
      .add<tinynet::BatchNormalization>()
      .add<tinynet::ReLU>()
      .add<tinynet::Dropout>(0.1)
      .add<tinynet::Flatten>()
      .add<tinynet::Dense>(5)
      .add<tinynet::LeakyReLU>()
      .add<tinynet::ELU>()
      .add<tinynet::Sigmoid>()
      .add<tinynet::Dense>(3)
      .add<tinynet::Softmax>();
  return model;
}

// A layer of a user's own: y = 2x, with no parameters.
template <typename T>
class Double : public tinynet::Layer<T> {
 public:
  std::string type() const override { return "Double"; }
  tinynet::Shape build(const tinynet::Shape& input, std::uint64_t) override {
    this->input_shape_ = this->output_shape_ = input;
    return input;
  }
  const Matrix<T>& forward(const tinynet::MatrixRef<T>& x, tinynet::Mode) override {
    y_ = 2 * x;
    return y_;
  }
  const Matrix<T>& backward(const Matrix<T>& dy) override {
    dx_ = 2 * dy;
    return dx_;
  }

 private:
  Matrix<T> y_, dx_;
};

// An update rule of a user's own: sign descent, w ← w − lr · sign(g).
struct SignDescent {
  static constexpr const char* name = "SignDescent";
  static constexpr std::array<const char*, 0> slot_names{};
  double learning_rate = 0.01;
  void check() const {
    if (!(learning_rate > 0)) throw std::invalid_argument("SignDescent: learning_rate must be > 0");
  }
  template <typename T>
  void update(Matrix<T>& w, const Matrix<T>& g, std::vector<Matrix<T>>&, double lr, std::int64_t) const {
    w.array() -= static_cast<T>(lr) * g.array().sign();
  }
};

}  // namespace

namespace tinynet::io {
template <>
struct OptimizerConfig<SignDescent> {
  template <typename R, typename F>
  static void fields(R& rule, F&& field) {
    field("learning_rate", rule.learning_rate);
  }
};
}  // namespace tinynet::io

TEST_CASE("registry: every built-in layer is registered under its type(), and counts its parameters unbuilt",
          "[registry]") {
  Sequential<double> model = every_builtin_layer();
  std::vector<std::string> listed;
  tinynet::for_each_builtin_layer([&]<template <typename> class L>(const char* name) { listed.emplace_back(name); });
  for (std::size_t i = 0; i < model.size(); ++i) {
    const tinynet::Layer<double>& layer = model.layer(i);
    INFO("layer " << i << " (" << layer.type() << ")");
    CHECK(tinynet::io::registry().name_of(layer) == layer.type());
    CHECK(std::find(listed.begin(), listed.end(), layer.type()) != listed.end());
    CHECK(layer.parameter_count(layer.input_shape()) == model.layer_parameter_count(i));
  }
  CHECK(model.layer_parameter_count(0) == 3 * (9 * 2) + 3);  // the count is of something
}

TEST_CASE("registry: a user's layer and optimizer save and load once registered", "[registry]") {
  const auto dir = tinynet_test::scratch_dir("registry", "user_types");
  const std::string path = (dir / "user.safetensors").string();
  auto make = [] {
    Sequential<float> model({4}, 9);
    model.add<tinynet::Dense>(3).add<Double>().add<tinynet::Softmax>();
    model.compile(SignDescent{.learning_rate = 0.05}, tinynet::SparseCategoricalCrossentropy{});
    return model;
  };
  Sequential<float> model = make();
  REQUIRE_THROWS_WITH(tinynet::io::save_model(model, path),
                      tinynet_test::contains("layer 2 (Double) is of a type that is not registered"));
  CHECK_FALSE(std::filesystem::exists(path));

  tinynet::io::Registry registry = tinynet::io::Registry::with_builtins();
  registry.add_layer<Double>("Double");
  REQUIRE_THROWS_WITH(tinynet::io::save_model(model, path, {.registry = &registry}),
                      tinynet_test::contains("the optimizer (SignDescent) is of a type that is not registered"));
  registry.add_optimizer<SignDescent>();
  REQUIRE_THROWS_WITH(registry.add_layer<Double>("Double"), tinynet_test::contains("already registered"));

  const Matrix<float> x = Matrix<float>::Random(4, 10);
  model.fit(x, std::vector<int>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0}, {.epochs = 2, .verbose = 0});
  tinynet::io::save_model(model, path, {.include_optimizer = true, .registry = &registry});
  REQUIRE_THROWS_WITH(tinynet::io::load_model<float>(path),  // the process-wide registry lacks them
                      tinynet_test::contains("unknown layer type \"Double\""));
  Sequential<float> loaded = tinynet::io::load_model<float>(path, {.registry = &registry});
  CHECK(loaded.layer(1).type() == "Double");
  CHECK(loaded.optimizer().type() == "SignDescent");
  CHECK(loaded.optimizer().iterations == model.optimizer().iterations);
  CHECK(loaded.optimizer().learning_rate == 0.05);
  CHECK(loaded.predict(x) == model.predict(x));
}
