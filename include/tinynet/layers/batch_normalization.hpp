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
//
// Threads. Every pass runs over blocks of samples (detail::for_column_blocks, as the element-wise
// layers do), so that each core reads the samples the layer below wrote on it. A sum over the
// batch (Σ x, Σ (x − μ)², Σ dy, Σ dy · x̂) is a column of partial sums per block, added in block
// order: the blocks depend only on the batch's size, so the result does not depend on the
// number of threads.
#pragma once

#include <tinynet/detail/parallel.hpp>
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
    X_hat.resize(x.rows(), x.cols());
    Y.resize(x.rows(), x.cols());
    // In every block of samples: (C × values) views of x, x̂ and y, one channel per row.
    const auto x_of = [&](Index first, Index count) { return channels(x.data(), first, count); };
    const auto x_hat_of = [&](Index first, Index count) { return channels(X_hat.data(), first, count); };

    if (mode == Mode::training) {
      batch_sum(x.cols(), mean, [&](Index first, Index count, auto sum) {  // Σ x
        sum = x_of(first, count).rowwise().sum();
      });
      mean /= static_cast<T>(m);                                               // μ = (1/m) Σ x
      batch_sum(x.cols(), variance, [&](Index first, Index count, auto sum) {  // Σ (x − μ)²
        auto x_hat = x_hat_of(first, count);
        x_hat = x_of(first, count).colwise() - mean.col(0);  // x − μ, normalised below
        sum = x_hat.cwiseAbs2().rowwise().sum();
      });
      variance /= static_cast<T>(m);  // σ² = (1/m) Σ (x − μ)²
      const T momentum = static_cast<T>(options_.momentum);
      moving_mean = momentum * moving_mean + (T(1) - momentum) * mean;
      moving_variance = momentum * moving_variance + (T(1) - momentum) * variance;
      inv_std = (variance.array() + static_cast<T>(options_.epsilon)).rsqrt();  // s = 1/√(σ² + ε)
    } else {
      inv_std = (moving_variance.array() + static_cast<T>(options_.epsilon)).rsqrt();
    }
    detail::for_column_blocks(x.rows(), x.cols(), [&](Index first, Index count) {
      auto x_hat = x_hat_of(first, count);
      if (mode == Mode::inference) x_hat = x_of(first, count).colwise() - moving_mean.col(0);  // x − moving_mean
      x_hat.array().colwise() *= inv_std.col(0).array();                                       // x̂ = (x − μ) · s
      auto y = channels(Y.data(), first, count);
      y.array() = x_hat.array().colwise() * gamma.col(0).array();  // y = γ · x̂
      y.colwise() += beta.col(0);                                  //   + β
    });
    return Y;
  }

  const Matrix<T>& backward(const Matrix<T>& dy) override {
    this->check_backward(Y, dy);
    const Index m = dy.size() / channels_;
    const auto dy_of = [&](Index first, Index count) { return channels(dy.data(), first, count); };
    const auto x_hat_of = [&](Index first, Index count) { return channels(X_hat.data(), first, count); };
    batch_sum(dy.cols(), sum_dy, [&](Index first, Index count, auto sum) {  // this batch's dβ = Σ dy
      sum = dy_of(first, count).rowwise().sum();
    });
    batch_sum(dy.cols(), sum_dy_x_hat, [&](Index first, Index count, auto sum) {  // this batch's dγ = Σ dy · x̂
      sum = dy_of(first, count).cwiseProduct(x_hat_of(first, count)).rowwise().sum();
    });
    dbeta += sum_dy;
    dgamma += sum_dy_x_hat;
    if (!this->compute_input_gradient) return dX;

    dX.resize(dy.rows(), dy.cols());
    const T inv_m = T(1) / static_cast<T>(m);
    detail::for_column_blocks(dy.rows(), dy.cols(), [&](Index first, Index count) {
      auto dx = channels(dX.data(), first, count);
      if (mode_ == Mode::training) {
        dx = dy_of(first, count).colwise() - inv_m * sum_dy.col(0);                                      // dy − dβ/m
        dx.array() -= x_hat_of(first, count).array().colwise() * (inv_m * sum_dy_x_hat.col(0)).array();  // − x̂ · dγ/m
      } else {
        dx = dy_of(first, count);  // constants μ, s: dx = γ · s · dy
      }
      dx.array().colwise() *= (gamma.col(0).array() * inv_std.col(0).array());  // × γ · s
    });
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
  // Samples first … first + count − 1 of a batch (features × N, columns contiguous) viewed as
  // (C × values): one channel per row.
  Eigen::Map<Matrix<T>> channels(T* batch, Index first, Index count) const {
    const Index features = this->input_shape_.size();
    return {batch + first * features, channels_, count * features / channels_};
  }
  Eigen::Map<const Matrix<T>> channels(const T* batch, Index first, Index count) const {
    const Index features = this->input_shape_.size();
    return {batch + first * features, channels_, count * features / channels_};
  }

  // sum = a per-channel sum over the batch (C × 1): block_sum(first, count, column) writes it for
  // one block of samples into `column`, and the blocks' sums are added in block order (see
  // "Threads" above).
  template <typename BlockSum>
  void batch_sum(Index N, Matrix<T>& sum, BlockSum block_sum) {
    const Index per_block = detail::column_block_size(this->input_shape_.size());
    const Index blocks = (N + per_block - 1) / per_block;
    partial_sums.resize(channels_, blocks);
    detail::for_blocks(N, per_block,
                       [&](Index first, Index count) { block_sum(first, count, partial_sums.col(first / per_block)); });
    sum = partial_sums.col(0);
    for (Index b = 1; b < blocks; ++b) sum += partial_sums.col(b);
  }

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
  Matrix<T> partial_sums;  // (C × blocks) one block's sums per column (batch_sum)
};

}  // namespace tinynet
