// LeakyReLU and ELU: values (Keras's defaults and examples) and double-precision gradient checks.
#include "catch.hpp"
#include "config_of.hpp"
#include "gradient_check.hpp"

#include <tinynet/layers/elu.hpp>
#include <tinynet/layers/leaky_relu.hpp>

#include <cmath>

using tinynet::Matrix;
using tinynet::Mode;

TEMPLATE_TEST_CASE("LeakyReLU keeps positives and scales negatives by the slope", "[leaky_relu]", float, double) {
  using T = TestType;
  tinynet::LeakyReLU<T> keras_example(0.5);  // Keras's docstring example
  keras_example.build({5}, 0);
  Matrix<T> x(5, 1);
  x << -10, -5, 0, 5, 10;
  const Matrix<T> y = keras_example.forward(x, Mode::inference);
  CHECK(y(0) == T(-5));
  CHECK(y(1) == T(-2.5));
  CHECK(y(2) == T(0));
  CHECK(y(3) == T(5));
  CHECK(y(4) == T(10));

  tinynet::LeakyReLU<T> keras_default;  // negative_slope = 0.3, Keras 3's default
  keras_default.build({5}, 0);
  CHECK(keras_default.negative_slope() == 0.3);
  CHECK(keras_default.forward(x, Mode::training)(0) == Catch::Approx(-3.0));
  Matrix<T> dy(5, 1);
  dy << 1, 2, 3, 4, 5;
  const Matrix<T> dx = keras_default.backward(dy);
  CHECK(dx(0) == Catch::Approx(0.3));
  CHECK(dx(1) == Catch::Approx(0.6));
  CHECK(dx(3) == T(4));
  CHECK(dx(4) == T(5));
}

TEST_CASE("LeakyReLU gradient matches finite differences", "[leaky_relu][gradient]") {
  for (double slope : {0.3, 0.01, 0.0}) {
    tinynet::LeakyReLU<double> layer(slope);
    layer.build({6}, 0);
    const auto result = tinynet_test::check_layer_gradients(layer, tinynet_test::random_matrix(6, 5, 3));
    CHECK(result.input_error < 1e-6);
  }
}

TEST_CASE("LeakyReLU checks its slope, names itself and states its config", "[leaky_relu]") {
  REQUIRE_THROWS_WITH(tinynet::LeakyReLU<float>(-0.1), tinynet_test::contains("negative_slope must be"));
  tinynet::LeakyReLU<float> layer(0.2);
  CHECK(layer.type() == "LeakyReLU");
  CHECK(tinynet_test::config_of(layer)["negative_slope"].get<double>() == Catch::Approx(0.2));
  CHECK(layer.parameters().empty());
}

TEMPLATE_TEST_CASE("ELU is x above 0 and α(eˣ − 1) below", "[elu]", float, double) {
  using T = TestType;
  tinynet::ELU<T> elu;  // alpha = 1, Keras's default
  elu.build({4}, 0);
  CHECK(elu.alpha() == 1.0);
  Matrix<T> x(4, 1);
  x << -2, -0.5, 0, 3;
  const Matrix<T> y = elu.forward(x, Mode::training);
  CHECK(y(0) == Catch::Approx(std::exp(-2.0) - 1));
  CHECK(y(1) == Catch::Approx(std::exp(-0.5) - 1));
  CHECK(y(2) == T(0));
  CHECK(y(3) == T(3));
  const Matrix<T> dx = elu.backward(Matrix<T>::Ones(4, 1));
  CHECK(dx(0) == Catch::Approx(std::exp(-2.0)));
  CHECK(dx(1) == Catch::Approx(std::exp(-0.5)));
  CHECK(dx(2) == Catch::Approx(1.0));  // α e⁰ = 1 at x = 0: ELU with α = 1 is C¹
  CHECK(dx(3) == T(1));

  tinynet::ELU<T> scaled(0.5);
  scaled.build({4}, 0);
  CHECK(scaled.forward(x, Mode::training)(0) == Catch::Approx(0.5 * (std::exp(-2.0) - 1)));
}

TEST_CASE("ELU gradient matches finite differences", "[elu][gradient]") {
  for (double alpha : {1.0, 0.7, 2.5}) {
    tinynet::ELU<double> layer(alpha);
    layer.build({2, 2, 3}, 0);
    // h = 1e-5: eˣ's third derivative is tiny, so a larger step only cuts the rounding noise
    // (which reaches 2e-6 relative at h = 1e-6 for α = 2.5 and small eˣ).
    const auto result =
        tinynet_test::check_layer_gradients(layer, tinynet_test::random_matrix(12, 4, 8, -3, 2), Mode::training, 1e-5);
    CHECK(result.input_error < 1e-6);
  }
}

TEST_CASE("ELU names itself and states its config", "[elu]") {
  tinynet::ELU<float> layer(0.8);
  CHECK(layer.type() == "ELU");
  CHECK(tinynet_test::config_of(layer)["alpha"].get<double>() == Catch::Approx(0.8));
  layer.build({3}, 0);
  REQUIRE_THROWS_WITH(layer.backward(Matrix<float>::Zero(3, 1)), tinynet_test::contains("before forward"));
}
