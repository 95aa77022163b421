// Batch normalization (Ioffe & Szegedy, 2015), with Keras's semantics and defaults
// (axis −1, momentum 0.99, epsilon 1e-3, γ = 1, β = 0, moving mean 0, moving variance 1).
//
// The statistics are per feature of the last axis: per feature of a flat input (features),
// per channel of an image (H, W, C). For channel c, let x_1 … x_m be the m values it takes in
// the batch: m = N for a flat input, m = N·H·W for images. Because images are stored
// channels-last, the batch (H·W·C × N) viewed as a (C × H·W·N) matrix has one channel per
// row, so every statistic below is a row-wise reduction over that view.
//
// Forward, training (batch statistics):
//
//   μ   = (1/m) Σ_k x_k                       batch mean                      (C × 1)
//   σ²  = (1/m) Σ_k (x_k − μ)²                biased batch variance (Keras's ops.moments)
//   s   = 1 / √(σ² + ε)                       inverse standard deviation      (C × 1)
//   x̂_k = (x_k − μ) · s                       normalised input
//   y_k = γ · x̂_k + β                         γ, β: (C × 1)
//
// and the running statistics used at inference move towards the batch's:
//
//   moving_mean     ← momentum · moving_mean     + (1 − momentum) · μ
//   moving_variance ← momentum · moving_variance + (1 − momentum) · σ²
//
// Forward, inference: the same with μ = moving_mean and σ² = moving_variance, constants.
//
// Backward, given dy_k = dL/dy_k:
//
//   dβ   = Σ_k dy_k
//   dγ   = Σ_k dy_k · x̂_k
//   dx̂_k = γ · dy_k
//
// Inference: μ and s are constants, so dx_k = γ · s · dy_k.
//
// Training: x_k moves x̂_j directly, and through μ and σ², which depend on every x:
//
//   ∂μ/∂x_k  = 1/m
//   ∂σ²/∂x_k = (2/m)(x_k − μ)                 (the term −(2/m) Σ_j (x_j − μ) is 0)
//   ∂s/∂x_k  = −½ s³ · ∂σ²/∂x_k = −s² · x̂_k / m
//   ∂x̂_j/∂x_k = s (δ_jk − 1/m) + (x_j − μ) ∂s/∂x_k = s (δ_jk − 1/m − x̂_j x̂_k / m)
//
// so dx_k = Σ_j dx̂_j ∂x̂_j/∂x_k gives the compact formula
//
//   dx_k = s · (dx̂_k − (1/m) Σ_j dx̂_j − x̂_k · (1/m) Σ_j dx̂_j x̂_j)
//        = γ · s · (dy_k − dβ/m − x̂_k · dγ/m)
//
// (dβ and dγ here are this batch's sums, before they accumulate into the gradients).
// Training-mode output does not depend on the moving statistics.
#pragma once

#include <tinynet/layers/layer.hpp>

#include <cmath>

namespace tinynet {

struct BatchNormalizationOptions {
  double momentum = 0.99;
  double epsilon = 1e-3;
};

template <typename T>
class BatchNormalization : public Layer<T> {
 public:
  using Options = BatchNormalizationOptions;

  explicit BatchNormalization(BatchNormalizationOptions options = {}) : options_(options) {
    if (!(options.momentum >= 0 && options.momentum <= 1))
      throw std::invalid_argument("BatchNormalization: momentum must be in [0, 1], got " +
                                  std::to_string(options.momentum));
    if (!(options.epsilon > 0 && std::isfinite(options.epsilon)))
      throw std::invalid_argument("BatchNormalization: epsilon must be finite and positive, got " +
                                  std::to_string(options.epsilon));
  }

  std::string type() const override { return "BatchNormalization"; }

  Shape build(const Shape& input_shape, std::uint64_t) override {
    channels_ = channel_count(input_shape);
    gamma = Matrix<T>::Ones(channels_, 1);
    beta = Matrix<T>::Zero(channels_, 1);
    moving_mean = Matrix<T>::Zero(channels_, 1);
    moving_variance = Matrix<T>::Ones(channels_, 1);
    dgamma = Matrix<T>::Zero(channels_, 1);
    dbeta = Matrix<T>::Zero(channels_, 1);
    this->input_shape_ = this->output_shape_ = input_shape;
    return input_shape;
  }

  const Matrix<T>& forward(const MatrixRef<T>& x, Mode mode) override {
    this->check_forward(x);
    mode_ = mode;
    const Index m = x.size() / channels_;  // values per channel
    if (mode == Mode::training && m == 0)
      throw std::invalid_argument("BatchNormalization::forward: a training batch needs at least one sample");
    const ConstChannels xv(x.data(), channels_, m);  // (C × m) view of x
    X_hat.resize(x.rows(), x.cols());
    Y.resize(x.rows(), x.cols());
    Channels x_hat(X_hat.data(), channels_, m), y(Y.data(), channels_, m);

    if (mode == Mode::training) {
      mean = xv.rowwise().mean();                     // μ = (1/m) Σ x
      x_hat = xv.colwise() - mean.col(0);             // x − μ
      variance = x_hat.cwiseAbs2().rowwise().mean();  // σ² = (1/m) Σ (x − μ)²
      const T momentum = static_cast<T>(options_.momentum);
      moving_mean = momentum * moving_mean + (T(1) - momentum) * mean;
      moving_variance = momentum * moving_variance + (T(1) - momentum) * variance;
      inv_std = (variance.array() + static_cast<T>(options_.epsilon)).rsqrt();  // s = 1/√(σ² + ε)
    } else {
      x_hat = xv.colwise() - moving_mean.col(0);  // x − moving_mean
      inv_std = (moving_variance.array() + static_cast<T>(options_.epsilon)).rsqrt();
    }
    x_hat.array().colwise() *= inv_std.col(0).array();           // x̂ = (x − μ) · s
    y.array() = x_hat.array().colwise() * gamma.col(0).array();  // y = γ · x̂
    y.colwise() += beta.col(0);                                  //   + β
    return Y;
  }

  const Matrix<T>& backward(const Matrix<T>& dy) override {
    this->check_backward(Y, dy);
    const Index m = dy.size() / channels_;
    const ConstChannels dyv(dy.data(), channels_, m), x_hat(X_hat.data(), channels_, m);
    sum_dy = dyv.rowwise().sum();                            // this batch's dβ = Σ dy
    sum_dy_x_hat = dyv.cwiseProduct(x_hat).rowwise().sum();  // this batch's dγ = Σ dy · x̂
    dbeta += sum_dy;
    dgamma += sum_dy_x_hat;
    if (!this->compute_input_gradient) return dX;

    dX.resize(dy.rows(), dy.cols());
    Channels dx(dX.data(), channels_, m);
    if (mode_ == Mode::training) {
      const T inv_m = T(1) / static_cast<T>(m);
      dx = dyv.colwise() - inv_m * sum_dy.col(0);                                     // dy − dβ/m
      dx.array() -= x_hat.array().colwise() * (inv_m * sum_dy_x_hat.col(0)).array();  // − x̂ · dγ/m
    } else {
      dx = dyv;  // constants μ, s: dx = γ · s · dy
    }
    dx.array().colwise() *= (gamma.col(0).array() * inv_std.col(0).array());  // × γ · s
    return dX;
  }

  std::vector<Parameter<T>> parameters() override {
    return {{"gamma", &gamma, &dgamma, {}},
            {"beta", &beta, &dbeta, {}},
            {"moving_mean", &moving_mean, nullptr, {}},  // non-trainable state
            {"moving_variance", &moving_variance, nullptr, {}}};
  }

  Index parameter_count(const Shape& input_shape) const override {
    return 4 * channel_count(input_shape);  // γ, β, moving mean, moving variance
  }

  const BatchNormalizationOptions& options() const { return options_; }

  // Parameters, state and gradients, one value per channel (C × 1).
  Matrix<T> gamma;            // γ, scale, trainable
  Matrix<T> beta;             // β, offset, trainable
  Matrix<T> moving_mean;      // used at inference, not trainable
  Matrix<T> moving_variance;  // used at inference, not trainable
  Matrix<T> dgamma;           // dL/dγ, accumulated
  Matrix<T> dbeta;            // dL/dβ, accumulated

  // The last training batch's statistics, (C × 1).
  Matrix<T> mean;      // μ
  Matrix<T> variance;  // σ², biased

 private:
  using Channels = Eigen::Map<Matrix<T>>;  // (C × m): one channel per row
  using ConstChannels = Eigen::Map<const Matrix<T>>;

  // C, the length of the last axis, after checking there is one.
  static Index channel_count(const Shape& input_shape) {
    if (input_shape.empty())
      throw std::invalid_argument(
          "BatchNormalization expects an input with a last (feature or channel) axis, "
          "got shape " +
          input_shape.to_string());
    return input_shape.dims.back();
  }

  BatchNormalizationOptions options_;
  Index channels_ = 0;  // C
  Mode mode_ = Mode::training;
  Matrix<T> X_hat;         // (features × N) x̂ of the last forward
  Matrix<T> inv_std;       // (C × 1) s = 1/√(σ² + ε) of the last forward
  Matrix<T> Y;             // (features × N) output
  Matrix<T> dX;            // (features × N) dL/dx
  Matrix<T> sum_dy;        // (C × 1) Σ dy of the last backward
  Matrix<T> sum_dy_x_hat;  // (C × 1) Σ dy · x̂ of the last backward
};

}  // namespace tinynet
