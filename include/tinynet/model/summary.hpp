// The Keras-style summary table of a model: each layer's name, output shape and parameter
// count, then the totals (BatchNorm's moving statistics count as non-trainable, as in Keras).
//
//   Model: "sequential"
//   ==========================================================================
//   Layer (type)                       Output Shape                    Param #
//   ==========================================================================
//   dense (Dense)                      (None, 128)                     100,480
//   --------------------------------------------------------------------------
//   ...
//    Total params: 101,770 (397.54 KB)
#pragma once

#include <tinynet/tensor.hpp>

#include <iomanip>
#include <map>
#include <sstream>
#include <string>

namespace tinynet {

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
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::string out;
  for (std::size_t i = 0; i < type.size(); ++i) {
    const char c = type[i];
    if (upper(c) && i > 0 && !upper(type[i - 1]) && !digit(type[i - 1]))
      out += '_';  // "maxPool" → "max_pool"
    else if (upper(c) && i > 0 && i + 1 < type.size() && lower(type[i + 1]) && upper(type[i - 1]))
      out += '_';  // "ELUActivation" → "elu_activation"
    out += upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

}  // namespace detail

// The table for any model with size(), layer(i) (type(), output_shape(), parameters()),
// count_parameters(trainable) and a scalar type.
template <typename Model>
std::string summary_table(const Model& model) {
  using Scalar = typename Model::Scalar;
  std::ostringstream out;
  const int w1 = 34, w2 = 24, w3 = 14;
  auto rule = [&](char c) { out << std::string(static_cast<std::size_t>(w1 + w2 + w3 + 2), c) << '\n'; };
  auto row = [&](const std::string& a, const std::string& b, const std::string& c) {
    out << std::left << std::setw(w1) << a << ' ' << std::setw(w2) << b << ' ' << std::right << std::setw(w3) << c
        << '\n';
  };
  out << "Model: \"sequential\"\n";
  rule('=');
  row("Layer (type)", "Output Shape", "Param #");
  rule('=');
  std::map<std::string, int> seen;
  for (std::size_t i = 0; i < model.size(); ++i) {
    const auto& layer = model.layer(i);
    const std::string base = detail::snake_case(layer.type());
    const int k = seen[base]++;
    const std::string name = (k == 0 ? base : base + "_" + std::to_string(k)) + " (" + layer.type() + ")";
    row(name, layer.output_shape().to_string(), detail::with_thousands(model.layer_parameter_count(i)));
    rule(i + 1 == model.size() ? '=' : '-');
  }
  const Index trainable = model.count_parameters(true), frozen = model.count_parameters(false);
  auto line = [&](const char* label, Index n) {
    out << ' ' << label << detail::with_thousands(n) << " ("
        << detail::human_bytes(static_cast<double>(n) * static_cast<double>(sizeof(Scalar))) << ")\n";
  };
  line("Total params: ", trainable + frozen);
  line("Trainable params: ", trainable);
  line("Non-trainable params: ", frozen);
  return out.str();
}

}  // namespace tinynet
