// MaxPooling2D and Flatten: forward values by hand, the tie rule, gradient routing and a
// double-precision gradient check on tie-free input.
#include "catch.hpp"
#include "config_of.hpp"
#include "gradient_check.hpp"

#include <tinynet/layers/flatten.hpp>
#include <tinynet/layers/max_pooling2d.hpp>

using tinynet::Index;
using tinynet::Matrix;
using tinynet::MaxPooling2D;
using tinynet::Mode;
using tinynet::Shape;

namespace {
// Channels-last index of (i, j, c) in an image of width W and C channels.
Index at(Index i, Index j, Index c, Index W, Index C) { return (i * W + j) * C + c; }
}  // namespace

TEST_CASE("MaxPooling2D takes the max of each window, channel by channel", "[max_pooling2d]") {
  MaxPooling2D<double> pool(2);
  REQUIRE(pool.build({4, 4, 2}, 0) == Shape{2, 2, 2});
  // Channel 0 holds 0..15 row by row; channel 1 holds the negatives.
  Matrix<double> x(32, 1);
  for (Index i = 0; i < 4; ++i)
    for (Index j = 0; j < 4; ++j) {
      x(at(i, j, 0, 4, 2), 0) = static_cast<double>(i * 4 + j);
      x(at(i, j, 1, 4, 2), 0) = -static_cast<double>(i * 4 + j);
    }
  const Matrix<double>& y = pool.forward(x, Mode::training);
  REQUIRE(y.rows() == 8);
  CHECK(y(at(0, 0, 0, 2, 2), 0) == 5);  // max of 0 1 4 5
  CHECK(y(at(0, 1, 0, 2, 2), 0) == 7);  // max of 2 3 6 7
  CHECK(y(at(1, 0, 0, 2, 2), 0) == 13);
  CHECK(y(at(1, 1, 0, 2, 2), 0) == 15);
  CHECK(y(at(0, 0, 1, 2, 2), 0) == 0);  // max of -0 -1 -4 -5
  CHECK(y(at(1, 1, 1, 2, 2), 0) == -10);

  // Each window's gradient lands on its maximum, nowhere else.
  Matrix<double> dy(8, 1);
  dy << 1, 2, 3, 4, 5, 6, 7, 8;
  const Matrix<double>& dx = pool.backward(dy);
  Matrix<double> expected = Matrix<double>::Zero(32, 1);
  expected(at(1, 1, 0, 4, 2), 0) = 1;  // y(0,0,0) came from x(1,1,0)
  expected(at(0, 0, 1, 4, 2), 0) = 2;  // y(0,0,1) from x(0,0,1)
  expected(at(1, 3, 0, 4, 2), 0) = 3;
  expected(at(0, 2, 1, 4, 2), 0) = 4;
  expected(at(3, 1, 0, 4, 2), 0) = 5;
  expected(at(2, 0, 1, 4, 2), 0) = 6;
  expected(at(3, 3, 0, 4, 2), 0) = 7;
  expected(at(2, 2, 1, 4, 2), 0) = 8;
  CHECK(dx == expected);
}

TEST_CASE("MaxPooling2D output shapes: floor, strides, odd sizes", "[max_pooling2d]") {
  CHECK(MaxPooling2D<float>(2).build({26, 26, 32}, 0) == Shape{13, 13, 32});
  CHECK(MaxPooling2D<float>(2).build({11, 11, 64}, 0) == Shape{5, 5, 64});  // the last row is dropped
  CHECK(MaxPooling2D<float>(3, 2).build({7, 9, 1}, 0) == Shape{3, 4, 1});
  CHECK(tinynet_test::config_of(MaxPooling2D<float>(3))["strides"] == 3);
  MaxPooling2D<float> pool(3);
  REQUIRE_THROWS_WITH(pool.build({2, 5, 1}, 0), tinynet_test::contains("got (None, 2, 5, 1)"));
  REQUIRE_THROWS_WITH(pool.build({25}, 0), tinynet_test::contains("expects an image input"));
}

TEST_CASE("MaxPooling2D ties: the first maximum in scan order takes the whole gradient", "[max_pooling2d]") {
  MaxPooling2D<double> pool(2);
  pool.build({2, 2, 3}, 0);
  // Channel 0: all four equal → (0,0). Channel 1: tie between (0,1) and (1,0) → (0,1), the
  // first in row-by-row order. Channel 2: tie between (1,0) and (1,1) → (1,0).
  Matrix<double> x(12, 1);
  const double values[3][4] = {{7, 7, 7, 7}, {1, 5, 5, 2}, {0, -1, 3, 3}};  // (0,0) (0,1) (1,0) (1,1)
  for (Index c = 0; c < 3; ++c)
    for (Index p = 0; p < 4; ++p) x(at(p / 2, p % 2, c, 2, 3), 0) = values[c][p];
  const Matrix<double>& y = pool.forward(x, Mode::training);
  CHECK(y(0, 0) == 7);
  CHECK(y(1, 0) == 5);
  CHECK(y(2, 0) == 3);
  Matrix<double> dy(3, 1);
  dy << 10, 20, 30;
  const Matrix<double>& dx = pool.backward(dy);
  Matrix<double> expected = Matrix<double>::Zero(12, 1);
  expected(at(0, 0, 0, 2, 3), 0) = 10;
  expected(at(0, 1, 1, 2, 3), 0) = 20;
  expected(at(1, 0, 2, 2, 3), 0) = 30;
  CHECK(dx == expected);
  CHECK(dx.sum() == dy.sum());  // one element per window, never split

  // The same rule with a stride smaller than the pool (overlapping windows): a constant image
  // routes every window's gradient to its top-left entry.
  MaxPooling2D<double> overlapping(2, 1);
  overlapping.build({3, 3, 1}, 0);
  overlapping.forward(Matrix<double>::Constant(9, 1, 4.0), Mode::training);
  const Matrix<double>& dx2 = overlapping.backward(Matrix<double>::Ones(4, 1));
  Matrix<double> expected2 = Matrix<double>::Zero(9, 1);
  expected2(0) = expected2(1) = expected2(3) = expected2(4) = 1;
  CHECK(dx2 == expected2);
}

TEST_CASE("MaxPooling2D's 2 × 2 pooling equals the definition, ties and odd sizes included", "[max_pooling2d]") {
  // Pool size 2 with stride 2 runs a forward kernel of its own (and the tiling windows'
  // backward); here both meet the definition written out: an image of odd height and width (a row and a column left
  // uncovered) whose values 0, 1, 2 tie in most windows, so the first maximum must win.
  const Index H = 7, W = 9, C = 5, N = 3, H_out = 3, W_out = 4;
  MaxPooling2D<float> pool(2);
  REQUIRE(pool.build({H, W, C}, 0) == Shape{H_out, W_out, C});
  Matrix<float> x(H * W * C, N);
  for (Index k = 0; k < x.size(); ++k) x.data()[k] = static_cast<float>((k * 7919) % 3);
  Matrix<float> dy(H_out * W_out * C, N);
  for (Index k = 0; k < dy.size(); ++k) dy.data()[k] = static_cast<float>(k + 1);
  Matrix<float> y_expected(dy.rows(), N), dx_expected = Matrix<float>::Zero(x.rows(), N);
  for (Index n = 0; n < N; ++n)
    for (Index oy = 0; oy < H_out; ++oy)
      for (Index ox = 0; ox < W_out; ++ox)
        for (Index c = 0; c < C; ++c) {
          Index best = at(2 * oy, 2 * ox, c, W, C);
          for (Index i = 0; i < 2; ++i)
            for (Index j = 0; j < 2; ++j)
              if (x(at(2 * oy + i, 2 * ox + j, c, W, C), n) > x(best, n)) best = at(2 * oy + i, 2 * ox + j, c, W, C);
          y_expected(at(oy, ox, c, W_out, C), n) = x(best, n);
          dx_expected(best, n) = dy(at(oy, ox, c, W_out, C), n);
        }
  CHECK(pool.forward(x, Mode::training) == y_expected);
  CHECK(pool.backward(dy) == dx_expected);
}

TEST_CASE("MaxPooling2D gradient matches finite differences", "[max_pooling2d][gradient]") {
  // (2, 2) and (3, 3) tile the image, leaving a column (and for 3, two) uncovered; (3, 2) and
  // (2, 1) overlap. Random values are tie-free almost surely; a finite step of 1e-6 cannot change an argmax
  // whose runner-up is further away than that, which random_matrix's doubles are.
  for (const auto& [pool_size, stride] : {std::pair<Index, Index>{2, 2}, {3, 3}, {3, 2}, {2, 1}}) {
    MaxPooling2D<double> pool(pool_size, stride);
    pool.build({6, 5, 3}, 0);
    const auto result = tinynet_test::check_layer_gradients(pool, tinynet_test::random_matrix(90, 3, 17));
    CHECK(result.input_error < 1e-6);
  }
}

TEST_CASE("Flatten changes the shape only", "[flatten]") {
  tinynet::Flatten<double> flatten;
  REQUIRE(flatten.build({3, 2, 4}, 0) == Shape{24});
  const Matrix<double> x = tinynet_test::random_matrix(24, 5, 1);
  CHECK(flatten.forward(x, Mode::training) == x);
  const Matrix<double> dy = tinynet_test::random_matrix(24, 5, 2);
  CHECK(flatten.backward(dy) == dy);
  REQUIRE_THROWS_WITH(flatten.forward(Matrix<double>::Zero(23, 1), Mode::training),
                      tinynet_test::contains("expected 24 (None, 3, 2, 4)"));
  CHECK(flatten.type() == "Flatten");
}
