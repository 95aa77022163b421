// The configuration a model file stores for a layer or an optimizer (io/configs.hpp), as JSON:
// what the tests of each type check its accessors against.
#pragma once

#include <tinynet/io/registry.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace tinynet_test {

template <typename T>
nlohmann::json config_of(const tinynet::Layer<T>& layer) {
  const auto& registry = tinynet::io::registry();
  const std::string name = registry.name_of(layer);
  if (name.empty()) throw std::logic_error("config_of: " + layer.type() + " is not registered");
  tinynet::io::ConfigWriter out;
  registry.layer<T>(name)->save(layer, out);
  return out.json();
}

template <typename T>
nlohmann::json config_of(const tinynet::Optimizer<T>& optimizer) {
  const auto& registry = tinynet::io::registry();
  const std::string name = registry.name_of(optimizer);
  if (name.empty()) throw std::logic_error("config_of: " + optimizer.type() + " is not registered");
  tinynet::io::ConfigWriter out;
  registry.optimizer<T>(name)->save(optimizer, out);
  return out.json();
}

}  // namespace tinynet_test
