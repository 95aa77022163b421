// Image augmentation: a single bright pixel shows where the shift and flip moved the image.
#include "catch.hpp"

#include <tinynet/data/augment.hpp>
#include <tinynet/random.hpp>

#include <functional>
#include <set>

using tinynet::Index;
using tinynet::Matrix;
using tinynet::data::RandomShiftAndFlip;

namespace {
// The draws RandomShiftAndFlip makes for one image, in its documented order.
struct Draw {
  Index dy, dx;
  bool flip;
};
Draw draw(tinynet::Random& random, Index max_shift, bool horizontal_flip) {
  Draw d{};
  d.dy = random.integer(-max_shift, max_shift);
  d.dx = random.integer(-max_shift, max_shift);
  d.flip = horizontal_flip && random.bernoulli(0.5);
  return d;
}
}  // namespace

TEST_CASE("RandomShiftAndFlip moves a pixel by the drawn offset and mirrors it", "[augment]") {
  const Index H = 7, W = 6, C = 2;
  const RandomShiftAndFlip augment{.image_shape = {H, W, C}, .max_shift = 2, .horizontal_flip = true};
  // Every image: one bright pixel at (3, 2), channel 1, placed so that no shift or flip pushes it out.
  const Index N = 200, i0 = 3, j0 = 2;
  Matrix<float> batch = Matrix<float>::Zero(H * W * C, N);
  batch.row((i0 * W + j0) * C + 1).setOnes();
  tinynet::Random rng(5), replay(5);
  augment(batch, rng);

  std::set<Index> shifts;
  int flips = 0;
  for (Index n = 0; n < N; ++n) {
    const Draw d = draw(replay, 2, true);
    const Index i = i0 + d.dy, j = (d.flip ? W - 1 - j0 : j0) + d.dx;
    INFO("image " << n << ": dy " << d.dy << " dx " << d.dx << " flip " << d.flip);
    REQUIRE(batch.col(n).sum() == 1);  // zero filled: nothing else is lit
    REQUIRE(batch((i * W + j) * C + 1, n) == 1);
    shifts.insert(d.dy);
    shifts.insert(d.dx);
    flips += d.flip;
  }
  CHECK(shifts == std::set<Index>{-2, -1, 0, 1, 2});  // every offset is drawn
  CHECK(flips > 70);
  CHECK(flips < 130);
}

TEST_CASE("RandomShiftAndFlip mirrors rows and fills with zeros", "[augment]") {
  // A 2×4 image, one channel, row-major values 1..8; no shift, so only the flip can act.
  const RandomShiftAndFlip flip_only{.image_shape = {2, 4, 1}, .max_shift = 0, .horizontal_flip = true};
  Matrix<double> batch(8, 64);
  for (Index n = 0; n < 64; ++n)
    for (Index v = 0; v < 8; ++v) batch(v, n) = static_cast<double>(v + 1);
  tinynet::Random rng(1);
  flip_only(batch, rng);
  Eigen::VectorXd original(8), mirrored(8);
  original << 1, 2, 3, 4, 5, 6, 7, 8;
  mirrored << 4, 3, 2, 1, 8, 7, 6, 5;
  int flipped = 0;
  for (Index n = 0; n < 64; ++n) {
    const bool is_flipped = batch.col(n) == mirrored;
    CHECK((is_flipped || batch.col(n) == original));
    flipped += is_flipped;
  }
  CHECK(flipped > 10);
  CHECK(flipped < 54);

  // Shifted by the largest offset, a 2×4 image keeps what stays inside and zeros the rest.
  const RandomShiftAndFlip shift_only{.image_shape = {2, 4, 1}, .max_shift = 1, .horizontal_flip = false};
  Matrix<double> one(8, 1);
  one << 1, 2, 3, 4, 5, 6, 7, 8;
  tinynet::Random a(3), b(3);
  shift_only(one, a);
  const Draw d = draw(b, 1, false);
  for (Index i = 0; i < 2; ++i)
    for (Index j = 0; j < 4; ++j) {
      const Index si = i - d.dy, sj = j - d.dx;
      const double expected = (si < 0 || si >= 2 || sj < 0 || sj >= 4) ? 0.0 : static_cast<double>(si * 4 + sj + 1);
      CHECK(one(i * 4 + j) == expected);
    }
}

TEST_CASE("RandomShiftAndFlip is reproducible with a seed and checks its shape", "[augment]") {
  const RandomShiftAndFlip augment{.image_shape = {28, 28, 1}, .max_shift = 3, .horizontal_flip = true};
  const Matrix<float> images = Matrix<float>::Random(784, 16);
  Matrix<float> a = images, b = images, c = images;
  tinynet::Random ra(42), rb(42), rc(43);
  augment(a, ra);
  augment(b, rb);
  augment(c, rc);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a != images);

  Matrix<float> wrong = Matrix<float>::Zero(100, 2);
  REQUIRE_THROWS_WITH(augment(wrong, ra), tinynet_test::contains("has 784"));
  const RandomShiftAndFlip flat{.image_shape = {784}};
  REQUIRE_THROWS_WITH(flat(a, ra), tinynet_test::contains("(height, width, channels)"));
}

TEST_CASE("RandomShiftAndFlip plugs into FitOptions::augment", "[augment]") {
  std::function<void(Matrix<float>&, tinynet::Random&)> hook =
      RandomShiftAndFlip{.image_shape = {4, 4, 1}, .max_shift = 1};
  Matrix<float> batch = Matrix<float>::Ones(16, 3);
  tinynet::Random rng(0);
  hook(batch, rng);
  CHECK(batch.sum() <= 48);
}
