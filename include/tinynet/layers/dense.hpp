// Dense (fully connected) layer.
//
// Forward, for a batch X of N samples, one per column:
//
//   Y = W · X + b          X: (in × N)   W: (out × in)   b: (out × 1)   Y: (out × N)
//
// Backward, given dY = dL/dY (out × N):
//
//   dL/dW = dY · Xᵀ        (out × in)   sum over the batch of each sample's outer product
//   dL/db = Σ_n dY[:, n]   (out × 1)    b is added to every column, so its gradient sums them
//   dL/dX = Wᵀ · dY        (in × N)
//
// The whole batch goes through three matrix products; there is no loop over samples. Each
// product runs on the threads in bands of its result (detail/matrix_product.hpp).
#pragma once

#include <tinynet/detail/matrix_product.hpp>
#include <tinynet/detail/parallel.hpp>
#include <tinynet/initializers.hpp>
#include <tinynet/layers/layer.hpp>

namespace tinynet {

struct DenseOptions {
  Initializer kernel_initializer = Initializer::glorot_uniform;  // Keras's default
  Regularizer kernel_regularizer{};
};

template <typename T>
class Dense : public Layer<T> {
 public:
  using Options = DenseOptions;

  // Dense(units): the input width comes from the layer before.
  explicit Dense(Index units, DenseOptions options = {}) : units_(units), options_(options) {
    if (units <= 0 || units > Shape::max_values)
      throw std::invalid_argument("Dense: units must be in [1, 2^40], got " + std::to_string(units));
    options_.kernel_regularizer.check("Dense");
  }
  // Dense(in, out): also states the input width, which Sequential checks.
  Dense(Index inputs, Index units, DenseOptions options = {}) : Dense(units, options) {
    declared_inputs_ = Shape{inputs}[0];  // Shape checks the width
  }

  std::string type() const override { return "Dense"; }

  Shape build(const Shape& input_shape, std::uint64_t seed) override {
    const Index inputs = input_width(input_shape);
    W.resize(units_, inputs);
    initialize(W, options_.kernel_initializer, inputs, units_, seed);
    b = Matrix<T>::Zero(units_, 1);
    dW = Matrix<T>::Zero(units_, inputs);
    db = Matrix<T>::Zero(units_, 1);
    this->input_shape_ = input_shape;
    this->output_shape_ = Shape{units_};
    return this->output_shape_;
  }

  const Matrix<T>& forward(const MatrixRef<T>& x, Mode mode) override {
    this->check_forward(x);
    if (mode == Mode::training) keep_input(x);  // X, for dW = dY · Xᵀ (inference keeps nothing)
    Y.resize(units_, x.cols());
    detail::parallel_product(Y, W, x, false, b.data(), &Y_parts);  // Y = W · X + b (b added to every column)
    return Y;
  }

  const Matrix<T>& backward(const Matrix<T>& dy) override {
    this->check_backward(Y, dy);
    if (X_cols != dy.cols()) throw std::logic_error("Dense::backward: the last forward was not in training mode");
    const bool add = !this->overwrite_gradients;             // += , or = (layer.hpp)
    detail::parallel_product(dW, dy, X().transpose(), add);  // dL/dW = dY · Xᵀ
    if (add)
      db.noalias() += dy.rowwise().sum();  // dL/db = Σ_n dY[:, n]
    else
      db.noalias() = dy.rowwise().sum();
    if (this->compute_input_gradient) {
      dX.resize(W.cols(), dy.cols());
      detail::parallel_product(dX, W.transpose(), dy, false);  // dL/dX = Wᵀ · dY
    }
    return dX;
  }

  bool can_overwrite_gradients() const override { return true; }

  std::vector<Parameter<T>> parameters() override {
    return {{"kernel", &W, &dW, options_.kernel_regularizer, TensorLayout::matrix(W.rows(), W.cols())},
            {"bias", &b, &db, {}, {}}};
  }

  Index parameter_count(const Shape& input_shape) const override {
    return checked_product(units_, input_width(input_shape) + 1, "Dense");  // W and b
  }

  Shape declared_input_shape() const override { return declared_inputs_ ? Shape{declared_inputs_} : Shape{}; }

  Index units() const { return units_; }
  const DenseOptions& options() const { return options_; }

  // Parameters and their gradients (public, as in micrograd: a student can inspect them).
  Matrix<T> W;   // (out × in)
  Matrix<T> b;   // (out × 1)
  Matrix<T> dW;  // dL/dW, accumulated (or written: Layer::overwrite_gradients)
  Matrix<T> db;  // dL/db, likewise

 private:
  // The number of input features, after checking that the input is flat and of the stated width.
  Index input_width(const Shape& input_shape) const {
    if (input_shape.rank() != 1)
      throw std::invalid_argument("Dense expects a flat input (features), got shape " + input_shape.to_string() +
                                  "; add a Flatten layer before it");
    const Index inputs = input_shape[0];
    if (declared_inputs_ != 0 && declared_inputs_ != inputs)
      throw std::invalid_argument("Dense(" + std::to_string(declared_inputs_) + ", " + std::to_string(units_) +
                                  ") expects " + std::to_string(declared_inputs_) + " input features, got " +
                                  std::to_string(inputs));
    (void)checked_product(units_, inputs + 1, "Dense");
    return inputs;
  }

  // Keeps the training batch x for backward: a view of x itself when the caller keeps it in
  // place until then (Layer::input_kept_until_backward, as Sequential does), else a copy. The
  // copy of a 64-image batch was a tenth of the notebook MLP's training step.
  void keep_input(const MatrixRef<T>& x) {
    X_data = x.data();
    X_cols = x.cols();
    if (!this->input_kept_until_backward || x.outerStride() != x.rows()) {
      detail::copy_columns(x, X_copy);
      X_data = X_copy.data();
    }
  }
  Eigen::Map<const Matrix<T>> X() const { return {X_data, W.cols(), X_cols}; }

  Index units_;
  Index declared_inputs_ = 0;  // 0: take whatever the layer before outputs
  DenseOptions options_;
  const T* X_data = nullptr;  // X = X(): the input of the last training-mode forward (in × N), for
  Index X_cols = 0;           //   backward: the caller's x, or X_copy
  Matrix<T> X_copy;           // (in × N)  a copy of x, when the caller does not keep it
  Matrix<T> Y;                // (out × N) output
  Matrix<T> dX;               // (in × N)  dL/dX
  Matrix<T> Y_parts;          // room for partial sums of W · X, when the product is cut along `in`
};

}  // namespace tinynet
