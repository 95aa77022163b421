// The configuration a model file stores for a layer or an optimizer (io/configs.hpp), as JSON:
// what the tests of each type check its accessors against.
#pragma once

#include <tinynet/io/registry.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace tinynet_test {

// `codec(name)` is the registry's codec for the object's registered name.
template <typename Object, typename Codec>
nlohmann::json config_of(const Object& object, Codec codec) {
  const std::string name = tinynet::io::registry().name_of(object);
  if (name.empty()) throw std::logic_error("config_of: " + object.type() + " is not registered");
  tinynet::io::ConfigWriter out;
  codec(name)->save(object, out);
  return out.json();
}

template <typename T>
nlohmann::json config_of(const tinynet::Layer<T>& layer) {
  return config_of(layer, [](const std::string& name) { return tinynet::io::registry().layer<T>(name); });
}

template <typename T>
nlohmann::json config_of(const tinynet::Optimizer<T>& optimizer) {
  return config_of(optimizer, [](const std::string& name) { return tinynet::io::registry().optimizer<T>(name); });
}

}  // namespace tinynet_test
