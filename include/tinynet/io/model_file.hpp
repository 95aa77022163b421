// Saved models: a whole Sequential — its architecture, every parameter, and optionally the
// compiled optimizer with its state — in one safetensors file (io/safetensors.hpp).
//
//   model.save("model.safetensors");                                    // architecture + weights
//   save_model(model, "ckpt.safetensors", {.include_optimizer = true});  // + optimizer state
//   Sequential<float> m = load_model<float>("ckpt.safetensors");         // compiled, state restored
//
// The file (docs/file-format.md, "Model files", is the full description):
//
//   layers.{i}.{name}                    parameter `name` of layer i (0-based): kernel, bias, gamma,
//                                        beta, moving_mean, moving_variance; in the model's scalar
//                                        type (F32 or F64)
//   optimizer.layers.{i}.{name}.{slot}   the optimizer's state for that parameter (Adam's m and v,
//                                        SGD's and RMSprop's velocity), trainable parameters only
//   __metadata__                         format = "tinynet", format_version, tinynet_version, scalar,
//                                        architecture and compile (JSON strings), optimizer_state, ...
//
// Tensor shapes are those of the PyTorch module that computes the same thing, so that
// `linear.weight.copy_(tensors["layers.0.kernel"])` works:
//
//   Dense.kernel  W (out × in)          → [out, in]               as torch.nn.Linear.weight
//   Conv2D.kernel W (C_out × k·k·C_in)  → [C_out, C_in, k, k]     as torch.nn.Conv2d.weight:
//                 file[f][c][ky][kx] = W(f, (ky·k + kx)·C_in + c)
//   every (n × 1) parameter              → [n]                     biases, BatchNorm's vectors
//
// Loading rebuilds the model from "architecture" through the layer registry
// (io/layer_registry.hpp), then checks every tensor against the rebuilt model — present, of
// the file's scalar dtype, of the expected shape, no tensor left over — and throws
// io::FormatError naming the file and the problem for anything else: a file that is not
// safetensors or is damaged, not a tinynet model, of a newer format_version, with missing
// metadata, an unknown layer or optimizer type, or a config this tinynet cannot rebuild
// exactly. A float32 file loads into a Sequential<double> exactly; a float64 file loads into a
// Sequential<float> rounded to the nearest float (and so predicts slightly differently).
//
// Resuming: a file saved with include_optimizer restores the optimizer's learning rate,
// iteration count and every slot, so that training continues exactly as if it had never
// stopped (fit with initial_epoch and the same seed; see tests/test_model_file.cpp). Not
// saved: Dropout's random generator, which restarts from its seed when the model is loaded.
#pragma once

#include "../optimizers/adam.hpp"
#include "../optimizers/optimizer.hpp"
#include "../optimizers/rmsprop.hpp"
#include "../optimizers/sgd.hpp"
#include "../losses/cross_entropy.hpp"
#include "../sequential.hpp"
#include "layer_registry.hpp"
#include "safetensors.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace tinynet {

struct SaveOptions {
  // Also save the compiled optimizer's state (learning rate, iterations, slots), so that
  // training can resume exactly. Keras's include_optimizer, which defaults to true there;
  // here the default file holds what inference needs.
  bool include_optimizer = false;
  // Extra metadata to store (string values; the keys save_model writes itself are reserved).
  // ModelCheckpoint stores "epoch" here.
  std::map<std::string, std::string> metadata{};
};

struct LoadOptions {
  // Compile the loaded model with the saved loss and optimizer (and the optimizer's state when
  // the file has it), as Keras's load_model(compile=True). false: an uncompiled model.
  bool compile = true;
};

// The tinynet release that writes a file's "tinynet_version" (CMakeLists.txt's project VERSION;
// a test checks the two agree).
inline constexpr const char* model_file_library_version = "0.1.0";

// The model-file format version this tinynet writes, and the newest it reads (it reads 1 … this).
inline constexpr int model_format_version = 1;

// Builds an optimizer from its type() and config(): "SGD", "Adam" or "RMSprop". Throws
// std::invalid_argument for an unknown type or a config that does not fit.
template <typename T>
std::unique_ptr<Optimizer<T>> make_optimizer(const std::string& type, const nlohmann::json& config) {
  if (!config.is_object())
    throw std::invalid_argument(type + ": config is not a JSON object (it is " + config.type_name() + ")");
  try {
    if (type == "SGD")
      return std::make_unique<SGD<T>>(SGDOptions{config.value("learning_rate", 0.01),
                                                 config.value("momentum", 0.0), config.value("nesterov", false)});
    if (type == "Adam")
      return std::make_unique<Adam<T>>(AdamOptions{config.value("learning_rate", 1e-3), config.value("beta_1", 0.9),
                                                   config.value("beta_2", 0.999), config.value("epsilon", 1e-7)});
    if (type == "RMSprop")
      return std::make_unique<RMSprop<T>>(RMSpropOptions{config.value("learning_rate", 1e-3),
                                                         config.value("rho", 0.9), config.value("epsilon", 1e-7)});
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(type + ": config " + config.dump() + " does not fit: " + e.what());
  }
  throw std::invalid_argument("unknown optimizer type '" + type + "' (this tinynet knows Adam, RMSprop, SGD)");
}

namespace detail {

// How one parameter matrix is laid out as a tensor in the file (see the top of this file).
struct TensorLayout {
  std::vector<std::int64_t> shape;  // the tensor's shape in the file
  Index conv_channels = 0;          // C_in of a Conv2D kernel stored [C_out, C_in, k, k]; 0: row-major
  Index conv_k = 0;                 // k of that kernel

  // The matrix entry (row, column) that holds the file's value number i (row-major over shape).
  std::pair<Index, Index> entry(std::int64_t i, Index cols) const {
    if (conv_channels == 0) return {i / cols, i % cols};
    const Index per_filter = conv_channels * conv_k * conv_k;
    const Index f = i / per_filter, rest = i % per_filter;                  // [f][c][ky][kx]
    const Index c = rest / (conv_k * conv_k), ky = rest / conv_k % conv_k, kx = rest % conv_k;
    return {f, (ky * conv_k + kx) * conv_channels + c};                     // W(f, (ky·k + kx)·C_in + c)
  }
};

template <typename T>
TensorLayout layout_of(const Layer<T>& layer, const std::string& name, const Matrix<T>& value) {
  const auto rows = static_cast<std::int64_t>(value.rows()), cols = static_cast<std::int64_t>(value.cols());
  if (layer.type() == "Conv2D" && name == "kernel") {
    const Index c_in = layer.input_shape().dims.back();
    const nlohmann::json config = layer.config();
    const Index k = config.at("kernel_size").get<Index>();
    if (k * k * c_in != value.cols())
      throw std::logic_error("Conv2D kernel is " + std::to_string(value.rows()) + "×" + std::to_string(value.cols()) +
                             ", expected " + std::to_string(value.rows()) + "×" + std::to_string(k * k * c_in));
    return {{rows, c_in, k, k}, c_in, k};
  }
  if (name == "kernel" || cols != 1) return {{rows, cols}};
  return {{rows}};
}

// The matrix as a tensor of the given layout, in the model's own dtype.
template <typename T>
io::TensorRecord to_record(std::string name, const Matrix<T>& m, const TensorLayout& layout) {
  io::TensorRecord r{std::move(name), std::string(io::dtype_of<T>()), layout.shape, {}};
  r.data.resize(static_cast<std::size_t>(m.size()) * sizeof(T));
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(m.size()); ++i) {
    const auto [row, col] = layout.entry(i, m.cols());
    io::detail::store_le<T>(m(row, col), r.data.data() + i * static_cast<std::int64_t>(sizeof(T)));
  }
  return r;
}

// Fills m, already of the right size, from a tensor of the given layout (F32 or F64, converted).
template <typename T>
void from_record(const io::TensorRecord& r, const TensorLayout& layout, Matrix<T>& m) {
  io::detail::decode<T>(r, [&](std::int64_t i, T value) {
    const auto [row, col] = layout.entry(i, m.cols());
    m(row, col) = value;
  });
}

inline std::string parameter_tensor(std::size_t layer, const std::string& name) {
  return "layers." + std::to_string(layer) + "." + name;
}

inline std::string slot_tensor(std::size_t layer, const std::string& name, const std::string& slot) {
  return "optimizer." + parameter_tensor(layer, name) + "." + slot;
}

// "rebuilds as" message for a config that does not survive make_layer/make_optimizer.
inline std::string config_mismatch(const nlohmann::json& saved, const nlohmann::json& rebuilt) {
  for (const auto& [key, value] : saved.items())
    if (!rebuilt.contains(key)) return "config key '" + key + "' is not understood by this tinynet";
  return "config " + saved.dump() + " rebuilds as " + rebuilt.dump();
}

}  // namespace detail

// Writes `model` to `path` (atomically: a temporary file renamed into place). Throws
// std::logic_error for a model without layers, std::invalid_argument for a reserved key in
// options.metadata, and std::runtime_error naming the path if the file cannot be written.
template <typename T>
void save_model(const Sequential<T>& model, const std::string& path, const SaveOptions& options = {}) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "model files hold float32 or float64 models");
  if (model.size() == 0) throw std::logic_error("save_model: the model has no layers");
  // parameters() and optimizer() are not const members; nothing below changes the model.
  auto& m = const_cast<Sequential<T>&>(model);

  nlohmann::json layers = nlohmann::json::array();
  std::vector<io::TensorRecord> tensors;
  for (std::size_t i = 0; i < m.size(); ++i) {
    const Layer<T>& layer = m.layer(i);
    layers.push_back({{"type", layer.type()}, {"config", layer.config()}});
    for (const Parameter<T>& p : m.layer(i).parameters())
      tensors.push_back(detail::to_record(detail::parameter_tensor(i, p.name), *p.value,
                                          detail::layout_of(layer, p.name, *p.value)));
  }
  const nlohmann::json architecture = {
      {"input_shape", model.input_shape().dims}, {"seed", model.seed()}, {"layers", layers}};

  std::map<std::string, std::string> metadata = {
      {"format", "tinynet"},
      {"format_version", std::to_string(model_format_version)},
      {"tinynet_version", model_file_library_version},
      {"scalar", std::is_same_v<T, float> ? "float32" : "float64"},
      {"architecture", architecture.dump()},
      {"optimizer_state", "false"}};

  if (model.compiled()) {
    Optimizer<T>& optimizer = m.optimizer();
    metadata["compile"] = nlohmann::json{{"loss", model.loss_name()},
                                         {"label_smoothing", model.label_smoothing()},
                                         {"optimizer", {{"type", optimizer.type()}, {"config", optimizer.config()}}}}
                              .dump();
    if (options.include_optimizer) {
      metadata["optimizer_state"] = "true";
      metadata["optimizer_iterations"] = std::to_string(optimizer.iterations);
      metadata["optimizer_learning_rate"] = nlohmann::json(optimizer.learning_rate).dump();  // round-trips exactly
      const auto& slots = optimizer.slots();
      metadata["optimizer_slots"] = slots.empty() ? "false" : "true";  // none before the first step
      if (!slots.empty()) {
        const std::vector<std::string> slot_names = optimizer.slot_names();
        std::size_t k = 0;  // parameter number, in the order compile() collected them
        for (std::size_t i = 0; i < m.size(); ++i)
          for (const Parameter<T>& p : m.layer(i).parameters()) {
            if (k >= slots.size() || slots[k].size() != slot_names.size())
              throw std::logic_error("save_model: the optimizer's state does not match the model's parameters");
            if (p.trainable())
              for (std::size_t s = 0; s < slot_names.size(); ++s)
                tensors.push_back(detail::to_record(detail::slot_tensor(i, p.name, slot_names[s]), slots[k][s],
                                                    detail::layout_of(m.layer(i), p.name, *p.value)));
            ++k;
          }
      }
    }
  }
  for (const auto& [key, value] : options.metadata) {
    if (metadata.count(key) || key == "compile" || key.starts_with("optimizer_"))
      throw std::invalid_argument("save_model: metadata key '" + key + "' is reserved");
    metadata[key] = value;
  }
  io::write_safetensors(path, tensors, metadata);
}

// Reads a model written by save_model: rebuilds it, copies every tensor in, and (unless
// options.compile is false) compiles it with the saved loss and optimizer, restoring the
// optimizer's state when the file has it. Throws io::FormatError naming the file and the
// problem (see the top of this file), std::runtime_error if it cannot be opened.
template <typename T>
Sequential<T> load_model(const std::string& path, const LoadOptions& options = {}) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "model files hold float32 or float64 models");
  const io::SafetensorsFile file = io::read_safetensors(path);  // the layout, byte by byte
  const std::string where = "tinynet model file '" + path + "': ";
  auto fail = [&](const std::string& problem) { return io::FormatError(where + problem); };
  auto metadata = [&](const std::string& key) -> const std::string& {
    const auto it = file.metadata.find(key);
    if (it == file.metadata.end()) throw fail("missing metadata key '" + key + "'");
    return it->second;
  };
  auto parse_json = [&](const std::string& key) {
    try {
      return nlohmann::json::parse(metadata(key));
    } catch (const nlohmann::json::parse_error& e) {
      throw fail("metadata '" + key + "' is not valid JSON: " + e.what());
    }
  };

  // 1. What the file is.
  const auto format = file.metadata.find("format");
  if (format == file.metadata.end() || format->second != "tinynet")
    throw fail("not a tinynet model file (its metadata " +
               (format == file.metadata.end() ? std::string("has no \"format\" key")
                                              : "says format \"" + format->second + "\"") +
               "; save_model writes format \"tinynet\")");
  const std::string& version = metadata("format_version");
  const std::string reads = "this tinynet (" + std::string(model_file_library_version) +
                            ") reads format_version 1 to " + std::to_string(model_format_version);
  if (version.empty() || version.size() > 9 || version.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(version) < 1)
    throw fail("format_version '" + version + "' is not a version number; " + reads);
  if (std::stoi(version) > model_format_version)
    throw fail("format_version " + version + " is newer than " + reads + "; load it with a newer tinynet");
  const std::string& scalar = metadata("scalar");
  if (scalar != "float32" && scalar != "float64")
    throw fail("metadata 'scalar' is '" + scalar + "', expected float32 or float64");
  const std::string dtype = scalar == "float32" ? "F32" : "F64";

  // 2. The architecture, rebuilt layer by layer through the registry.
  const nlohmann::json architecture = parse_json("architecture");
  Sequential<T> model;
  try {
    const auto dims = architecture.at("input_shape").get<std::vector<Index>>();
    for (Index d : dims)
      if (d <= 0) throw fail("architecture: input_shape " + architecture.at("input_shape").dump() + " is not positive");
    const nlohmann::json& layers = architecture.at("layers");
    if (!layers.is_array() || layers.empty()) throw fail("architecture: no layers");
    model = Sequential<T>(Shape(dims), architecture.at("seed").get<std::uint64_t>());
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const std::string type = layers[i].at("type").get<std::string>();
      const nlohmann::json& config = layers[i].at("config");
      std::unique_ptr<Layer<T>> layer;
      try {
        layer = make_layer<T>(type, config);
        model.add(std::move(layer));
      } catch (const std::invalid_argument& e) {
        throw fail("architecture: layer " + std::to_string(i) + ": " + e.what());
      }
      const nlohmann::json rebuilt = model.layer(i).config();
      if (rebuilt != config)
        throw fail("architecture: layer " + std::to_string(i) + " (" + type + "): " +
                   detail::config_mismatch(config, rebuilt));
    }
  } catch (const nlohmann::json::exception& e) {
    throw fail("metadata 'architecture' is not a valid architecture: " + std::string(e.what()));
  }

  // 3. Every parameter: present, of the file's dtype, of the shape the rebuilt layer expects.
  std::set<std::string> expected;
  auto read_tensor = [&](const std::string& name, const std::string& owner, const Layer<T>& layer,
                         const std::string& parameter, Matrix<T>& value) {
    expected.insert(name);
    const io::TensorRecord* record = file.find(name);
    if (!record) throw fail("missing tensor '" + name + "' (" + owner + ")");
    if (record->dtype != dtype)
      throw fail("tensor '" + name + "' has dtype " + record->dtype + ", expected " + dtype +
                 " (the file's scalar is " + scalar + ")");
    const detail::TensorLayout layout = detail::layout_of(layer, parameter, value);
    if (record->shape != layout.shape)
      throw fail("tensor '" + name + "' has shape " + io::detail::shape_string(record->shape) + ", expected " +
                 io::detail::shape_string(layout.shape) + " (" + owner + ")");
    detail::from_record(*record, layout, value);
  };
  for (std::size_t i = 0; i < model.size(); ++i)
    for (Parameter<T>& p : model.layer(i).parameters())
      read_tensor(detail::parameter_tensor(i, p.name),
                  "layer " + std::to_string(i) + " (" + model.layer(i).type() + ") " + p.name, model.layer(i),
                  p.name, *p.value);

  // 4. The loss and optimizer, and the optimizer's state.
  const bool has_state = metadata("optimizer_state") == "true";
  if (!has_state && metadata("optimizer_state") != "false")
    throw fail("metadata 'optimizer_state' is '" + metadata("optimizer_state") + "', expected true or false");
  if (file.metadata.count("compile")) {
    const nlohmann::json compile = parse_json("compile");
    std::unique_ptr<Optimizer<T>> optimizer;
    std::string loss;
    double label_smoothing = 0;  // files written before label smoothing existed have none
    try {
      loss = compile.at("loss").get<std::string>();
      if (compile.contains("label_smoothing")) {
        const nlohmann::json& smoothing = compile.at("label_smoothing");
        if (!smoothing.is_number() || !(smoothing.get<double>() >= 0 && smoothing.get<double>() < 1))
          throw fail("compile: label_smoothing is " + smoothing.dump() + ", expected a number in [0, 1)");
        label_smoothing = smoothing.get<double>();
      }
      const std::string type = compile.at("optimizer").at("type").get<std::string>();
      const nlohmann::json& config = compile.at("optimizer").at("config");
      try {
        optimizer = make_optimizer<T>(type, config);
      } catch (const std::invalid_argument& e) {
        throw fail("compile: " + std::string(e.what()));
      }
      if (optimizer->config() != config)
        throw fail("compile: optimizer " + type + ": " + detail::config_mismatch(config, optimizer->config()));
    } catch (const nlohmann::json::exception& e) {
      throw fail("metadata 'compile' is not valid: " + std::string(e.what()));
    }
    if (loss != SparseCategoricalCrossentropy::name && loss != CategoricalCrossentropy::name)
      throw fail("compile: unknown loss '" + loss + "' (this tinynet knows " +
                 SparseCategoricalCrossentropy::name + " and " + CategoricalCrossentropy::name + ")");

    std::vector<std::vector<Matrix<T>>> slots;
    double learning_rate = optimizer->learning_rate;
    std::int64_t iterations = 0;
    if (has_state) {
      const nlohmann::json lr = nlohmann::json::parse(metadata("optimizer_learning_rate"), nullptr, false);
      const nlohmann::json steps = nlohmann::json::parse(metadata("optimizer_iterations"), nullptr, false);
      if (!lr.is_number())
        throw fail("metadata 'optimizer_learning_rate' is '" + metadata("optimizer_learning_rate") +
                   "', not a number");
      if (!steps.is_number_unsigned() || steps.get<std::uint64_t>() > std::numeric_limits<std::int64_t>::max())
        throw fail("metadata 'optimizer_iterations' is '" + metadata("optimizer_iterations") +
                   "', not a step count");
      learning_rate = lr.get<double>();
      iterations = steps.get<std::int64_t>();
      if (metadata("optimizer_slots") == "true") {
        const std::vector<std::string> slot_names = optimizer->slot_names();
        for (std::size_t i = 0; i < model.size(); ++i)
          for (Parameter<T>& p : model.layer(i).parameters()) {
            std::vector<Matrix<T>> per_parameter(slot_names.size(), Matrix<T>::Zero(p.value->rows(), p.value->cols()));
            if (p.trainable())
              for (std::size_t s = 0; s < slot_names.size(); ++s)
                read_tensor(detail::slot_tensor(i, p.name, slot_names[s]),
                            "optimizer " + optimizer->type() + " slot " + slot_names[s] + " of layer " +
                                std::to_string(i) + " (" + model.layer(i).type() + ") " + p.name,
                            model.layer(i), p.name, per_parameter[s]);
            slots.push_back(std::move(per_parameter));
          }
      } else if (metadata("optimizer_slots") != "false") {
        throw fail("metadata 'optimizer_slots' is '" + metadata("optimizer_slots") + "', expected true or false");
      }
    }
    if (options.compile) {
      model.compile(std::move(optimizer), loss, loss == SparseCategoricalCrossentropy::name, label_smoothing);
      model.optimizer().learning_rate = learning_rate;
      model.optimizer().iterations = iterations;
      model.optimizer().slots() = std::move(slots);
    }
  } else if (has_state) {
    throw fail("metadata 'optimizer_state' is true but there is no 'compile' metadata");
  }

  // 5. Nothing left over: a tensor the architecture does not account for means a mismatch.
  for (const io::TensorRecord& t : file.tensors)
    if (!expected.count(t.name))
      throw fail("unexpected tensor '" + t.name + "': the architecture has no such parameter");
  return model;
}

}  // namespace tinynet
