// BatchNormalization: batch statistics in training, moving statistics in inference, the
// moving-average update, per-channel statistics of images, and double-precision gradient checks
// (γ and β included) in both modes, for flat and image inputs; a batch of several blocks of
// samples against the whole-batch formulas on 1 and 2 threads.
#include "catch.hpp"
#include "config_of.hpp"
#include "gradient_check.hpp"

#include <tinynet/layers/batch_normalization.hpp>
#include <tinynet/layers/dense.hpp>
#include <tinynet/sequential.hpp>
#include <tinynet/threads.hpp>

#include <cmath>

using tinynet::BatchNormalization;
using tinynet::Matrix;
using tinynet::Mode;

TEMPLATE_TEST_CASE("BatchNormalization training forward normalises each feature with the biased batch variance",
                   "[batch_normalization]", float, double) {
  using T = TestType;
  BatchNormalization<T> bn;
  bn.build({3}, 0);
  bn.gamma << 2, 1, 0.5;
  bn.beta << 0, -1, 3;
  const Matrix<T> x = tinynet_test::random_matrix(3, 8, 5, -2, 4).cast<T>();
  const Matrix<T> y = bn.forward(x, Mode::training);
  for (tinynet::Index f = 0; f < 3; ++f) {
    double mean = 0, variance = 0;
    for (tinynet::Index n = 0; n < 8; ++n) mean += x(f, n) / 8.0;
    for (tinynet::Index n = 0; n < 8; ++n) variance += (x(f, n) - mean) * (x(f, n) - mean) / 8.0;  // biased
    CHECK(bn.mean(f) == Catch::Approx(mean).epsilon(1e-5));
    CHECK(bn.variance(f) == Catch::Approx(variance).epsilon(1e-5));
    for (tinynet::Index n = 0; n < 8; ++n) {
      const double expected = bn.gamma(f) * (x(f, n) - mean) / std::sqrt(variance + 1e-3) + bn.beta(f);
      CHECK(y(f, n) == Catch::Approx(expected).epsilon(1e-5).margin(1e-5));
    }
  }
}

TEST_CASE("BatchNormalization updates the moving statistics as momentum·moving + (1−momentum)·batch",
          "[batch_normalization]") {
  BatchNormalization<double> bn;  // Keras defaults: momentum 0.99, epsilon 1e-3
  bn.build({2}, 0);
  CHECK(bn.moving_mean == Matrix<double>::Zero(2, 1));
  CHECK(bn.moving_variance == Matrix<double>::Ones(2, 1));
  const Matrix<double> a = tinynet_test::random_matrix(2, 6, 1, 0, 3);
  const Matrix<double> b = tinynet_test::random_matrix(2, 6, 2, -1, 1);
  bn.forward(a, Mode::training);
  const Matrix<double> mean_a = bn.mean, variance_a = bn.variance;
  CHECK((bn.moving_mean - 0.01 * mean_a).cwiseAbs().maxCoeff() < 1e-14);
  CHECK((bn.moving_variance - (0.99 * Matrix<double>::Ones(2, 1) + 0.01 * variance_a)).cwiseAbs().maxCoeff() < 1e-14);
  bn.forward(b, Mode::training);
  const Matrix<double> expected_mean = 0.99 * (0.01 * mean_a) + 0.01 * bn.mean;
  const Matrix<double> expected_variance =
      0.99 * (0.99 * Matrix<double>::Ones(2, 1) + 0.01 * variance_a) + 0.01 * bn.variance;
  CHECK((bn.moving_mean - expected_mean).cwiseAbs().maxCoeff() < 1e-14);
  CHECK((bn.moving_variance - expected_variance).cwiseAbs().maxCoeff() < 1e-14);

  // The variance used is the biased one: 1/m Σ (x − μ)².
  const double m0 = a.row(0).mean();
  CHECK(variance_a(0) == Catch::Approx((a.row(0).array() - m0).square().sum() / 6.0));

  // A custom momentum.
  BatchNormalization<double> fast({.momentum = 0.5});
  fast.build({2}, 0);
  fast.forward(a, Mode::training);
  CHECK((fast.moving_mean - 0.5 * mean_a).cwiseAbs().maxCoeff() < 1e-14);
}

TEST_CASE("BatchNormalization inference uses the moving statistics and leaves them unchanged",
          "[batch_normalization]") {
  BatchNormalization<double> bn;
  bn.build({2}, 0);
  bn.moving_mean << 1, -2;
  bn.moving_variance << 4, 0.25;
  bn.gamma << 3, 1;
  bn.beta << 0.5, 0;
  Matrix<double> x(2, 3);
  x << 1, 3, 5, -2, 0, 1;
  const Matrix<double> y = bn.forward(x, Mode::inference);
  for (tinynet::Index n = 0; n < 3; ++n) {
    CHECK(y(0, n) == Catch::Approx(3 * (x(0, n) - 1) / std::sqrt(4 + 1e-3) + 0.5));
    CHECK(y(1, n) == Catch::Approx((x(1, n) + 2) / std::sqrt(0.25 + 1e-3)));
  }
  CHECK(bn.moving_mean(0) == 1);
  CHECK(bn.moving_variance(1) == 0.25);
  // A single sample works in inference (no batch statistics needed).
  CHECK(bn.forward(x.col(0), Mode::inference)(0, 0) == Catch::Approx(y(0, 0)));
}

TEST_CASE("BatchNormalization computes per-channel statistics of images over N·H·W", "[batch_normalization]") {
  const tinynet::Index H = 3, W = 2, C = 4, N = 5;
  BatchNormalization<double> bn;
  REQUIRE(bn.build({H, W, C}, 0) == tinynet::Shape{H, W, C});
  REQUIRE(bn.gamma.rows() == C);
  const Matrix<double> x = tinynet_test::random_matrix(H * W * C, N, 9, -3, 5);
  const Matrix<double> y = bn.forward(x, Mode::training);
  for (tinynet::Index c = 0; c < C; ++c) {
    // Channel c of pixel p of sample n sits at row p·C + c (channels-last, channel fastest).
    double sum = 0, squares = 0;
    for (tinynet::Index n = 0; n < N; ++n)
      for (tinynet::Index p = 0; p < H * W; ++p) sum += x(p * C + c, n);
    const double mean = sum / (N * H * W);
    for (tinynet::Index n = 0; n < N; ++n)
      for (tinynet::Index p = 0; p < H * W; ++p) squares += (x(p * C + c, n) - mean) * (x(p * C + c, n) - mean);
    const double variance = squares / (N * H * W);
    CHECK(bn.mean(c) == Catch::Approx(mean));
    CHECK(bn.variance(c) == Catch::Approx(variance));
    for (tinynet::Index n = 0; n < N; ++n)
      for (tinynet::Index p = 0; p < H * W; ++p)
        CHECK(y(p * C + c, n) == Catch::Approx((x(p * C + c, n) - mean) / std::sqrt(variance + 1e-3)).margin(1e-12));
  }
}

TEST_CASE("BatchNormalization training-mode gradients match finite differences (flat input)",
          "[batch_normalization][gradient]") {
  BatchNormalization<double> bn;
  bn.build({4}, 0);
  bn.gamma = tinynet_test::random_matrix(4, 1, 3, 0.5, 2);
  bn.beta = tinynet_test::random_matrix(4, 1, 4);
  const auto result = tinynet_test::check_layer_gradients(bn, tinynet_test::random_matrix(4, 6, 2, -2, 2));
  CHECK(result.input_error < 1e-6);
  CHECK(result.parameter_error < 1e-6);
}

TEST_CASE("BatchNormalization training-mode gradients match finite differences (image input)",
          "[batch_normalization][gradient]") {
  BatchNormalization<double> bn;
  bn.build({2, 3, 3}, 0);
  bn.gamma = tinynet_test::random_matrix(3, 1, 13, 0.5, 2);
  bn.beta = tinynet_test::random_matrix(3, 1, 14);
  const auto result = tinynet_test::check_layer_gradients(bn, tinynet_test::random_matrix(2 * 3 * 3, 3, 12, -2, 2));
  CHECK(result.input_error < 1e-6);
  CHECK(result.parameter_error < 1e-6);
}

TEST_CASE("BatchNormalization inference-mode gradients match finite differences", "[batch_normalization][gradient]") {
  BatchNormalization<double> bn;
  bn.build({2, 2, 3}, 0);
  bn.gamma = tinynet_test::random_matrix(3, 1, 23, 0.5, 2);
  bn.beta = tinynet_test::random_matrix(3, 1, 24);
  bn.moving_mean = tinynet_test::random_matrix(3, 1, 25);
  bn.moving_variance = tinynet_test::random_matrix(3, 1, 26, 0.5, 2);
  const auto result = tinynet_test::check_layer_gradients(bn, tinynet_test::random_matrix(12, 4, 22), Mode::inference);
  CHECK(result.input_error < 1e-6);
  CHECK(result.parameter_error < 1e-6);
}

TEST_CASE("BatchNormalization input gradient sums to zero per channel and γ, β gradients accumulate",
          "[batch_normalization]") {
  BatchNormalization<double> bn;
  bn.build({3}, 0);
  const Matrix<double> x = tinynet_test::random_matrix(3, 7, 31);
  const Matrix<double> dy = tinynet_test::random_matrix(3, 7, 32);
  bn.forward(x, Mode::training);
  const Matrix<double> dx = bn.backward(dy);
  // μ absorbs any shift of the whole channel, so Σ_k dx_k = 0.
  CHECK(dx.rowwise().sum().cwiseAbs().maxCoeff() < 1e-12);
  const Matrix<double> dgamma = bn.dgamma, dbeta = bn.dbeta;
  CHECK((dbeta - dy.rowwise().sum()).cwiseAbs().maxCoeff() < 1e-12);
  bn.backward(dy);
  CHECK((bn.dgamma - 2 * dgamma).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((bn.dbeta - 2 * dbeta).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("BatchNormalization exposes γ, β as trainable and the moving statistics as non-trainable",
          "[batch_normalization]") {
  BatchNormalization<float> bn({.momentum = 0.9, .epsilon = 1e-5});
  bn.build({28, 28, 16}, 0);
  auto params = bn.parameters();
  REQUIRE(params.size() == 4);
  CHECK(params[0].name == "gamma");
  CHECK(params[1].name == "beta");
  CHECK(params[2].name == "moving_mean");
  CHECK(params[3].name == "moving_variance");
  CHECK(params[0].trainable());
  CHECK(params[1].trainable());
  CHECK_FALSE(params[2].trainable());
  CHECK_FALSE(params[3].trainable());
  for (const auto& p : params) CHECK(p.value->size() == 16);
  CHECK(bn.type() == "BatchNormalization");
  CHECK(tinynet_test::config_of(bn)["momentum"].get<double>() == Catch::Approx(0.9));
  CHECK(tinynet_test::config_of(bn)["epsilon"].get<double>() == Catch::Approx(1e-5));
  CHECK(tinynet_test::config_of(bn)["axis"].get<int>() == -1);

  tinynet::Sequential<float> model({10});
  model.add<tinynet::Dense>(6).add<BatchNormalization>();
  CHECK(model.count_parameters(true) == 10 * 6 + 6 + 2 * 6);
  CHECK(model.count_parameters(false) == 2 * 6);
}

TEST_CASE("BatchNormalization rejects bad use", "[batch_normalization]") {
  REQUIRE_THROWS_WITH(BatchNormalization<float>({.momentum = 1.5}), tinynet_test::contains("momentum"));
  REQUIRE_THROWS_WITH(BatchNormalization<float>({.epsilon = 0}), tinynet_test::contains("epsilon"));
  BatchNormalization<float> bn;
  bn.build({4}, 0);
  REQUIRE_THROWS_WITH(bn.backward(Matrix<float>::Zero(4, 2)), tinynet_test::contains("before forward"));
  REQUIRE_THROWS_WITH(bn.forward(Matrix<float>::Zero(5, 2), Mode::training),
                      tinynet_test::contains("input has 5 features per sample, expected 4"));
  bn.forward(Matrix<float>::Ones(4, 2), Mode::training);
  REQUIRE_THROWS_WITH(bn.backward(Matrix<float>::Zero(4, 3)), tinynet_test::contains("expected 4×2"));
}

TEST_CASE("BatchNormalization over several blocks of samples equals the whole-batch formulas, on 1 and 2 threads",
          "[batch_normalization]") {
  // 8×8×16 images are 1,024 values each, so the layer's passes cut a batch of 150 into blocks
  // of 64 samples (64, 64, 22), whose partial sums it adds: every statistic, output and gradient
  // must still be the formula over the whole batch, viewed as (C × m) with one channel per row,
  // and the same to the last bit on 1 and 2 threads.
  const tinynet::Index C = 16, N = 150, features = 8 * 8 * C, m = N * 8 * 8;
  REQUIRE(tinynet::detail::column_block_size(features) * 2 < N);
  const Matrix<double> x = tinynet_test::random_matrix(features, N, 41, -3, 5);
  const Matrix<double> dy = tinynet_test::random_matrix(features, N, 42);
  const Eigen::Map<const Matrix<double>> xv(x.data(), C, m), dyv(dy.data(), C, m);
  const Matrix<double> mean = xv.rowwise().mean();
  const Matrix<double> centred = xv.colwise() - mean.col(0);
  const Matrix<double> variance = centred.cwiseAbs2().rowwise().mean();
  const Matrix<double> inv_std = (variance.array() + 1e-3).rsqrt().matrix();
  const Matrix<double> gamma = tinynet_test::random_matrix(C, 1, 43, 0.5, 2),
                       beta = tinynet_test::random_matrix(C, 1, 44);
  const Matrix<double> x_hat = centred.array().colwise() * inv_std.col(0).array();
  const Matrix<double> y = (x_hat.array().colwise() * gamma.col(0).array()).colwise() + beta.col(0).array();
  const Matrix<double> sum_dy = dyv.rowwise().sum(), sum_dy_x_hat = dyv.cwiseProduct(x_hat).rowwise().sum();
  Matrix<double> dx =
      (dyv.colwise() - sum_dy.col(0) / m).array() - x_hat.array().colwise() * (sum_dy_x_hat.col(0) / m).array();
  dx = dx.array().colwise() * (gamma.col(0).array() * inv_std.col(0).array());

  const int threads_before = tinynet::num_threads();
  Matrix<double> y_one_thread, dx_one_thread;
  for (int threads : {1, 2}) {
    INFO("threads " << threads);
    tinynet::set_num_threads(threads);
    BatchNormalization<double> bn;
    bn.build({8, 8, C}, 0);
    bn.gamma = gamma;
    bn.beta = beta;
    const Matrix<double> out = bn.forward(x, Mode::training);
    CHECK((bn.mean - mean).cwiseAbs().maxCoeff() < 1e-12);
    CHECK((bn.variance - variance).cwiseAbs().maxCoeff() < 1e-12);
    CHECK((Eigen::Map<const Matrix<double>>(out.data(), C, m) - y).cwiseAbs().maxCoeff() < 1e-12);
    const Matrix<double> grad = bn.backward(dy);
    CHECK((bn.dbeta - sum_dy).cwiseAbs().maxCoeff() < 1e-10);
    CHECK((bn.dgamma - sum_dy_x_hat).cwiseAbs().maxCoeff() < 1e-10);
    CHECK((Eigen::Map<const Matrix<double>>(grad.data(), C, m) - dx).cwiseAbs().maxCoeff() < 1e-12);
    if (threads == 1) {
      y_one_thread = out;
      dx_one_thread = grad;
    } else {
      CHECK(out == y_one_thread);
      CHECK(grad == dx_one_thread);
    }
  }
  tinynet::set_num_threads(threads_before);
}
