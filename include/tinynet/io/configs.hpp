// How each built-in layer and optimizer is described in a model file: its configuration, as
// Keras's get_config() gives it, written from the type's public accessors and read back into
// its constructor. This is the one place that knows those keys; the types know nothing of files.
//
//   LayerConfig<L>::save(layer, writer)   the constructor arguments of a built layer
//   LayerConfig<L>::load<T>(reader)       a new, unbuilt layer from them
//   OptimizerConfig<R>::fields(rule, f)   f(key, field) for every hyperparameter of rule R
//
// A key that a type's constructor does not require is optional when read: it keeps the default
// of the type's options struct, the one place a default is written. A layer of your own with
// constructor arguments specializes LayerConfig for its template (examples/custom_layer shows
// one); a layer without arguments needs nothing.
#pragma once

#include <tinynet/io/config.hpp>
#include <tinynet/layers.hpp>
#include <tinynet/optimizers.hpp>

#include <memory>

namespace tinynet::io {

// A layer without constructor arguments (ReLU, Softmax, Flatten, ...): an empty configuration.
template <template <typename> class L>
struct LayerConfig {
  template <typename T>
  static void save(const L<T>&, ConfigWriter&) {}
  template <typename T>
  static std::unique_ptr<Layer<T>> load(ConfigReader&) {
    return std::make_unique<L<T>>();
  }
};

template <>
struct LayerConfig<Dense> {
  template <typename T>
  static void save(const Dense<T>& layer, ConfigWriter& out) {
    out.write("units", layer.units());
    out.write("kernel_initializer", layer.options().kernel_initializer);
    out.write("kernel_regularizer", layer.options().kernel_regularizer);
  }
  template <typename T>
  static std::unique_ptr<Layer<T>> load(ConfigReader& in) {
    const Index units = in.required<Index>("units");
    DenseOptions options;
    in.optional("kernel_initializer", options.kernel_initializer);
    in.optional("kernel_regularizer", options.kernel_regularizer);
    return std::make_unique<Dense<T>>(units, options);
  }
};

template <>
struct LayerConfig<Conv2D> {
  template <typename T>
  static void save(const Conv2D<T>& layer, ConfigWriter& out) {
    const Conv2DOptions& o = layer.options();
    out.write("filters", layer.filters());
    out.write("kernel_size", layer.kernel_size());
    out.write("strides", o.stride);
    out.write("padding", o.padding);
    // Written only when set, so that a file without it stays readable by a tinynet older than the
    // option (one that has it is rejected there, naming the key).
    if (o.activation != Conv2DOptions{}.activation) out.write("activation", o.activation);
    out.write("use_bias", o.use_bias);
    out.write("kernel_initializer", o.kernel_initializer);
    out.write("kernel_regularizer", o.kernel_regularizer);
  }
  template <typename T>
  static std::unique_ptr<Layer<T>> load(ConfigReader& in) {
    const Index filters = in.required<Index>("filters");
    const Index kernel_size = in.required<Index>("kernel_size");
    Conv2DOptions o;
    in.optional("strides", o.stride);
    in.optional("padding", o.padding);
    in.optional("activation", o.activation);
    in.optional("use_bias", o.use_bias);
    in.optional("kernel_initializer", o.kernel_initializer);
    in.optional("kernel_regularizer", o.kernel_regularizer);
    return std::make_unique<Conv2D<T>>(filters, kernel_size, o);
  }
};

template <>
struct LayerConfig<MaxPooling2D> {
  template <typename T>
  static void save(const MaxPooling2D<T>& layer, ConfigWriter& out) {
    out.write("pool_size", layer.pool_size());
    out.write("strides", layer.strides());
    out.write("padding", Padding::valid);
  }
  template <typename T>
  static std::unique_ptr<Layer<T>> load(ConfigReader& in) {
    const MaxPooling2D<T> defaults;
    Index pool_size = defaults.pool_size(), strides = 0;  // strides 0: the pool size
    Padding padding = Padding::valid;
    in.optional("pool_size", pool_size);
    in.optional("strides", strides);
    in.optional("padding", padding);
    if (padding != Padding::valid) throw in.fail("MaxPooling2D supports padding \"valid\" only, got \"same\"");
    return std::make_unique<MaxPooling2D<T>>(pool_size, strides);
  }
};

template <>
struct LayerConfig<BatchNormalization> {
  template <typename T>
  static void save(const BatchNormalization<T>& layer, ConfigWriter& out) {
    out.write("axis", Index{-1});
    out.write("momentum", layer.options().momentum);
    out.write("epsilon", layer.options().epsilon);
  }
  template <typename T>
  static std::unique_ptr<Layer<T>> load(ConfigReader& in) {
    Index axis = -1;
    in.optional("axis", axis);
    if (axis != -1) throw in.fail("'axis' is " + std::to_string(axis) + ", expected -1 (the last axis)");
    BatchNormalizationOptions options;
    in.optional("momentum", options.momentum);
    in.optional("epsilon", options.epsilon);
    return std::make_unique<BatchNormalization<T>>(options);
  }
};

template <>
struct LayerConfig<Dropout> {
  template <typename T>
  static void save(const Dropout<T>& layer, ConfigWriter& out) {
    out.write("rate", layer.rate());
    out.write("seed", layer.seed());
  }
  template <typename T>
  static std::unique_ptr<Layer<T>> load(ConfigReader& in) {
    const double rate = in.required<double>("rate");
    std::optional<std::uint64_t> seed;
    in.optional("seed", seed);
    return std::make_unique<Dropout<T>>(rate, seed);
  }
};

template <>
struct LayerConfig<LeakyReLU> {
  template <typename T>
  static void save(const LeakyReLU<T>& layer, ConfigWriter& out) {
    out.write("negative_slope", layer.negative_slope());
  }
  template <typename T>
  static std::unique_ptr<Layer<T>> load(ConfigReader& in) {
    double slope = LeakyReLU<T>{}.negative_slope();
    in.optional("negative_slope", slope);
    return std::make_unique<LeakyReLU<T>>(slope);
  }
};

template <>
struct LayerConfig<ELU> {
  template <typename T>
  static void save(const ELU<T>& layer, ConfigWriter& out) {
    out.write("alpha", layer.alpha());
  }
  template <typename T>
  static std::unique_ptr<Layer<T>> load(ConfigReader& in) {
    double alpha = ELU<T>{}.alpha();
    in.optional("alpha", alpha);
    return std::make_unique<ELU<T>>(alpha);
  }
};

// The hyperparameters of an update rule, as (key, field) pairs: written as they are, read into
// a default-constructed rule (so that a key left out keeps the rule's default).
template <typename Rule>
struct OptimizerConfig;

template <>
struct OptimizerConfig<SGD> {
  template <typename R, typename F>
  static void fields(R& rule, F&& field) {
    field("learning_rate", rule.learning_rate);
    field("momentum", rule.momentum);
    field("nesterov", rule.nesterov);
  }
};

template <>
struct OptimizerConfig<Adam> {
  template <typename R, typename F>
  static void fields(R& rule, F&& field) {
    field("learning_rate", rule.learning_rate);
    field("beta_1", rule.beta_1);
    field("beta_2", rule.beta_2);
    field("epsilon", rule.epsilon);
  }
};

template <>
struct OptimizerConfig<RMSprop> {
  template <typename R, typename F>
  static void fields(R& rule, F&& field) {
    field("learning_rate", rule.learning_rate);
    field("rho", rule.rho);
    field("epsilon", rule.epsilon);
  }
};

}  // namespace tinynet::io
