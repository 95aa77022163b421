// Dense: forward values by hand, shapes, and a double-precision gradient check.
#include "catch.hpp"
#include "gradient_check.hpp"

#include <tinynet/layers/dense.hpp>

using tinynet::Dense;
using tinynet::Matrix;
using tinynet::Mode;

TEST_CASE("Dense forward computes W·x + b for every column", "[dense]") {
  Dense<double> layer(2, 3);
  layer.build({2}, 1);
  layer.W << 1, 2, 3, 4, 5, 6;
  layer.b << 0.5, -1, 2;
  Matrix<double> x(2, 2);
  x << 1, -1, 2, 0;  // columns (1, 2) and (-1, 0)
  const Matrix<double>& y = layer.forward(x, Mode::inference);
  REQUIRE(y.rows() == 3);
  REQUIRE(y.cols() == 2);
  CHECK(y(0, 0) == 1 * 1 + 2 * 2 + 0.5);
  CHECK(y(1, 0) == 3 * 1 + 4 * 2 - 1);
  CHECK(y(2, 0) == 5 * 1 + 6 * 2 + 2);
  CHECK(y(0, 1) == -1 + 0.5);
  CHECK(y(2, 1) == -5 + 2);
}

TEST_CASE("Dense gradients match finite differences", "[dense][gradient]") {
  Dense<double> layer(5, 4);
  layer.build({5}, 3);
  layer.b = tinynet_test::random_matrix(4, 1, 11);
  const auto result = tinynet_test::check_layer_gradients(layer, tinynet_test::random_matrix(5, 6, 2));
  CHECK(result.input_error < 1e-6);
  CHECK(result.parameter_error < 1e-6);
}

TEST_CASE("Dense gradients accumulate until zeroed", "[dense]") {
  Dense<double> layer(3, 2);
  layer.build({3}, 5);
  const Matrix<double> x = tinynet_test::random_matrix(3, 4, 1);
  const Matrix<double> dy = tinynet_test::random_matrix(2, 4, 2);
  layer.forward(x, Mode::training);
  layer.backward(dy);
  const Matrix<double> once = layer.dW;
  layer.backward(dy);
  CHECK((layer.dW - 2 * once).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("Dense Glorot-uniform init is seeded and bounded", "[dense]") {
  Dense<float> a(784, 128), b(784, 128), c(784, 128);
  a.build({784}, 42);
  b.build({784}, 42);
  c.build({784}, 43);
  CHECK(a.W == b.W);
  CHECK(a.W != c.W);
  const float limit = std::sqrt(6.0f / (784 + 128));
  CHECK(a.W.cwiseAbs().maxCoeff() <= limit);
  CHECK(a.W.cwiseAbs().maxCoeff() > 0.95f * limit);  // the whole range is used
  CHECK(std::abs(a.W.mean()) < 0.01f * limit);
}

TEST_CASE("Dense rejects an input of the wrong width", "[dense]") {
  Dense<float> layer(784, 128);
  REQUIRE_THROWS_WITH(layer.build({100}, 1), tinynet_test::contains("expects 784 input features, got 100"));
  Dense<float> ok(10);
  ok.build({20}, 1);
  REQUIRE_THROWS_WITH(ok.forward(Matrix<float>::Zero(21, 3), Mode::training),
                      tinynet_test::contains("input has 21 features per sample, expected 20"));
  REQUIRE_THROWS_WITH(ok.backward(Matrix<float>::Zero(10, 3)), tinynet_test::contains("before forward"));
}

TEST_CASE("A layer's forward reads a block of a matrix's columns where it lies", "[dense]") {
  Dense<double> layer(4, 3);
  layer.build({4}, 7);
  const Matrix<double> x = tinynet_test::random_matrix(4, 10, 3);
  const Matrix<double> block = x.middleCols(2, 5);
  const Matrix<double> from_copy = layer.forward(block, Mode::inference);
  CHECK(layer.forward(x.middleCols(2, 5), Mode::inference) == from_copy);  // tinynet::MatrixRef, no copy
}

TEST_CASE("Dense keeps a view of its input only when the caller keeps the input until backward", "[dense]") {
  Dense<double> layer(3, 2);
  layer.build({3}, 5);
  const Matrix<double> x = tinynet_test::random_matrix(3, 4, 1), dy = tinynet_test::random_matrix(2, 4, 2);
  const Matrix<double> want = dy * x.transpose();  // dL/dW = dY · Xᵀ
  // Not promised (the default): forward copies x, so x may change before backward.
  Matrix<double> changing = x;
  layer.forward(changing, Mode::training);
  changing.setZero();
  layer.backward(dy);
  CHECK((layer.dW - want).cwiseAbs().maxCoeff() < 1e-12);
  // Promised (as Sequential does during a step): forward keeps a view of x, so backward reads x
  // itself: changed in between, the gradient follows it (no copy was made).
  layer.dW.setZero();
  layer.input_kept_until_backward = true;
  Matrix<double> kept = x;
  layer.forward(kept, Mode::training);
  layer.backward(dy);
  CHECK((layer.dW - want).cwiseAbs().maxCoeff() < 1e-12);
  layer.dW.setZero();
  layer.forward(kept, Mode::training);
  kept *= 2;
  layer.backward(dy);
  CHECK((layer.dW - 2 * want).cwiseAbs().maxCoeff() < 1e-12);
}
