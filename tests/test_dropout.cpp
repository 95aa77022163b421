// Dropout: the drop rate, the 1/(1 − rate) scaling, the mask shared by forward and backward,
// inference pass-through and seeded reproducibility.
#include "catch.hpp"
#include "config_of.hpp"
#include "gradient_check.hpp"

#include <tinynet/layers/dropout.hpp>

#include <cmath>

using tinynet::Dropout;
using tinynet::Matrix;
using tinynet::Mode;

TEMPLATE_TEST_CASE("Dropout drops a fraction rate of the values and scales the rest by 1/(1 − rate)", "[dropout]",
                   float, double) {
  using T = TestType;
  const double rate = 0.3;
  Dropout<T> dropout(rate);
  dropout.build({200}, 17);
  const Matrix<T> x = Matrix<T>::Constant(200, 500, T(2));
  const Matrix<T>& y = dropout.forward(x, Mode::training);
  const double n = static_cast<double>(x.size());
  const double dropped = static_cast<double>((y.array() == T(0)).count());
  // The number dropped is Binomial(n, rate): allow 5 standard deviations.
  const double tolerance = 5 * std::sqrt(rate * (1 - rate) / n);
  CHECK(std::abs(dropped / n - rate) < tolerance);
  // Every kept value is x / (1 − rate).
  const T kept_value = static_cast<T>(2 / (1 - rate));
  CHECK(((y.array() == T(0)) || ((y.array() - kept_value).abs() < T(1e-6))).all());
  // So the mean is preserved (within the same binomial tolerance, scaled).
  CHECK(std::abs(static_cast<double>(y.mean()) - 2.0) < 2.0 / (1 - rate) * tolerance);
}

TEST_CASE("Dropout backward multiplies dy by the forward's mask", "[dropout]") {
  Dropout<double> dropout(0.5);
  dropout.build({6}, 3);
  const Matrix<double> x = tinynet_test::random_matrix(6, 40, 1, 0.5, 1.5);  // never 0
  const Matrix<double> y = dropout.forward(x, Mode::training);
  const Matrix<double> dy = tinynet_test::random_matrix(6, 40, 2);
  const Matrix<double> dx = dropout.backward(dy);
  for (tinynet::Index i = 0; i < x.size(); ++i) {
    const bool kept = y.data()[i] != 0;
    CHECK(dx.data()[i] == (kept ? dy.data()[i] * 2.0 : 0.0));
    CHECK(y.data()[i] == (kept ? x.data()[i] * 2.0 : 0.0));
  }
  CHECK(dx == dy.cwiseProduct(dropout.mask()));
  // y is linear in x for a fixed mask, so y = x ⊙ M and dx = dy ⊙ M are the whole story.
  CHECK((y - x.cwiseProduct(dropout.mask())).cwiseAbs().maxCoeff() == 0);
}

TEST_CASE("Dropout passes values through unchanged in inference", "[dropout]") {
  Dropout<float> dropout(0.9);
  dropout.build({5}, 3);
  const Matrix<float> x = tinynet_test::random_matrix(5, 7, 4).cast<float>();
  CHECK(dropout.forward(x, Mode::inference) == x);
  const Matrix<float> dy = tinynet_test::random_matrix(5, 7, 5).cast<float>();
  CHECK(dropout.backward(dy) == dy);
  // rate 0 is the identity in training too.
  Dropout<float> none(0.0);
  none.build({5}, 3);
  CHECK(none.forward(x, Mode::training) == x);
}

TEST_CASE("Dropout masks are reproducible from the seed", "[dropout]") {
  const Matrix<double> x = Matrix<double>::Ones(10, 30);
  Dropout<double> a(0.4), b(0.4), c(0.4);
  a.build({10}, 7);
  b.build({10}, 7);
  c.build({10}, 8);
  const Matrix<double> ya1 = a.forward(x, Mode::training), ya2 = a.forward(x, Mode::training);
  const Matrix<double> yb1 = b.forward(x, Mode::training), yb2 = b.forward(x, Mode::training);
  CHECK(ya1 == yb1);  // same seed: same sequence of masks
  CHECK(ya2 == yb2);
  CHECK(ya1 != ya2);  // a new mask every batch
  CHECK(c.forward(x, Mode::training) != ya1);
  // A seed given to the constructor wins over the model's seed.
  Dropout<double> d(0.4, 99), e(0.4, 99);
  d.build({10}, 1);
  e.build({10}, 2);
  CHECK(d.forward(x, Mode::training) == e.forward(x, Mode::training));
  CHECK(tinynet_test::config_of(d)["seed"].get<std::uint64_t>() == 99);
  CHECK(tinynet_test::config_of(a)["seed"].is_null());
  CHECK(tinynet_test::config_of(a)["rate"].get<double>() == Catch::Approx(0.4));
  CHECK(a.type() == "Dropout");
}

TEST_CASE("Dropout rejects a rate outside 0 ≤ rate < 1 and backward before forward", "[dropout]") {
  REQUIRE_THROWS_WITH(Dropout<float>(1.0), tinynet_test::contains("rate must be in [0, 1)"));
  REQUIRE_THROWS_WITH(Dropout<float>(-0.1), tinynet_test::contains("rate must be in [0, 1)"));
  Dropout<float> dropout(0.2);
  dropout.build({3}, 0);
  REQUIRE_THROWS_WITH(dropout.backward(Matrix<float>::Zero(3, 2)), tinynet_test::contains("before forward"));
}
