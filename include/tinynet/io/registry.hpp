// The registry: which layer and optimizer types model files can hold, by name, and how each is
// saved and rebuilt (io/configs.hpp). It starts with every built-in type (the lists in
// layers.hpp and optimizers.hpp); a type of your own is one call away from saving and loading
// like a built-in one:
//
//   tinynet::io::register_layer<Swish>("Swish");          // a layer template Swish<T>
//   tinynet::io::register_optimizer<Lion>();              // an update rule with Lion::name
//
// The registry is the one piece of process-wide state in tinynet (as Keras's
// register_keras_serializable): save_model and load_model use it unless their options name a
// Registry of their own. Registering is thread-safe; a name can be registered once.
#pragma once

#include <tinynet/io/config.hpp>
#include <tinynet/io/configs.hpp>
#include <tinynet/layers.hpp>
#include <tinynet/optimizers.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

namespace tinynet::io {

// How one layer type is saved and rebuilt, for one scalar type.
template <typename T>
struct LayerCodec {
  std::function<bool(const Layer<T>&)> holds;  // is this layer of the registered type?
  std::function<void(const Layer<T>&, ConfigWriter&)> save;
  std::function<std::unique_ptr<Layer<T>>(ConfigReader&)> load;
};

// How one optimizer type is saved and rebuilt, for one scalar type.
template <typename T>
struct OptimizerCodec {
  std::function<bool(const Optimizer<T>&)> holds;
  std::function<void(const Optimizer<T>&, ConfigWriter&)> save;
  std::function<std::unique_ptr<Optimizer<T>>(ConfigReader&)> load;
};

class Registry {
 public:
  // A registry with every built-in layer and optimizer.
  template <typename = void>
  static Registry with_builtins() {
    Registry r;
    for_each_builtin_layer([&]<template <typename> class L>(const char* name) { r.add_layer<L>(name); });
    for_each_builtin_optimizer([&]<typename Rule>() { r.add_optimizer<Rule>(); });
    return r;
  }

  Registry() = default;
  Registry(Registry&& other) noexcept : layers_(std::move(other.layers_)), optimizers_(std::move(other.optimizers_)) {}

  // Registers layer template L under `name`, saved and loaded by LayerConfig<L>.
  template <template <typename> class L>
  void add_layer(const std::string& name) {
    LayerEntry entry{layer_codec<L, float>(), layer_codec<L, double>()};
    const std::lock_guard lock(mutex_);
    if (!layers_.emplace(name, std::move(entry)).second)
      throw std::invalid_argument("register_layer: a layer type named '" + name + "' is already registered");
  }

  // Registers update rule Rule under Rule::name, saved and loaded by OptimizerConfig<Rule>.
  template <UpdateRule Rule>
  void add_optimizer() {
    OptimizerEntry entry{optimizer_codec<Rule, float>(), optimizer_codec<Rule, double>()};
    const std::lock_guard lock(mutex_);
    if (!optimizers_.emplace(Rule::name, std::move(entry)).second)
      throw std::invalid_argument(std::string("register_optimizer: an optimizer named '") + Rule::name +
                                  "' is already registered");
  }

  // The codec of the layer (optimizer) type registered as `name`, or nullptr.
  template <typename T>
  const LayerCodec<T>* layer(const std::string& name) const {
    return find<T>(layers_, name);
  }
  template <typename T>
  const OptimizerCodec<T>* optimizer(const std::string& name) const {
    return find<T>(optimizers_, name);
  }

  // The name a layer's (an optimizer's) type is registered under, or "" if it is not registered.
  template <typename T>
  std::string name_of(const Layer<T>& layer) const {
    return name_in<T>(layers_, layer);
  }
  template <typename T>
  std::string name_of(const Optimizer<T>& optimizer) const {
    return name_in<T>(optimizers_, optimizer);
  }

  // The registered names, sorted: "BatchNormalization, Conv2D, ..." for messages.
  std::string layer_names() const { return names(layers_); }
  std::string optimizer_names() const { return names(optimizers_); }

 private:
  template <template <typename> class Codec>
  struct Entry {
    Codec<float> f32;
    Codec<double> f64;
    template <typename T>
    const Codec<T>& codec() const {
      if constexpr (std::is_same_v<T, float>)
        return f32;
      else
        return f64;
    }
  };
  using LayerEntry = Entry<LayerCodec>;
  using OptimizerEntry = Entry<OptimizerCodec>;

  template <template <typename> class L, typename T>
  static LayerCodec<T> layer_codec() {
    return {
        [](const Layer<T>& layer) { return typeid(layer) == typeid(L<T>); },
        [](const Layer<T>& layer, ConfigWriter& out) { LayerConfig<L>::save(dynamic_cast<const L<T>&>(layer), out); },
        [](ConfigReader& in) -> std::unique_ptr<Layer<T>> { return LayerConfig<L>::template load<T>(in); }};
  }

  template <typename Rule, typename T>
  static OptimizerCodec<T> optimizer_codec() {
    using Implementation = RuleOptimizer<T, Rule>;
    return {[](const Optimizer<T>& optimizer) { return typeid(optimizer) == typeid(Implementation); },
            [](const Optimizer<T>& optimizer, ConfigWriter& out) {
              const Rule rule = dynamic_cast<const Implementation&>(optimizer).rule();
              OptimizerConfig<Rule>::fields(rule, [&](const char* key, const auto& value) { out.write(key, value); });
            },
            [](ConfigReader& in) -> std::unique_ptr<Optimizer<T>> {
              Rule rule;
              OptimizerConfig<Rule>::fields(rule, [&](const char* key, auto& value) { in.optional(key, value); });
              return std::make_unique<Implementation>(rule);
            }};
  }

  template <typename T, typename Map>
  const auto* find(const Map& map, const std::string& name) const {
    const std::lock_guard lock(mutex_);
    const auto it = map.find(name);
    return it == map.end() ? nullptr : &it->second.template codec<T>();
  }

  template <typename T, typename Map, typename Object>
  std::string name_in(const Map& map, const Object& object) const {
    const std::lock_guard lock(mutex_);
    for (const auto& [name, entry] : map)
      if (entry.template codec<T>().holds(object)) return name;
    return "";
  }

  template <typename Map>
  std::string names(const Map& map) const {
    const std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [name, entry] : map) out += (out.empty() ? "" : ", ") + name;
    return out;
  }

  mutable std::mutex mutex_;
  std::map<std::string, LayerEntry> layers_;
  std::map<std::string, OptimizerEntry> optimizers_;
};

// The process-wide registry, with every built-in type. (A template only so that its codecs are
// compiled in the programs that save or load, not in every program that includes this header.)
template <typename = void>
Registry& registry() {
  static Registry instance = Registry::with_builtins();
  return instance;
}

// Registers layer template L (Swish<T>, for float and double) under `name` in the process-wide
// registry, so that save_model and load_model handle it like a built-in layer. Its constructor
// arguments, if any, are saved by a specialization of LayerConfig<L> (io/configs.hpp).
template <template <typename> class L>
void register_layer(const std::string& name) {
  registry().add_layer<L>(name);
}

// Registers update rule Rule (see optimizers/optimizer.hpp) under Rule::name; its
// hyperparameters are saved by a specialization of OptimizerConfig<Rule>.
template <UpdateRule Rule>
void register_optimizer() {
  registry().add_optimizer<Rule>();
}

}  // namespace tinynet::io
