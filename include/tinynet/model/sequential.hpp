// Sequential: a stack of layers trained with a Keras-shaped API.
//
//   Sequential<float> model;
//   model.add<Dense>(784, 128).add<ReLU>().add<Dense>(10).add<Softmax>();
//   model.compile(Adam{.learning_rate = 1e-3}, SparseCategoricalCrossentropy{});
//   History h = model.fit(x, labels, {.epochs = 10, .batch_size = 64});
//   Evaluation e = model.evaluate(x_test, labels_test);
//
// This file is the container and the one training step; the loop around the step is
// training/fit.hpp, the summary table model/summary.hpp, saving and loading io/model_file.hpp.
//
// One training step on a batch (X, Y), Y one-hot (classes × N):
//
//   1. zero every parameter gradient (a layer that can write its gradients instead of adding to
//      them is told to, and its gradients are not zeroed: see Layer::overwrite_gradients)
//   2. forward:  H_0 = X,  H_{l+1} = layer_l(H_l)      the last H is P, the probabilities
//   3. loss:     L = cross_entropy(P, Y) + Σ regularizer penalties
//   4. backward: dZ = (P − Y)/N at the softmax input (fused, see losses/cross_entropy.hpp),
//                then dH_l = layer_l.backward(dH_{l+1}) from the top layer down
//   5. add each regularizer's gradient, then one optimizer step
//
// Every batch goes through whole-matrix operations; the data is never looped over sample by
// sample except to gather a shuffled batch's columns.
#pragma once

#include <tinynet/data/samples.hpp>
#include <tinynet/detail/flush_denormals.hpp>
#include <tinynet/layers/layer.hpp>
#include <tinynet/layers/softmax.hpp>
#include <tinynet/losses/cross_entropy.hpp>
#include <tinynet/metrics/accuracy.hpp>
#include <tinynet/model/history.hpp>
#include <tinynet/model/summary.hpp>
#include <tinynet/model/targets.hpp>
#include <tinynet/optimizers/optimizer.hpp>
#include <tinynet/training/fit.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tinynet {

// Samples per batch in evaluate/predict/validation when none is given: large enough for
// efficient matrix products.
inline constexpr Index inference_batch_size = 256;

// The most memory, in bytes, that one inference pass gives to the layers' outputs. evaluate and
// predict split a batch whose outputs would take more into passes of fewer samples, so their
// memory does not grow with the batch size (a 10,000-image batch through the notebook CNN would
// hold 2.6 GB of outputs). The results are the same: in inference each sample is computed on
// its own.
inline constexpr std::size_t inference_memory_budget = std::size_t{64} << 20;

struct Evaluation {
  double loss = 0;
  double accuracy = 0;
};

// What one training step did.
struct StepResult {
  double loss = 0;      // the batch's mean loss, regularization included
  Index correct = 0;    // samples the model classified right (before the update)
  bool applied = true;  // false: not finite, the update was skipped (see train_step)
  std::string problem;  // why not, e.g. "the loss is nan"
};

template <typename T>
class Sequential {
 public:
  using Scalar = T;

  // `input_shape` is one sample's shape ({784} or {28, 28, 1}); it may be left out when the
  // first layer states it (Dense(784, 128)). `seed` seeds every layer's initialisation.
  explicit Sequential(Shape input_shape = {}, std::uint64_t seed = 42)
      : input_shape_(std::move(input_shape)), seed_(seed) {}

  Sequential(Sequential&&) noexcept = default;
  Sequential& operator=(Sequential&&) noexcept = default;

  // add<Dense>(784, 128): builds layer L<T> from the arguments and appends it.
  template <template <typename> class L, typename... Args>
  Sequential& add(Args&&... args) {
    return add(std::make_unique<L<T>>(std::forward<Args>(args)...));
  }

  // add<Dense>(512, {.kernel_regularizer = L2(1e-3)}): the same, with the layer's options
  // written in place (a braced list cannot pass through the forwarding overload above).
  template <template <typename> class L>
  Sequential& add(typename L<T>::Options options) {
    return add(std::make_unique<L<T>>(options));
  }
  template <template <typename> class L, typename A>
  Sequential& add(A&& a, typename L<T>::Options options) {
    return add(std::make_unique<L<T>>(std::forward<A>(a), options));
  }
  template <template <typename> class L, typename A, typename B>
  Sequential& add(A&& a, B&& b, typename L<T>::Options options) {
    return add(std::make_unique<L<T>>(std::forward<A>(a), std::forward<B>(b), options));
  }

  // Appends a layer, checking that it accepts the previous layer's output; throws
  // std::invalid_argument naming both layers otherwise.
  Sequential& add(std::unique_ptr<Layer<T>> layer) {
    if (compiled()) throw std::logic_error("Sequential::add: cannot add layers after compile()");
    if (!layer) throw std::invalid_argument("Sequential::add: the layer is null");
    const std::size_t position = layers_.size() + 1;
    const std::string what = "layer " + std::to_string(position) + " (" + layer->type() + ")";
    Shape input = layers_.empty() ? input_shape_ : layers_.back()->output_shape();
    if (input.empty()) {
      const Shape declared = layer->declared_input_shape();
      if (declared.empty())
        throw std::invalid_argument("Sequential::add: " + what +
                                    " is the first layer but the model has no input shape; "
                                    "pass one to the constructor, e.g. Sequential<float>({784})");
      input = input_shape_ = declared;
    }
    const std::string after = layers_.empty() ? "the model input " + input.to_string()
                                              : "layer " + std::to_string(position - 1) + " (" +
                                                    layers_.back()->type() + ") with output " + input.to_string();
    try {
      layer->build(input, seed_ * 1000003ULL + position);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("Sequential::add: " + what + " does not fit after " + after + ": " + e.what());
    }
    layer->compute_input_gradient = !layers_.empty();
    layers_.push_back(std::move(layer));
    return *this;
  }

  // Sets the optimizer and the loss. The optimizer is an update rule — SGD, Adam, RMSprop,
  // e.g. Adam{.learning_rate = 1e-3} — or any Optimizer<T>; the loss is
  // SparseCategoricalCrossentropy (integer labels) or CategoricalCrossentropy (one-hot targets),
  // optionally with label smoothing: SparseCategoricalCrossentropy{.label_smoothing = 0.1}.
  template <UpdateRule Rule>
  void compile(Rule rule, CrossEntropy loss) {
    compile(std::make_unique<RuleOptimizer<T, Rule>>(std::move(rule)), loss);
  }
  template <std::derived_from<Optimizer<T>> Opt>
  void compile(Opt optimizer, CrossEntropy loss) {
    compile(std::make_unique<Opt>(std::move(optimizer)), loss);
  }
  void compile(std::unique_ptr<Optimizer<T>> optimizer, CrossEntropy loss) {
    if (layers_.empty()) throw std::logic_error("Sequential::compile: the model has no layers");
    if (!optimizer) throw std::invalid_argument("Sequential::compile: the optimizer is null");
    if (output_shape().rank() != 1)
      throw std::invalid_argument("Sequential::compile: the model's output " + output_shape().to_string() +
                                  " is not a vector of class scores; add Flatten and Dense layers");
    optimizer_ = std::move(optimizer);
    loss_ = loss;
    parameters_ = parameters();
    gradients_to_zero_.clear();
    for (const auto& layer : layers_)
      if (!layer->can_overwrite_gradients())
        for (Parameter<T>& p : layer->parameters()) gradients_to_zero_.push_back(p);
  }

  bool compiled() const { return optimizer_ != nullptr; }

  // Trains on integer class labels (sparse_categorical_crossentropy); see training/fit.hpp.
  // x holds one sample per column: values (features × N), or Images stored as bytes.
  History fit(const Matrix<T>& x, const std::vector<int>& labels, const FitOptions<T>& options = {}) {
    return fit_labels(&x, labels, options);
  }
  History fit(const Images& x, const std::vector<int>& labels, const FitOptions<T>& options = {}) {
    return fit_labels(&x, labels, options);
  }

  // Trains on one-hot targets, one column per sample (categorical_crossentropy).
  History fit(const Matrix<T>& x, const Matrix<T>& targets, const FitOptions<T>& options = {}) {
    return fit_targets(&x, targets, options);
  }
  History fit(const Images& x, const Matrix<T>& targets, const FitOptions<T>& options = {}) {
    return fit_targets(&x, targets, options);
  }

  // Mean loss (regularization included) and accuracy, in inference mode, batch by batch.
  Evaluation evaluate(const Matrix<T>& x, const std::vector<int>& labels, Index batch_size = inference_batch_size) {
    return evaluate_labels(&x, labels, batch_size);
  }
  Evaluation evaluate(const Images& x, const std::vector<int>& labels, Index batch_size = inference_batch_size) {
    return evaluate_labels(&x, labels, batch_size);
  }
  Evaluation evaluate(const Matrix<T>& x, const Matrix<T>& targets, Index batch_size = inference_batch_size) {
    return evaluate_targets(&x, targets, batch_size);
  }
  Evaluation evaluate(const Images& x, const Matrix<T>& targets, Index batch_size = inference_batch_size) {
    return evaluate_targets(&x, targets, batch_size);
  }

  // Class probabilities (classes × N), computed in inference mode, batch by batch.
  Matrix<T> predict(const Matrix<T>& x, Index batch_size = inference_batch_size) {
    return predict_samples(&x, batch_size);
  }
  Matrix<T> predict(const Images& x, Index batch_size = inference_batch_size) {
    return predict_samples(&x, batch_size);
  }

  // evaluate on samples first .. first + targets.cols() − 1 of x (fit's validation).
  Evaluation evaluate_samples(Samples<T> x, Index first, const Matrix<T>& targets,
                              Index batch_size = inference_batch_size) {
    check_batch_size(batch_size, "Sequential::evaluate");
    const Index count = targets.cols();
    if (count == 0) throw std::invalid_argument("Sequential::evaluate: no samples");
    const detail::ScopedFlushDenormals flush_denormals;  // see detail/flush_denormals.hpp
    double loss_sum = 0;
    Index correct = 0;
    const Index pass_size = inference_pass_size(batch_size);
    for (Index start = 0; start < count; start += pass_size) {
      const Index n = std::min(pass_size, count - start);
      batch_y_ = targets.middleCols(start, n);
      const Matrix<T>& p = forward(pass_input(x, first + start, n), Mode::inference);
      loss_sum += cross_entropy_sum(p, loss_targets(batch_y_));
      correct += count_correct(p, batch_y_);
    }
    const double samples = static_cast<double>(count);
    return {loss_sum / samples + regularization_loss(), static_cast<double>(correct) / samples};
  }

  // Samples per inference pass: batch_size, or fewer when the layers' outputs for batch_size
  // samples would take more than inference_memory_budget (at least 1).
  Index inference_pass_size(Index batch_size) const {
    Index values_per_sample = input_shape_.size();
    for (const auto& layer : layers_) values_per_sample += layer->output_shape().size();
    const std::size_t bytes_per_sample = sizeof(T) * static_cast<std::size_t>(values_per_sample);
    const auto fit_in_budget = static_cast<Index>(inference_memory_budget / bytes_per_sample);
    return std::clamp(fit_in_budget, Index{1}, batch_size);
  }

  // The forward pass through every layer; returns the last layer's output.
  const Matrix<T>& forward(const MatrixRef<T>& x, Mode mode) {
    if (layers_.empty()) throw std::logic_error("Sequential::forward: the model has no layers");
    const Matrix<T>* h = &layers_.front()->forward(x, mode);
    for (std::size_t l = 1; l < layers_.size(); ++l) h = &layers_[l]->forward(*h, mode);
    return *h;
  }

  // One training step on a batch: compute_gradients, then one optimizer update (see the top
  // of this file). With skip_non_finite, a step whose loss or any gradient is NaN or infinite is
  // not applied: the weights stay as they were, and the result says why.
  StepResult train_step(const Matrix<T>& x, const Matrix<T>& targets, bool skip_non_finite = false) {
    StepResult result = compute_gradients(x, targets);  // 1.–5.
    if (skip_non_finite) {
      result.problem = non_finite(result.loss);
      if (!result.problem.empty()) {
        result.applied = false;
        return result;
      }
    }
    optimizer_->step(parameters_);  //    and the update
    return result;
  }

  // Steps 1–5 of a training step, without the update: every parameter's gradient of the batch's
  // loss is left in its gradient matrix, and the weights are unchanged (as loss.backward() in PyTorch).
  StepResult compute_gradients(const Matrix<T>& x, const Matrix<T>& targets) {
    if (!compiled()) throw std::logic_error("Sequential::train_step: call compile() first");
    for (Parameter<T>& p : gradients_to_zero_)  // 1. zero gradients, in the optimizer's blocks (each
      if (p.trainable())                        //    thread clears the blocks it will update)
        detail::in_blocks(p.gradient->size(),
                          [&](Index first, Index count) { detail::values(*p.gradient, first, count).setZero(); });
    const StepPromises promises(layers_);                         // inputs stay put, gradients are overwritten
    const Matrix<T>& probabilities = forward(x, Mode::training);  // 2. forward
    const Index n = x.cols();
    const Matrix<T>& y = loss_targets(targets);  //    Y, or Y' when smoothing
    StepResult result;
    result.loss = cross_entropy_sum(probabilities, y) / static_cast<double>(n);  // 3. loss
    result.correct = count_correct(probabilities, targets);
    const Matrix<T>* gradient = &output_gradient_;  // 4. backward
    std::size_t top = layers_.size();
    if (ends_in_softmax()) {
      softmax_cross_entropy_gradient(probabilities, y, n, output_gradient_);
      --top;  // dZ is already the gradient at the softmax input
    } else {
      cross_entropy_gradient(probabilities, y, n, output_gradient_);
    }
    for (std::size_t l = top; l-- > 0;) gradient = &layers_[l]->backward(*gradient);
    result.loss += apply_regularizers();  // 5. penalties
    return result;
  }

  // Sum of every regularizer penalty (the part of the loss that is not cross-entropy).
  double regularization_loss() const {
    double penalty = 0;
    for (const Parameter<T>& p : parameters_)
      if (p.regularizer.active()) penalty += static_cast<double>(p.regularizer.penalty(*p.value));
    return penalty;
  }

  // Keras-style table of layers, output shapes and parameter counts (model/summary.hpp).
  void summary(std::ostream& out = std::cout) const { out << summary_table(*this); }

  // Parameter counts as Keras reports them (BatchNorm's moving statistics are non-trainable).
  Index count_parameters(bool trainable) const {
    Index count = 0;
    for (const auto& layer : layers_)
      for (const Parameter<T>& p : layer->parameters())
        if (p.trainable() == trainable) count += p.value->size();
    return count;
  }
  Index layer_parameter_count(std::size_t i) const {
    Index count = 0;
    for (const Parameter<T>& p : layers_.at(i)->parameters()) count += p.value->size();
    return count;
  }

  // Every parameter of every layer, in layer order (the order of optimizer slots and files).
  std::vector<Parameter<T>> parameters() const {
    std::vector<Parameter<T>> all;
    for (const auto& layer : layers_)
      for (Parameter<T>& p : layer->parameters()) all.push_back(p);
    return all;
  }

  std::size_t size() const { return layers_.size(); }
  Layer<T>& layer(std::size_t i) { return *layers_.at(i); }
  const Layer<T>& layer(std::size_t i) const { return *layers_.at(i); }
  const Shape& input_shape() const { return input_shape_; }
  Shape output_shape() const { return layers_.empty() ? input_shape_ : layers_.back()->output_shape(); }
  Index classes() const { return output_shape().size(); }
  std::uint64_t seed() const { return seed_; }
  Optimizer<T>& optimizer() const {
    if (!optimizer_) throw std::logic_error("Sequential::optimizer: call compile() first");
    return *optimizer_;
  }
  const CrossEntropy& loss() const { return loss_; }

  // Throws std::invalid_argument unless x has one column of the model's input size per sample.
  void check_input(Samples<T> x, const std::string& who) const {
    if (layers_.empty()) throw std::logic_error(who + ": the model has no layers");
    if (x.rows() != input_shape_.size())
      throw std::invalid_argument(who + ": input has " + std::to_string(x.rows()) +
                                  " features per sample but layer 1 (" + layers_.front()->type() + ") expects " +
                                  std::to_string(input_shape_.size()) + " " + input_shape_.to_string());
  }

  // Set by a callback to end fit() after the current epoch (Keras's model.stop_training).
  bool stop_training = false;

 private:
  bool ends_in_softmax() const { return dynamic_cast<const Softmax<T>*>(layers_.back().get()) != nullptr; }

  void require_loss(bool sparse, const char* what) const {
    if (!compiled()) throw std::logic_error(std::string("Sequential::") + what + ": call compile() first");
    if (sparse != loss_.sparse_labels)
      throw std::invalid_argument(
          std::string("Sequential::") + what + ": the model was compiled with " + loss_.name() + ", which takes " +
          (loss_.sparse_labels ? "integer class labels (std::vector<int>)" : "one-hot targets (a matrix)") +
          ", but was given " + (sparse ? "integer labels" : "a target matrix"));
  }

  History fit_labels(Samples<T> x, const std::vector<int>& labels, const FitOptions<T>& options) {
    require_loss(true, "fit");
    return tinynet::fit(*this, x, one_hot<T>(labels, x.cols(), classes(), "Sequential::fit"), options);
  }

  History fit_targets(Samples<T> x, const Matrix<T>& targets, const FitOptions<T>& options) {
    require_loss(false, "fit");
    check_targets(targets, x.cols(), classes(), "Sequential::fit");
    return tinynet::fit(*this, x, targets, options);
  }

  Evaluation evaluate_labels(Samples<T> x, const std::vector<int>& labels, Index batch_size) {
    require_loss(true, "evaluate");
    check_input(x, "Sequential::evaluate");
    return evaluate_samples(x, 0, one_hot<T>(labels, x.cols(), classes(), "Sequential::evaluate"), batch_size);
  }

  Evaluation evaluate_targets(Samples<T> x, const Matrix<T>& targets, Index batch_size) {
    require_loss(false, "evaluate");
    check_input(x, "Sequential::evaluate");
    check_targets(targets, x.cols(), classes(), "Sequential::evaluate");
    return evaluate_samples(x, 0, targets, batch_size);
  }

  Matrix<T> predict_samples(Samples<T> x, Index batch_size) {
    check_input(x, "Sequential::predict");
    check_batch_size(batch_size, "Sequential::predict");
    const detail::ScopedFlushDenormals flush_denormals;
    Matrix<T> out(output_shape().size(), x.cols());
    const Index pass_size = inference_pass_size(batch_size);
    for (Index start = 0; start < x.cols(); start += pass_size) {
      const Index n = std::min(pass_size, x.cols() - start);
      out.middleCols(start, n) = forward(pass_input(x, start, n), Mode::inference);
    }
    return out;
  }

  // The input of an inference pass over samples first … first + n − 1: the columns of the
  // caller's values where they lie, or images converted into batch_x_.
  MatrixRef<T> pass_input(Samples<T> x, Index first, Index n) {
    if (x.values()) return x.values()->middleCols(first, n);
    x.copy(first, n, batch_x_);
    return batch_x_;
  }

  static void check_batch_size(Index batch_size, const char* who) {
    if (batch_size <= 0)
      throw std::invalid_argument(std::string(who) + ": batch_size must be positive, got " +
                                  std::to_string(batch_size));
  }

  // For the life of a training step, sets every layer's input_kept_until_backward, and the
  // overwrite_gradients of those that can_overwrite_gradients() (layer.hpp).
  class StepPromises {
   public:
    explicit StepPromises(const std::vector<std::unique_ptr<Layer<T>>>& layers) : layers_(layers) { set(true); }
    ~StepPromises() { set(false); }
    StepPromises(const StepPromises&) = delete;
    StepPromises& operator=(const StepPromises&) = delete;

   private:
    void set(bool on) const {
      for (const auto& layer : layers_) {
        layer->input_kept_until_backward = on;
        layer->overwrite_gradients = on && layer->can_overwrite_gradients();
      }
    }
    const std::vector<std::unique_ptr<Layer<T>>>& layers_;
  };

  // The targets the loss compares with: Y as given, or Y' = (1 − ε)·Y + ε/K with label smoothing.
  const Matrix<T>& loss_targets(const Matrix<T>& targets) {
    if (loss_.label_smoothing == 0) return targets;
    smooth_labels(targets, loss_.label_smoothing, smoothed_targets_);
    return smoothed_targets_;
  }

  double apply_regularizers() {
    double penalty = 0;
    for (Parameter<T>& p : parameters_)
      if (p.regularizer.active() && p.trainable()) {
        penalty += static_cast<double>(p.regularizer.penalty(*p.value));
        p.regularizer.add_gradient(*p.value, *p.gradient);
      }
    return penalty;
  }

  // "" when the loss and every gradient are finite, else what is not.
  std::string non_finite(double loss) const {
    if (!std::isfinite(loss)) return "the loss is " + std::to_string(loss);
    // A sum is NaN or ±∞ when any term is (or when finite terms overflow: allFinite decides
    // then): one vectorised pass per gradient, as cheap as reading it, in the optimizer's blocks
    // (each thread reads the blocks it wrote and will update, not lines of the other core's).
    auto finite = [](const Matrix<T>& g) {
      std::atomic<bool> all_finite{true};
      detail::in_blocks(g.size(), [&](Index first, Index count) {
        const auto block = detail::values(g, first, count);
        if (!std::isfinite(block.sum()) && !block.allFinite()) all_finite.store(false, std::memory_order_relaxed);
      });
      return all_finite.load(std::memory_order_relaxed);
    };
    for (const Parameter<T>& p : parameters_)
      if (p.trainable() && !finite(*p.gradient))
        for (std::size_t l = 0; l < layers_.size(); ++l)  // name the layer
          for (const Parameter<T>& q : layers_[l]->parameters())
            if (q.gradient == p.gradient)
              return "the gradient of layer " + std::to_string(l + 1) + " (" + layers_[l]->type() + ") " + p.name +
                     " is not finite";
    return "";
  }

  Shape input_shape_;
  std::uint64_t seed_;
  std::vector<std::unique_ptr<Layer<T>>> layers_;
  std::unique_ptr<Optimizer<T>> optimizer_;
  std::vector<Parameter<T>> parameters_;         // every layer's, collected at compile()
  std::vector<Parameter<T>> gradients_to_zero_;  // those of layers that cannot overwrite their gradients
  CrossEntropy loss_;
  // Buffers reused from batch to batch.
  Matrix<T> batch_x_;           // (features × N) the current evaluation batch, as values
  Matrix<T> batch_y_;           // (classes × N)  its one-hot targets
  Matrix<T> output_gradient_;   // dL/d(output) or, fused, dL/d(softmax input)
  Matrix<T> smoothed_targets_;  // (classes × N)  Y' with label smoothing
};

}  // namespace tinynet
