// A type's configuration as model files store it: a JSON object of named values, as Keras's
// get_config() returns it. ConfigWriter writes one; ConfigReader reads one from an untrusted
// file, checking every value's type and range before it is used:
//
//   integers are JSON integers (never a float such as 1e300, never out of the target's range),
//   numbers are finite, strings are one of the names the field takes, and a key the reader was
//   not asked for is an error (an option of a newer tinynet is reported, not dropped).
//
// Errors are FormatError naming the place ("layer 2 (Dense)"), the key and the expected vs the
// actual value, described without recursing into untrusted nesting (detail::describe).
#pragma once

#include <tinynet/initializers.hpp>
#include <tinynet/io/safetensors.hpp>
#include <tinynet/layers/activation.hpp>
#include <tinynet/layers/padding.hpp>
#include <tinynet/regularizers.hpp>
#include <tinynet/tensor.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace tinynet::io {

class ConfigWriter {
 public:
  void write(const std::string& key, Index value) { object_[key] = value; }
  void write(const std::string& key, double value) { object_[key] = value; }
  void write(const std::string& key, bool value) { object_[key] = value; }
  void write(const std::string& key, const std::string& value) { object_[key] = value; }
  void write(const std::string& key, const char* value) { object_[key] = std::string(value); }
  void write(const std::string& key, Initializer value) { object_[key] = to_string(value); }
  void write(const std::string& key, Padding value) { object_[key] = to_string(value); }
  void write(const std::string& key, Activation value) { object_[key] = to_string(value); }
  void write(const std::string& key, const Regularizer& value) { object_[key] = {{"l1", value.l1}, {"l2", value.l2}}; }
  void write(const std::string& key, const std::optional<std::uint64_t>& value) {
    object_[key] = value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  }

  const nlohmann::json& json() const { return object_; }

 private:
  nlohmann::json object_ = nlohmann::json::object();
};

class ConfigReader {
 public:
  // `where` names the configuration in messages: "tinynet model file 'm.safetensors': layer 2 (Dense)".
  ConfigReader(const nlohmann::json& object, std::string where, std::string path = {})
      : object_(object), where_(std::move(where)), path_(std::move(path)) {
    if (!object_.is_object()) throw fail("config is " + detail::describe(object_) + ", expected a JSON object");
  }

  // The value of `key`, which must be present.
  template <typename V>
  V required(const std::string& key) {
    V value{};
    if (!object_.contains(key)) throw fail("config has no '" + key + "'");
    read(key, object_.at(key), value);
    return value;
  }

  // Reads `key` into `value` when present; otherwise `value` keeps its default.
  template <typename V>
  void optional(const std::string& key, V& value) {
    if (object_.contains(key)) read(key, object_.at(key), value);
  }

  // The array under `key`, which must be present and hold 1 … max_size elements.
  const nlohmann::json& array(const std::string& key, std::size_t max_size) {
    if (!object_.contains(key)) throw fail("config has no '" + key + "'");
    used_.insert(key);
    const nlohmann::json& v = object_.at(key);
    if (!v.is_array() || v.empty() || v.size() > max_size)
      throw fail("'" + key + "' is " + detail::describe(v) + ", expected an array of 1 to " + std::to_string(max_size) +
                 " elements");
    return v;
  }

  // Element `i` of the array under `key`, as an integer in [low, high].
  Index integer_element(const std::string& key, const nlohmann::json& v, std::size_t i, Index low, Index high) const {
    const bool integer =
        v.is_number_integer() && !(v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(high));
    if (!integer || v.get<Index>() < low || v.get<Index>() > high)
      throw fail("'" + key + "'[" + std::to_string(i) + "] is " + detail::describe(v) + ", expected an integer in [" +
                 std::to_string(low) + ", " + std::to_string(high) + "]");
    return v.get<Index>();
  }

  // Marks `key` as read and returns its value (a nested configuration read by another reader),
  // or nullptr when absent.
  const nlohmann::json* optional_json(const std::string& key) {
    if (!object_.contains(key)) return nullptr;
    used_.insert(key);
    return &object_.at(key);
  }

  // Throws for the first key that no required()/optional() call asked for.
  void finish() const {
    for (const auto& [key, value] : object_.items())
      if (!used_.count(key)) throw fail("config key '" + key + "' is not understood by this tinynet");
  }

  FormatError fail(const std::string& problem) const { return FormatError(where_ + ": " + problem, path_); }

 private:
  void expect(bool ok, const std::string& key, const nlohmann::json& v, const char* expected) const {
    if (!ok) throw fail("'" + key + "' is " + detail::describe(v) + ", expected " + expected);
  }

  void read(const std::string& key, const nlohmann::json& v, Index& out) {
    used_.insert(key);
    expect(v.is_number_integer() &&
               !(v.is_number_unsigned() &&
                 v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<Index>::max())),
           key, v, "an integer");
    out = v.get<Index>();
  }
  void read(const std::string& key, const nlohmann::json& v, double& out) {
    used_.insert(key);
    expect(v.is_number() && std::isfinite(v.get<double>()), key, v, "a finite number");
    out = v.get<double>();
  }
  void read(const std::string& key, const nlohmann::json& v, bool& out) {
    used_.insert(key);
    expect(v.is_boolean(), key, v, "true or false");
    out = v.get<bool>();
  }
  void read(const std::string& key, const nlohmann::json& v, std::string& out) {
    used_.insert(key);
    expect(v.is_string(), key, v, "a string");
    out = v.get<std::string>();
  }
  void read(const std::string& key, const nlohmann::json& v, Initializer& out) {
    read_name(key, v, out, initializer_from_string);
  }
  void read(const std::string& key, const nlohmann::json& v, Padding& out) {
    read_name(key, v, out, padding_from_string);
  }
  void read(const std::string& key, const nlohmann::json& v, Activation& out) {
    read_name(key, v, out, activation_from_string);
  }
  // A value named by a string, which `from_string` turns into it (or rejects).
  template <typename E, typename FromString>
  void read_name(const std::string& key, const nlohmann::json& v, E& out, FromString from_string) {
    std::string name;
    read(key, v, name);
    try {
      out = from_string(name);
    } catch (const std::invalid_argument& e) {
      throw fail("'" + key + "': " + e.what());
    }
  }
  void read(const std::string& key, const nlohmann::json& v, Regularizer& out) {
    used_.insert(key);
    ConfigReader inner(v, where_ + ": '" + key + "'", path_);
    inner.optional("l1", out.l1);
    inner.optional("l2", out.l2);
    inner.finish();
  }
  void read(const std::string& key, const nlohmann::json& v, std::optional<std::uint64_t>& out) {
    used_.insert(key);
    if (v.is_null()) {
      out.reset();
      return;
    }
    expect(v.is_number_unsigned(), key, v, "null or a non-negative integer");
    out = v.get<std::uint64_t>();
  }

  const nlohmann::json& object_;
  std::string where_;
  std::string path_;
  std::set<std::string> used_;
};

}  // namespace tinynet::io
