// The layer registry: the one place that turns a layer's saved description — its Keras class
// name and its config() — back into a layer, for load_model (io/model_file.hpp).
//
//   make_layer<float>("Dense", {{"units", 10}, ...})   → std::unique_ptr<Layer<float>>
//
// Every layer type of the library is listed here; a new layer type adds one entry to
// make_layer and one name to registered_layer_types. The rebuilt layer must report the very
// config it was built from (load_model checks this), so a config key this tinynet does not
// understand — an option of a newer version — is an error rather than silently dropped.
#pragma once

#include "../layers/batch_normalization.hpp"
#include "../layers/conv2d.hpp"
#include "../layers/dense.hpp"
#include "../layers/dropout.hpp"
#include "../layers/elu.hpp"
#include "../layers/flatten.hpp"
#include "../layers/layer.hpp"
#include "../layers/leaky_relu.hpp"
#include "../layers/max_pooling2d.hpp"
#include "../layers/relu.hpp"
#include "../layers/softmax.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynet {

// The layer types make_layer knows, in alphabetical order.
inline std::vector<std::string> registered_layer_types() {
  return {"BatchNormalization", "Conv2D", "Dense", "Dropout", "ELU", "Flatten",
          "LeakyReLU", "MaxPooling2D", "ReLU", "Softmax"};
}

namespace detail {

// A kernel_regularizer as Dense and Conv2D write it: {"l1": a, "l2": b}.
inline Regularizer regularizer_from_config(const nlohmann::json& config) {
  if (!config.contains("kernel_regularizer")) return {};
  const nlohmann::json& r = config.at("kernel_regularizer");
  return {r.value("l1", 0.0), r.value("l2", 0.0)};
}

inline Initializer initializer_from_config(const nlohmann::json& config) {
  return initializer_from_string(config.value("kernel_initializer", std::string("glorot_uniform")));
}

}  // namespace detail

// Builds an unbuilt layer of Keras class name `type` from its config() (the model's add()
// builds it). Required keys ("units", "filters", ...) must be present; optional ones take
// the constructor's defaults. Throws std::invalid_argument for an unknown type (naming it
// and the known ones) or a config that does not fit it.
template <typename T>
std::unique_ptr<Layer<T>> make_layer(const std::string& type, const nlohmann::json& config) {
  if (!config.is_object())
    throw std::invalid_argument(type + ": config is not a JSON object (it is " + config.type_name() + ")");
  try {
    if (type == "Dense")
      return std::make_unique<Dense<T>>(config.at("units").get<Index>(),
                                        DenseOptions{detail::initializer_from_config(config),
                                                     detail::regularizer_from_config(config)});
    if (type == "ReLU") return std::make_unique<ReLU<T>>();
    if (type == "Softmax") return std::make_unique<Softmax<T>>();
    if (type == "Flatten") return std::make_unique<Flatten<T>>();
    if (type == "LeakyReLU") return std::make_unique<LeakyReLU<T>>(config.value("negative_slope", 0.3));
    if (type == "ELU") return std::make_unique<ELU<T>>(config.value("alpha", 1.0));
    if (type == "Dropout") {
      std::optional<std::uint64_t> seed;
      if (config.contains("seed") && !config.at("seed").is_null()) seed = config.at("seed").get<std::uint64_t>();
      return std::make_unique<Dropout<T>>(config.at("rate").get<double>(), seed);
    }
    if (type == "BatchNormalization")
      return std::make_unique<BatchNormalization<T>>(
          BatchNormalizationOptions{config.value("momentum", 0.99), config.value("epsilon", 1e-3)});
    if (type == "Conv2D")
      return std::make_unique<Conv2D<T>>(
          config.at("filters").get<Index>(), config.at("kernel_size").get<Index>(),
          Conv2DOptions{config.value("strides", Index{1}),
                        padding_from_string(config.value("padding", std::string("valid"))),
                        config.value("use_bias", true), detail::initializer_from_config(config),
                        detail::regularizer_from_config(config)});
    if (type == "MaxPooling2D") {
      if (config.value("padding", std::string("valid")) != "valid")
        throw std::invalid_argument("MaxPooling2D supports padding \"valid\" only, got " +
                                    config.at("padding").dump());
      return std::make_unique<MaxPooling2D<T>>(config.value("pool_size", Index{2}),
                                               config.value("strides", Index{0}));
    }
  } catch (const nlohmann::json::exception& e) {  // a missing key or a value of the wrong type
    throw std::invalid_argument(type + ": config " + config.dump() + " does not fit: " + e.what());
  }
  std::string known;
  for (const std::string& name : registered_layer_types()) known += (known.empty() ? "" : ", ") + name;
  throw std::invalid_argument("unknown layer type '" + type + "' (this tinynet knows " + known + ")");
}

}  // namespace tinynet
