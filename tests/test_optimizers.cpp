// One or two optimizer steps on known values, against numbers worked out by hand from the
// published (Keras) update rules. The parameter is w = (1, −2) with gradient g = (0.5, −0.25).
#include "catch.hpp"

#include <tinynet/optimizers/adam.hpp>
#include <tinynet/optimizers/rmsprop.hpp>
#include <tinynet/optimizers/sgd.hpp>

#include <cmath>

using tinynet::Matrix;
using tinynet::Parameter;

namespace {
struct OneParameter {
  Matrix<double> w{2, 1}, g{2, 1};
  std::vector<Parameter<double>> params;
  OneParameter() {
    w << 1.0, -2.0;
    g << 0.5, -0.25;
    params = {{"w", &w, &g, {}}};
  }
};
constexpr double tight = 1e-12;
}  // namespace

TEST_CASE("SGD: w ← w − lr·g", "[optimizer][sgd]") {
  OneParameter p;
  tinynet::RuleOptimizer<double, tinynet::SGD> sgd({.learning_rate = 0.1});
  sgd.step(p.params);
  CHECK(p.w(0) == Catch::Approx(0.95).margin(tight));    // 1 − 0.1·0.5
  CHECK(p.w(1) == Catch::Approx(-1.975).margin(tight));  // −2 + 0.1·0.25
}

TEST_CASE("SGD with momentum: v ← μv − lr·g, then w ← w + v", "[optimizer][sgd]") {
  OneParameter p;
  tinynet::RuleOptimizer<double, tinynet::SGD> sgd({.learning_rate = 0.1, .momentum = 0.9});
  sgd.step(p.params);  // v = (−0.05, 0.025)          w = (0.95, −1.975)
  CHECK(p.w(0) == Catch::Approx(0.95).margin(tight));
  sgd.step(p.params);  // v = 0.9·v − 0.1·g = (−0.095, 0.0475)   w = (0.855, −1.9275)
  CHECK(p.w(0) == Catch::Approx(0.855).margin(tight));
  CHECK(p.w(1) == Catch::Approx(-1.9275).margin(tight));
  CHECK(sgd.iterations == 2);
}

TEST_CASE("SGD with Nesterov momentum: w ← w + μv − lr·g", "[optimizer][sgd]") {
  OneParameter p;
  tinynet::RuleOptimizer<double, tinynet::SGD> sgd({.learning_rate = 0.1, .momentum = 0.9, .nesterov = true});
  sgd.step(p.params);  // v = (−0.05, 0.025); w += 0.9·v − 0.1·g = (−0.095, 0.0475)
  CHECK(p.w(0) == Catch::Approx(0.905).margin(tight));
  CHECK(p.w(1) == Catch::Approx(-1.9525).margin(tight));
  sgd.step(p.params);  // v = (−0.095, 0.0475); w += 0.9·v − 0.1·g = (−0.1355, 0.06775)
  CHECK(p.w(0) == Catch::Approx(0.7695).margin(tight));
  CHECK(p.w(1) == Catch::Approx(-1.88475).margin(tight));
}

TEST_CASE("Adam: Keras's update with bias correction", "[optimizer][adam]") {
  OneParameter p;
  tinynet::RuleOptimizer<double, tinynet::Adam> adam;  // lr 1e-3, β1 0.9, β2 0.999, ε 1e-7
  adam.step(p.params);
  // m = 0.1·g = (0.05, −0.025); v = 0.001·g² = (2.5e-4, 6.25e-5)
  // lr_t = 1e-3·√(1 − 0.999)/(1 − 0.9) = 3.16227766e-4
  // w0 −= lr_t·0.05/(√2.5e-4 + 1e-7) = 3.16227766e-4·0.05/0.0158114883 = 9.99993675e-4
  CHECK(p.w(0) == Catch::Approx(1 - 9.99993675e-4).margin(1e-11));
  // w1 += lr_t·0.025/(√6.25e-5 + 1e-7) = 3.16227766e-4·0.025/0.00790579425 = 9.99987351e-4
  CHECK(p.w(1) == Catch::Approx(-2 + 9.99987351e-4).margin(1e-11));
  CHECK(adam.iterations == 1);
}

TEST_CASE("Adam counts one step per step, not one per tensor", "[optimizer][adam]") {
  // Two tensors with the same value and gradient must receive the same update at every step;
  // a counter advanced per tensor would give the second tensor a different bias correction.
  Matrix<double> a(1, 1), b(1, 1), ga(1, 1), gb(1, 1);
  a << 1.0;
  b << 1.0;
  ga << 0.3;
  gb << 0.3;
  std::vector<Parameter<double>> params{{"a", &a, &ga, {}}, {"b", &b, &gb, {}}};
  tinynet::RuleOptimizer<double, tinynet::Adam> adam;
  double m = 0, v = 0, w = 1;  // scalar reference of the rule
  for (int t = 1; t <= 3; ++t) {
    adam.step(params);
    m = 0.9 * m + 0.1 * 0.3;
    v = 0.999 * v + 0.001 * 0.09;
    w -= 1e-3 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t)) * m / (std::sqrt(v) + 1e-7);
    CHECK(a(0) == Catch::Approx(w).margin(1e-14));
    CHECK(b(0) == Catch::Approx(w).margin(1e-14));
  }
  CHECK(adam.iterations == 3);
}

TEST_CASE("RMSprop: v ← ρv + (1−ρ)g², then w ← w − lr·g/√(v+ε)", "[optimizer][rmsprop]") {
  OneParameter p;
  tinynet::RuleOptimizer<double, tinynet::RMSprop> rmsprop;  // lr 1e-3, ρ 0.9, ε 1e-7
  rmsprop.step(p.params);
  // v = 0.1·g² = (0.025, 0.00625); w0 −= 1e-3·0.5/√0.0250001 = 3.16227134e-3
  CHECK(p.w(0) == Catch::Approx(1 - 3.16227134e-3).margin(1e-11));
  // w1 += 1e-3·0.25/√0.0062501 = 3.16225236e-3
  CHECK(p.w(1) == Catch::Approx(-2 + 3.16225236e-3).margin(1e-11));
}

TEST_CASE("Optimizers skip non-trainable state and reject a changed parameter list", "[optimizer]") {
  Matrix<double> w(1, 1), g(1, 1), stat(1, 1);
  w << 1;
  g << 1;
  stat << 5;
  std::vector<Parameter<double>> params{{"w", &w, &g, {}}, {"moving_mean", &stat, nullptr, {}}};
  tinynet::RuleOptimizer<double, tinynet::SGD> sgd({.learning_rate = 0.5});
  sgd.step(params);
  CHECK(w(0) == 0.5);
  CHECK(stat(0) == 5);
  params.pop_back();
  REQUIRE_THROWS_WITH(sgd.step(params), tinynet_test::contains("built for 2 parameters, called with 1"));
}
