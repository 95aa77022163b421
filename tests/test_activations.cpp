// ReLU, Sigmoid and Softmax: values and double-precision gradient checks.
#include "catch.hpp"
#include "gradient_check.hpp"

#include <tinynet/layers/relu.hpp>
#include <tinynet/layers/sigmoid.hpp>
#include <tinynet/layers/softmax.hpp>

using tinynet::Matrix;
using tinynet::Mode;

TEST_CASE("ReLU zeroes negatives and passes positives", "[relu]") {
  tinynet::ReLU<double> relu;
  relu.build({3}, 0);
  Matrix<double> x(3, 1);
  x << -2, 0.5, 3;
  const Matrix<double>& y = relu.forward(x, Mode::training);
  CHECK(y(0) == 0);
  CHECK(y(1) == 0.5);
  CHECK(y(2) == 3);
  Matrix<double> dy(3, 1);
  dy << 10, 20, 30;
  const Matrix<double>& dx = relu.backward(dy);
  CHECK(dx(0) == 0);
  CHECK(dx(1) == 20);
  CHECK(dx(2) == 30);
}

TEST_CASE("ReLU gradient matches finite differences", "[relu][gradient]") {
  tinynet::ReLU<double> relu;
  relu.build({7}, 0);
  // Keep inputs away from the kink at 0, where the derivative is undefined.
  Matrix<double> x = tinynet_test::random_matrix(7, 5, 3);
  x = x.unaryExpr([](double v) { return v < 0 ? v - 0.1 : v + 0.1; });
  const auto result = tinynet_test::check_layer_gradients(relu, x);
  CHECK(result.input_error < 1e-6);
}

TEST_CASE("Softmax columns are probabilities, stable for large scores", "[softmax]") {
  tinynet::Softmax<double> softmax;
  softmax.build({3}, 0);
  Matrix<double> z(3, 2);
  z << 1, 1000, 2, 1001, 3, 1002;
  const Matrix<double>& p = softmax.forward(z, Mode::inference);
  REQUIRE(p.allFinite());
  const double e = std::exp(1.0), total = 1 + e + e * e;
  CHECK(p(0, 0) == Catch::Approx(1 / total).epsilon(1e-12));
  CHECK(p(2, 0) == Catch::Approx(e * e / total).epsilon(1e-12));
  CHECK(p(2, 1) == Catch::Approx(e * e / total).epsilon(1e-12));  // shift-invariant
  CHECK(p.colwise().sum().isOnes(1e-12));
}

TEST_CASE("Softmax gradient matches finite differences", "[softmax][gradient]") {
  tinynet::Softmax<double> softmax;
  softmax.build({6}, 0);
  const auto result = tinynet_test::check_layer_gradients(softmax, tinynet_test::random_matrix(6, 4, 9, -3, 3));
  CHECK(result.input_error < 1e-6);
}

TEST_CASE("Sigmoid is 1/(1 + e^-x), finite and symmetric for large inputs", "[sigmoid]") {
  tinynet::Sigmoid<double> sigmoid;
  sigmoid.build({4}, 0);
  Matrix<double> x(4, 1);
  x << 0, 2, -2, -800;
  const Matrix<double>& y = sigmoid.forward(x, Mode::training);
  CHECK(y(0) == 0.5);
  CHECK(y(1) == Catch::Approx(1 / (1 + std::exp(-2.0))).epsilon(1e-15));
  CHECK(y(1) + y(2) == Catch::Approx(1).epsilon(1e-15));  // σ(−x) = 1 − σ(x)
  CHECK(y(3) >= 0);                                       // e^800 would overflow; the eˣ form does not
  CHECK(y(3) < 1e-300);
  Matrix<double> dy = Matrix<double>::Ones(4, 1);
  CHECK(sigmoid.backward(dy)(0) == 0.25);  // σ'(0) = 1/4
}

TEST_CASE("Sigmoid gradient matches finite differences", "[sigmoid][gradient]") {
  tinynet::Sigmoid<double> sigmoid;
  sigmoid.build({6}, 0);
  const auto result = tinynet_test::check_layer_gradients(sigmoid, tinynet_test::random_matrix(6, 4, 5, -4, 4));
  CHECK(result.input_error < 1e-6);
}
