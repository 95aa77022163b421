// Finite-difference gradient checks, shared by the layer tests.
//
// For a layer y = f(x; θ) we take the scalar loss L = Σ (y ⊙ R) with a fixed random R, so
// that dL/dy = R. The analytic gradients come from backward(R); the numeric ones from the
// central difference
//
//   dL/dv ≈ (L(v + h) − L(v − h)) / 2h        for every single value v of x and of θ
//
// and the two must agree to a relative error (|a − n| / max(|a| + |n|, tiny)) below 1e-6 in
// double precision.
#pragma once

#include <tinynet/layers/layer.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>

namespace tinynet_test {

using tinynet::Matrix;

inline Matrix<double> random_matrix(tinynet::Index rows, tinynet::Index cols, std::uint64_t seed, double lo = -1,
                                    double hi = 1) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  Matrix<double> m(rows, cols);
  for (tinynet::Index j = 0; j < cols; ++j)
    for (tinynet::Index i = 0; i < rows; ++i) m(i, j) = u(rng);
  return m;
}

// max over all entries of |a − n| / max(|a| + |n|, 1e-12)... but entries where both are tiny
// (< 1e-10) count as equal: their relative error is noise.
inline double relative_error(const Matrix<double>& analytic, const Matrix<double>& numeric) {
  double worst = 0;
  for (tinynet::Index i = 0; i < analytic.size(); ++i) {
    const double a = analytic.data()[i], n = numeric.data()[i];
    const double scale = std::abs(a) + std::abs(n);
    if (scale < 1e-10) continue;
    worst = std::max(worst, std::abs(a - n) / scale);
  }
  return worst;
}

// Central differences: entry i of the result is (loss(v + h·e_i) − loss(v − h·e_i)) / 2h, where
// loss() reads v (a parameter or an input) through whatever it captured. v is restored.
template <typename Loss>
Matrix<double> numeric_gradient(Matrix<double>& v, Loss loss, double h = 1e-6) {
  Matrix<double> numeric(v.rows(), v.cols());
  for (tinynet::Index i = 0; i < v.size(); ++i) {
    const double keep = v.data()[i];
    v.data()[i] = keep + h;
    const double up = loss();
    v.data()[i] = keep - h;
    const double down = loss();
    v.data()[i] = keep;
    numeric.data()[i] = (up - down) / (2 * h);
  }
  return numeric;
}

struct GradientCheckResult {
  double input_error = 0;      // worst relative error of dL/dx
  double parameter_error = 0;  // worst over all trainable parameters
  std::string worst_parameter;
};

// Checks backward() of `layer` (already built) at input x in `mode`.
inline GradientCheckResult check_layer_gradients(tinynet::Layer<double>& layer, Matrix<double> x,
                                                 tinynet::Mode mode = tinynet::Mode::training, double h = 1e-6,
                                                 std::uint64_t seed = 7) {
  const Matrix<double> y0 = layer.forward(x, mode);
  const Matrix<double> R = random_matrix(y0.rows(), y0.cols(), seed);
  auto loss = [&] { return layer.forward(x, mode).cwiseProduct(R).sum(); };  // reads x and the parameters

  // Analytic: zero the parameter gradients, one forward and one backward.
  auto params = layer.parameters();
  for (auto& p : params)
    if (p.trainable()) p.gradient->setZero();
  layer.compute_input_gradient = true;
  layer.forward(x, mode);
  const Matrix<double> dx = layer.backward(R);
  std::vector<Matrix<double>> dparams;
  for (auto& p : params)
    if (p.trainable()) dparams.push_back(*p.gradient);

  GradientCheckResult result;
  result.input_error = relative_error(dx, numeric_gradient(x, loss, h));

  std::size_t k = 0;
  for (auto& p : params) {
    if (!p.trainable()) continue;
    const Matrix<double> numeric_p = numeric_gradient(*p.value, loss, h);
    const double err = relative_error(dparams[k++], numeric_p);
    if (err >= result.parameter_error) {
      result.parameter_error = err;
      result.worst_parameter = p.name;
    }
  }
  return result;
}

}  // namespace tinynet_test
