// Sequential: a stack of layers trained with a Keras-shaped API.
//
//   Sequential<float> model;
//   model.add<Dense>(784, 128).add<ReLU>().add<Dense>(10).add<Softmax>();
//   model.compile(Adam{}, SparseCategoricalCrossentropy{});
//   History h = model.fit(x, labels, {.epochs = 10, .batch_size = 64});
//   Evaluation e = model.evaluate(x_test, labels_test);
//
// One training step on a batch (X, Y), Y one-hot (classes × N):
//
//   1. zero every parameter gradient
//   2. forward:  H_0 = X,  H_{l+1} = layer_l(H_l)      the last H is P, the probabilities
//   3. loss:     L = cross_entropy(P, Y) + Σ regularizer penalties
//   4. backward: dZ = (P − Y)/N at the softmax input (fused, see losses/cross_entropy.hpp),
//                then dH_l = layer_l.backward(dH_{l+1}) from the top layer down
//   5. add each regularizer's gradient, then one optimizer step
//
// Every batch goes through whole-matrix operations; the data is never looped over sample by
// sample except to gather a shuffled batch's columns.
#pragma once

#include "callbacks/callback.hpp"
#include "callbacks/progress_logger.hpp"
#include "detail/flush_denormals.hpp"
#include "history.hpp"
#include "layers/layer.hpp"
#include "layers/softmax.hpp"
#include "losses/cross_entropy.hpp"
#include "metrics/accuracy.hpp"
#include "optimizers/optimizer.hpp"

#include <algorithm>
#include <chrono>
#include <concepts>
#include <functional>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynet {

// Data to validate on at the end of every epoch: integer labels or one-hot targets.
template <typename T>
struct ValidationData {
  const Matrix<T>* x = nullptr;
  const std::vector<int>* labels = nullptr;  // for sparse_categorical_crossentropy
  const Matrix<T>* targets = nullptr;        // for categorical_crossentropy
};

template <typename T>
struct FitOptions {
  int epochs = 1;
  Index batch_size = 32;                 // Keras's default
  bool shuffle = true;                   // reshuffle the training data every epoch
  std::uint64_t seed = 42;               // shuffling order
  int verbose = 1;                       // 0 silent, 1 progress bar (one line per epoch off a terminal), 2 one line per epoch
  double validation_split = 0;           // last fraction of x, taken before shuffling (Keras)
  ValidationData<T> validation_data{};   // or explicit validation data
  std::vector<std::shared_ptr<Callback<T>>> callbacks{};
  int initial_epoch = 0;                 // epochs already done (to resume training)
  // Optional data augmentation: called on every training batch (features × N) after it is
  // gathered, with fit's random generator (see data/augment.hpp). Validation data is never augmented.
  std::function<void(Matrix<T>& batch, std::mt19937_64& rng)> augment{};
  std::ostream* out = &std::cout;        // where progress goes
};

// Samples per batch in evaluate/predict/validation. Large enough for efficient matrix
// products, small enough that a convolution's im2col buffer stays in the tens of MB (a
// 28×28×32 'same' convolution unfolds 1,024 images into ~0.9 GB).
inline constexpr Index inference_batch_size = 256;

struct Evaluation {
  double loss = 0;
  double accuracy = 0;
};

struct SaveOptions;  // io/model_file.hpp

template <typename T>
class Sequential {
 public:
  // `input_shape` is one sample's shape ({784} or {28, 28, 1}); it may be left out when the
  // first layer states it (Dense(784, 128)). `seed` seeds every layer's initialisation.
  explicit Sequential(Shape input_shape = {}, std::uint64_t seed = 42)
      : input_shape_(std::move(input_shape)), seed_(seed) {}

  Sequential(Sequential&&) noexcept = default;
  Sequential& operator=(Sequential&&) noexcept = default;

  // add<Dense>(784, 128): builds Layer<T> type L from the arguments and appends it.
  template <template <typename> class L, typename... Args>
  Sequential& add(Args&&... args) {
    return add(std::make_unique<L<T>>(std::forward<Args>(args)...));
  }

  // Appends a layer, checking that it accepts the previous layer's output; throws
  // std::invalid_argument naming both layers otherwise.
  Sequential& add(std::unique_ptr<Layer<T>> layer) {
    if (compiled()) throw std::logic_error("Sequential::add: cannot add layers after compile()");
    const std::size_t position = layers_.size() + 1;
    const std::string what = "layer " + std::to_string(position) + " (" + layer->type() + ")";
    Shape input = layers_.empty() ? input_shape_ : layers_.back()->output_shape();
    const Shape declared = layer->declared_input_shape();
    if (input.empty()) {
      if (declared.empty())
        throw std::invalid_argument("Sequential::add: " + what +
                                    " is the first layer but the model has no input shape; "
                                    "pass one to the constructor, e.g. Sequential<float>({784})");
      input = input_shape_ = declared;
    }
    const std::string after = layers_.empty()
                                  ? "the model input " + input.to_string()
                                  : "layer " + std::to_string(position - 1) + " (" +
                                        layers_.back()->type() + ") with output " + input.to_string();
    try {
      layer->build(input, seed_ * 1000003ULL + position);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("Sequential::add: " + what + " does not fit after " + after +
                                  ": " + e.what());
    }
    layer->compute_input_gradient = !layers_.empty();
    layers_.push_back(std::move(layer));
    return *this;
  }

  // Sets the optimizer and the loss. The optimizer is any Optimizer<T> (SGD, Adam, RMSprop);
  // the loss is SparseCategoricalCrossentropy (integer labels) or CategoricalCrossentropy,
  // optionally with label smoothing: SparseCategoricalCrossentropy{.label_smoothing = 0.1}.
  template <std::derived_from<Optimizer<T>> Opt, typename Loss>
  void compile(Opt optimizer, Loss loss) {
    compile(std::make_unique<Opt>(std::move(optimizer)), Loss::name, Loss::sparse_labels, loss.label_smoothing);
  }

  void compile(std::unique_ptr<Optimizer<T>> optimizer, const std::string& loss_name, bool sparse_labels,
               double label_smoothing = 0) {
    if (layers_.empty()) throw std::logic_error("Sequential::compile: the model has no layers");
    if (!(label_smoothing >= 0 && label_smoothing < 1))
      throw std::invalid_argument("Sequential::compile: label_smoothing must be in [0, 1), got " +
                                  std::to_string(label_smoothing));
    if (output_shape().rank() != 1)
      throw std::invalid_argument("Sequential::compile: the model's output " + output_shape().to_string() +
                                  " is not a vector of class scores; add Flatten and Dense layers");
    optimizer_ = std::move(optimizer);
    loss_name_ = loss_name;
    sparse_labels_ = sparse_labels;
    label_smoothing_ = label_smoothing;
    parameters_ = collect_parameters();
  }

  bool compiled() const { return optimizer_ != nullptr; }

  // Saves the model to a safetensors file: save_model in io/model_file.hpp (which tinynet.hpp
  // includes), e.g. model.save("ckpt.safetensors", {.include_optimizer = true}).
  template <typename Options = SaveOptions>
  void save(const std::string& path, const Options& options = {}) const {
    save_model(*this, path, options);
  }

  // Trains on integer class labels (sparse_categorical_crossentropy).
  History fit(const Matrix<T>& x, const std::vector<int>& labels, FitOptions<T> options = {}) {
    require_loss(true, "fit");
    return fit_targets(x, one_hot(labels, x.cols(), "fit"), options);
  }

  // Trains on one-hot targets, one column per sample (categorical_crossentropy).
  History fit(const Matrix<T>& x, const Matrix<T>& targets, FitOptions<T> options = {}) {
    require_loss(false, "fit");
    check_targets(targets, x.cols(), "fit");
    return fit_targets(x, targets, options);
  }

  Evaluation evaluate(const Matrix<T>& x, const std::vector<int>& labels, Index batch_size = inference_batch_size) {
    require_loss(true, "evaluate");
    return evaluate_targets(x, one_hot(labels, x.cols(), "evaluate"), batch_size);
  }

  Evaluation evaluate(const Matrix<T>& x, const Matrix<T>& targets, Index batch_size = inference_batch_size) {
    require_loss(false, "evaluate");
    check_targets(targets, x.cols(), "evaluate");
    return evaluate_targets(x, targets, batch_size);
  }

  // Class probabilities (classes × N), computed in inference mode, batch by batch.
  Matrix<T> predict(const Matrix<T>& x, Index batch_size = inference_batch_size) {
    check_input(x, "predict");
    const detail::ScopedFlushDenormals flush_denormals;  // see detail/flush_denormals.hpp
    Matrix<T> out(output_shape().size(), x.cols());
    if (x.cols() <= batch_size) {  // one batch: no need to copy it first
      out = forward(x, Mode::inference);
      return out;
    }
    for (Index start = 0; start < x.cols(); start += batch_size) {
      const Index n = std::min(batch_size, x.cols() - start);
      batch_x_ = x.middleCols(start, n);
      out.middleCols(start, n) = forward(batch_x_, Mode::inference);
    }
    return out;
  }

  // The forward pass through every layer; returns the last layer's output.
  const Matrix<T>& forward(const Matrix<T>& x, Mode mode) {
    const Matrix<T>* h = &x;
    for (auto& layer : layers_) h = &layer->forward(*h, mode);
    return *h;
  }

  // One training step on a batch: forward, loss, backward, optimizer update.
  // Returns the batch's mean loss (regularization included) and adds its correct count.
  double train_step(const Matrix<T>& x, const Matrix<T>& targets, Index* correct = nullptr) {
    if (!compiled()) throw std::logic_error("Sequential::train_step: call compile() first");
    for (Parameter<T>& p : parameters_)
      if (p.trainable()) p.gradient->setZero();                        // 1. zero gradients
    const Matrix<T>& probabilities = forward(x, Mode::training);       // 2. forward
    const Index n = x.cols();
    const Matrix<T>& y = loss_targets(targets);                        //    Y, or Y' when smoothing
    double loss = cross_entropy_sum(probabilities, y) / static_cast<double>(n);  // 3. loss
    if (correct) *correct += count_correct(probabilities, targets);
    const Matrix<T>* gradient = &output_gradient_;                     // 4. backward
    std::size_t top = layers_.size();
    if (ends_in_softmax()) {
      softmax_cross_entropy_gradient(probabilities, y, n, output_gradient_);
      --top;  // dZ is already the gradient at the softmax input
    } else {
      cross_entropy_gradient(probabilities, y, n, output_gradient_);
    }
    for (std::size_t l = top; l-- > 0;) gradient = &layers_[l]->backward(*gradient);
    loss += apply_regularizers();                                      // 5. penalties
    optimizer_->step(parameters_);                                     //    and update
    return loss;
  }

  // Sum of every regularizer penalty (the part of the loss that is not cross-entropy).
  double regularization_loss() const {
    double penalty = 0;
    for (const Parameter<T>& p : parameters_)
      if (p.regularizer.active()) penalty += static_cast<double>(p.regularizer.penalty(*p.value));
    return penalty;
  }

  // Keras-style table of layers, output shapes and parameter counts.
  void summary(std::ostream& out = std::cout) const { out << summary_string(); }
  std::string summary_string() const;

  // Parameter counts as Keras reports them (BatchNorm's moving statistics are non-trainable).
  Index count_parameters(bool trainable) const {
    Index count = 0;
    for (const auto& layer : layers_)
      for (const Parameter<T>& p : const_cast<Layer<T>&>(*layer).parameters())
        if (p.trainable() == trainable) count += p.value->size();
    return count;
  }

  std::vector<Parameter<T>> collect_parameters() {
    std::vector<Parameter<T>> all;
    for (auto& layer : layers_)
      for (Parameter<T>& p : layer->parameters()) all.push_back(p);
    return all;
  }

  std::size_t size() const { return layers_.size(); }
  Layer<T>& layer(std::size_t i) { return *layers_.at(i); }
  const Layer<T>& layer(std::size_t i) const { return *layers_.at(i); }
  const Shape& input_shape() const { return input_shape_; }
  Shape output_shape() const { return layers_.empty() ? input_shape_ : layers_.back()->output_shape(); }
  std::uint64_t seed() const { return seed_; }
  Optimizer<T>& optimizer() {
    if (!optimizer_) throw std::logic_error("Sequential::optimizer: call compile() first");
    return *optimizer_;
  }
  const std::string& loss_name() const { return loss_name_; }
  bool sparse_labels() const { return sparse_labels_; }
  double label_smoothing() const { return label_smoothing_; }

  // Set by a callback to end fit() after the current epoch (Keras's model.stop_training).
  bool stop_training = false;

 private:
  bool ends_in_softmax() const { return dynamic_cast<const Softmax<T>*>(layers_.back().get()) != nullptr; }

  void require_loss(bool sparse, const char* what) const {
    if (!compiled()) throw std::logic_error(std::string("Sequential::") + what + ": call compile() first");
    if (sparse != sparse_labels_)
      throw std::invalid_argument(std::string("Sequential::") + what + ": the model was compiled with " +
                                  loss_name_ + ", which takes " +
                                  (sparse_labels_ ? "integer class labels (std::vector<int>)"
                                                  : "one-hot targets (a matrix)") +
                                  ", but was given " + (sparse ? "integer labels" : "a target matrix"));
  }

  // The targets the loss compares with: Y as given, or Y' = (1 − ε)·Y + ε/K with label smoothing.
  const Matrix<T>& loss_targets(const Matrix<T>& targets) {
    if (label_smoothing_ == 0) return targets;
    smooth_labels(targets, label_smoothing_, smoothed_targets_);
    return smoothed_targets_;
  }

  void check_input(const Matrix<T>& x, const char* what) const {
    if (layers_.empty()) throw std::logic_error(std::string("Sequential::") + what + ": the model has no layers");
    if (x.rows() != input_shape_.size())
      throw std::invalid_argument(std::string("Sequential::") + what + ": input has " + std::to_string(x.rows()) +
                                  " features per sample but layer 1 (" + layers_.front()->type() +
                                  ") expects " + std::to_string(input_shape_.size()) + " " +
                                  input_shape_.to_string());
  }

  void check_targets(const Matrix<T>& targets, Index samples, const char* what) const {
    if (targets.cols() != samples || targets.rows() != output_shape().size())
      throw std::invalid_argument(std::string("Sequential::") + what + ": targets are " +
                                  std::to_string(targets.rows()) + "×" + std::to_string(targets.cols()) +
                                  ", expected " + std::to_string(output_shape().size()) + "×" +
                                  std::to_string(samples) + " (classes × samples)");
  }

  // Integer labels → one-hot columns, checking every label against the model's class count.
  Matrix<T> one_hot(const std::vector<int>& labels, Index samples, const char* what) const {
    const Index classes = output_shape().size();
    if (static_cast<Index>(labels.size()) != samples)
      throw std::invalid_argument(std::string("Sequential::") + what + ": " + std::to_string(samples) +
                                  " samples but " + std::to_string(labels.size()) + " labels");
    Matrix<T> targets = Matrix<T>::Zero(classes, samples);
    for (Index n = 0; n < samples; ++n) {
      const int label = labels[static_cast<std::size_t>(n)];
      if (label < 0 || label >= classes)
        throw std::invalid_argument(std::string("Sequential::") + what + ": label " + std::to_string(label) +
                                    " at index " + std::to_string(n) + " is outside 0.." +
                                    std::to_string(classes - 1) + " (the model has " +
                                    std::to_string(classes) + " outputs)");
      targets(label, n) = T(1);
    }
    return targets;
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

  Evaluation evaluate_targets(const Matrix<T>& x, const Matrix<T>& targets, Index batch_size) {
    check_input(x, "evaluate");
    if (x.cols() == 0) throw std::invalid_argument("Sequential::evaluate: no samples");
    const detail::ScopedFlushDenormals flush_denormals;
    double loss_sum = 0;
    Index correct = 0;
    for (Index start = 0; start < x.cols(); start += batch_size) {
      const Index n = std::min(batch_size, x.cols() - start);
      batch_x_ = x.middleCols(start, n);
      batch_y_ = targets.middleCols(start, n);
      const Matrix<T>& p = forward(batch_x_, Mode::inference);
      loss_sum += cross_entropy_sum(p, loss_targets(batch_y_));
      correct += count_correct(p, batch_y_);
    }
    const double samples = static_cast<double>(x.cols());
    return {loss_sum / samples + regularization_loss(), static_cast<double>(correct) / samples};
  }

  History fit_targets(const Matrix<T>& x, const Matrix<T>& targets, const FitOptions<T>& options) {
    check_input(x, "fit");
    if (options.batch_size <= 0)
      throw std::invalid_argument("fit: batch_size must be positive, got " + std::to_string(options.batch_size));
    if (options.epochs < 0) throw std::invalid_argument("fit: epochs must be ≥ 0, got " + std::to_string(options.epochs));
    if (options.validation_split < 0 || options.validation_split >= 1)
      throw std::invalid_argument("fit: validation_split must be in [0, 1), got " +
                                  std::to_string(options.validation_split));

    // Validation data: the last fraction of x (before any shuffling, as Keras), or given.
    Index train_count = x.cols();
    Matrix<T> val_x, val_y;
    if (options.validation_split > 0) {
      train_count = static_cast<Index>(static_cast<double>(x.cols()) * (1.0 - options.validation_split));
      if (train_count <= 0 || train_count >= x.cols())
        throw std::invalid_argument("fit: validation_split " + std::to_string(options.validation_split) +
                                    " leaves no training or no validation samples of " + std::to_string(x.cols()));
      val_x = x.rightCols(x.cols() - train_count);
      val_y = targets.rightCols(x.cols() - train_count);
    } else if (options.validation_data.x) {
      const ValidationData<T>& v = options.validation_data;
      check_input(*v.x, "fit (validation_data)");
      val_x = *v.x;
      if (v.labels) {
        val_y = one_hot(*v.labels, v.x->cols(), "fit (validation_data)");
      } else if (v.targets) {
        check_targets(*v.targets, v.x->cols(), "fit (validation_data)");
        val_y = *v.targets;
      } else {
        throw std::invalid_argument("fit: validation_data has x but neither labels nor targets");
      }
    }
    if (train_count == 0) throw std::invalid_argument("fit: no training samples");
    const bool has_validation = val_x.cols() > 0;

    std::vector<std::shared_ptr<Callback<T>>> callbacks = options.callbacks;
    if (options.verbose > 0)
      callbacks.insert(callbacks.begin(), std::make_shared<ProgressLogger<T>>(options.verbose, *options.out));

    const detail::ScopedFlushDenormals flush_denormals;  // denormals would slow products 5-10x
    const Index steps = (train_count + options.batch_size - 1) / options.batch_size;
    std::vector<Index> order(static_cast<std::size_t>(train_count));
    std::iota(order.begin(), order.end(), Index{0});
    std::mt19937_64 rng(options.seed);

    History history;
    stop_training = false;
    const TrainBegin begin{options.epochs, options.initial_epoch, train_count, steps, has_validation};
    for (auto& c : callbacks) c->on_train_begin(begin, *this);

    for (int epoch = options.initial_epoch + 1; epoch <= options.epochs; ++epoch) {
      for (auto& c : callbacks) c->on_epoch_begin(epoch, *this);
      if (options.shuffle) std::shuffle(order.begin(), order.end(), rng);
      const auto start_time = std::chrono::steady_clock::now();
      double loss_sum = 0;
      Index correct = 0, seen = 0;
      for (Index step = 0; step < steps; ++step) {
        const Index first = step * options.batch_size;
        const Index n = std::min(options.batch_size, train_count - first);
        const Eigen::Map<const Eigen::Matrix<Index, Eigen::Dynamic, 1>> batch(order.data() + first, n);
        batch_x_ = x(Eigen::all, batch);               // gather the batch's columns
        batch_y_ = targets(Eigen::all, batch);
        if (options.augment) options.augment(batch_x_, rng);
        loss_sum += train_step(batch_x_, batch_y_, &correct) * static_cast<double>(n);
        seen += n;
        if (!callbacks.empty()) {
          const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
          const BatchEnd info{epoch, step + 1, steps, loss_sum / static_cast<double>(seen),
                              static_cast<double>(correct) / static_cast<double>(seen), seconds};
          for (auto& c : callbacks) c->on_batch_end(info, *this);
        }
        if (stop_training) break;  // a callback (TerminateOnNaN) ended the epoch here, as Keras
      }
      EpochLog log;
      log.epoch = epoch;
      log.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
      log.loss = loss_sum / static_cast<double>(seen);  // seen == train_count unless stopped early
      log.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
      log.learning_rate = optimizer_->learning_rate;
      if (has_validation) {
        const Evaluation v = evaluate_targets(val_x, val_y, inference_batch_size);
        log.val_loss = v.loss;
        log.val_accuracy = v.accuracy;
      }
      history.epochs.push_back(log);
      for (auto& c : callbacks) c->on_epoch_end(log, *this);
      if (stop_training) {
        history.stopped_epoch = epoch;
        break;
      }
    }
    for (auto& c : callbacks) c->on_train_end(history, *this);
    return history;
  }

  Shape input_shape_;
  std::uint64_t seed_;
  std::vector<std::unique_ptr<Layer<T>>> layers_;
  std::unique_ptr<Optimizer<T>> optimizer_;
  std::vector<Parameter<T>> parameters_;
  std::string loss_name_;
  bool sparse_labels_ = true;
  double label_smoothing_ = 0;
  // Buffers reused from batch to batch.
  Matrix<T> batch_x_;          // (features × N) the current batch
  Matrix<T> batch_y_;          // (classes × N)  its one-hot targets
  Matrix<T> output_gradient_;  // dL/d(output) or, fused, dL/d(softmax input)
  Matrix<T> smoothed_targets_; // (classes × N)  Y' with label smoothing
};

namespace detail {
// 101770 → "101,770"
inline std::string with_thousands(long long value) {
  std::string digits = std::to_string(value < 0 ? -value : value), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

// 406,936 bytes → "397.40 KB", as Keras prints sizes.
inline std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB"};
  int u = 0;
  while (bytes >= 1024 && u < 3) {
    bytes /= 1024;
    ++u;
  }
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << bytes << ' ' << units[u];
  return s.str();
}

// "Dense" → "dense", "MaxPooling2D" → "max_pooling2d", "BatchNormalization" → "batch_normalization"
inline std::string snake_case(const std::string& type) {
  std::string out;
  for (std::size_t i = 0; i < type.size(); ++i) {
    const char c = type[i];
    const bool upper = c >= 'A' && c <= 'Z';
    if (upper && i > 0 && !(type[i - 1] >= 'A' && type[i - 1] <= 'Z') && !(type[i - 1] >= '0' && type[i - 1] <= '9'))
      out += '_';
    else if (upper && i > 0 && i + 1 < type.size() && type[i + 1] >= 'a' && type[i + 1] <= 'z' &&
             type[i - 1] >= 'A' && type[i - 1] <= 'Z')
      out += '_';
    out += static_cast<char>(upper ? c - 'A' + 'a' : c);
  }
  return out;
}
}  // namespace detail

template <typename T>
std::string Sequential<T>::summary_string() const {
  std::ostringstream out;
  const int w1 = 34, w2 = 24, w3 = 14;
  auto rule = [&](char c) { out << std::string(static_cast<std::size_t>(w1 + w2 + w3 + 2), c) << '\n'; };
  auto row = [&](const std::string& a, const std::string& b, const std::string& c) {
    out << std::left << std::setw(w1) << a << ' ' << std::setw(w2) << b << ' ' << std::right << std::setw(w3) << c << '\n';
  };
  out << "Model: \"sequential\"\n";
  rule('=');
  row("Layer (type)", "Output Shape", "Param #");
  rule('=');
  std::map<std::string, int> seen;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Layer<T>& layer = *layers_[i];
    const std::string base = detail::snake_case(layer.type());
    const int k = seen[base]++;
    const std::string name = (k == 0 ? base : base + "_" + std::to_string(k)) + " (" + layer.type() + ")";
    Index params = 0;
    for (const Parameter<T>& p : const_cast<Layer<T>&>(layer).parameters()) params += p.value->size();
    row(name, layer.output_shape().to_string(), detail::with_thousands(params));
    rule(i + 1 == layers_.size() ? '=' : '-');
  }
  const Index trainable = count_parameters(true), frozen = count_parameters(false);
  auto line = [&](const char* label, Index n) {
    out << ' ' << label << detail::with_thousands(n) << " ("
        << detail::human_bytes(static_cast<double>(n) * static_cast<double>(sizeof(T))) << ")\n";
  };
  line("Total params: ", trainable + frozen);
  line("Trainable params: ", trainable);
  line("Non-trainable params: ", frozen);
  return out.str();
}

}  // namespace tinynet
