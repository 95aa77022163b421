// Saved models: a whole Sequential — its architecture, every parameter, and optionally the
// compiled optimizer with its state — in one safetensors file (io/safetensors.hpp).
//
//   io::save_model(model, "model.safetensors");                              // architecture + weights
//   io::save_model(model, "ckpt.safetensors", {.include_optimizer = true});  // + optimizer state
//   Sequential<float> m = io::load_model<float>("ckpt.safetensors");         // compiled, state restored
//
// The file (docs/file-format.md, "Model files", is the full description):
//
//   layers.{i}.{name}                    parameter `name` of layer i (0-based): kernel, bias, gamma,
//                                        beta, moving_mean, moving_variance; in the model's scalar
//                                        type (F32 or F64), shaped as its Parameter's TensorLayout
//                                        says (PyTorch's shapes: Dense.kernel [out, in], Conv2D.kernel
//                                        [C_out, C_in, k, k], vectors [n])
//   optimizer.layers.{i}.{name}.{slot}   the optimizer's state for that parameter (Adam's m and v,
//                                        SGD's and RMSprop's velocity), trainable parameters only
//   __metadata__                         format = "tinynet", format_version, tinynet_version, scalar,
//                                        architecture and compile (JSON strings), optimizer_state, ...
//
// Each layer and optimizer is described by the name it is registered under and its
// configuration (io/registry.hpp, io/configs.hpp), so a type of your own saves and loads once
// it is registered.
//
// Loading treats the file as untrusted. It checks, in this order and before allocating
// anything the file does not hold: the safetensors layout; the metadata; every configuration
// value's type and range (io/config.hpp); that each layer's parameters — counted from its
// configuration, without building it — are exactly as many values as the file's tensors for
// that layer; then every tensor's dtype and shape, and that no tensor is left over. Anything
// else throws io::FormatError naming the file, the place and the expected vs the actual value.
// A float32 file loads into a Sequential<double> exactly; a float64 file loads into a
// Sequential<float> rounded to the nearest float (and so predicts slightly differently).
//
// Resuming: a file saved with include_optimizer restores the optimizer's learning rate,
// iteration count and every slot, so that training continues exactly as if it had never
// stopped (fit with initial_epoch and the same seed; see tests/test_model_file.cpp). Not
// saved: Dropout's random generator, which restarts from its seed when the model is loaded.
#pragma once

#include <tinynet/io/config.hpp>
#include <tinynet/io/registry.hpp>
#include <tinynet/io/safetensors.hpp>
#include <tinynet/losses/cross_entropy.hpp>
#include <tinynet/model/sequential.hpp>
#include <tinynet/version.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
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

namespace tinynet::io {

struct SaveOptions {
  // Also save the compiled optimizer's state (learning rate, iterations, slots), so that
  // training can resume exactly. Keras's include_optimizer, which defaults to true there;
  // here the default file holds what inference needs.
  bool include_optimizer = false;
  // Extra metadata to store (string values; the keys save_model writes itself are reserved).
  // ModelCheckpoint stores "epoch" here.
  std::map<std::string, std::string> metadata{};
  const Registry* registry = nullptr;  // nullptr: the process-wide registry()
};

struct LoadOptions {
  // Compile the loaded model with the saved loss and optimizer (and the optimizer's state when
  // the file has it), as Keras's load_model(compile=True). false: an uncompiled model.
  bool compile = true;
  const Registry* registry = nullptr;  // nullptr: the process-wide registry()
};

// The model-file format version this tinynet writes, and the newest it reads (it reads 1 … this).
inline constexpr int model_format_version = 1;

namespace detail {

inline std::string parameter_tensor(std::size_t layer, const std::string& name) {
  return "layers." + std::to_string(layer) + "." + name;
}

inline std::string slot_tensor(std::size_t layer, const std::string& name, const std::string& slot) {
  return "optimizer." + parameter_tensor(layer, name) + "." + slot;
}

// The layer number of a tensor named "layers.{i}.…", or nothing.
inline std::optional<std::size_t> layer_of_tensor(const std::string& name) {
  if (!name.starts_with("layers.")) return std::nullopt;
  std::size_t layer = 0;
  const char* begin = name.data() + 7;
  const auto [end, error] = std::from_chars(begin, name.data() + name.size(), layer);
  if (error != std::errc{} || end == begin || *end != '.') return std::nullopt;
  return layer;
}

}  // namespace detail

// Writes `model` to `path` (atomically: a temporary file, synced, renamed into place). Throws
// std::logic_error for a model without layers, std::invalid_argument for a layer or optimizer
// whose type is not registered or a reserved key in options.metadata, and FileError naming the
// path if the file cannot be written (an existing file is then left as it was).
template <typename T>
void save_model(const Sequential<T>& model, const std::string& path, const SaveOptions& options = {}) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "model files hold float32 or float64 models");
  if (model.size() == 0) throw std::logic_error("save_model: the model has no layers");
  const Registry& types = options.registry ? *options.registry : registry();

  nlohmann::json layers = nlohmann::json::array();
  std::vector<TensorRecord> tensors;
  for (std::size_t i = 0; i < model.size(); ++i) {
    const Layer<T>& layer = model.layer(i);
    const std::string type = types.name_of(layer);
    if (type.empty())
      throw std::invalid_argument("save_model: layer " + std::to_string(i + 1) + " (" + layer.type() +
                                  ") is of a type that is not registered; call tinynet::io::register_layer<" +
                                  layer.type() + ">(\"" + layer.type() +
                                  "\") first (registered: " + types.layer_names() + ")");
    ConfigWriter config;
    types.layer<T>(type)->save(layer, config);
    layers.push_back({{"type", type}, {"config", config.json()}});
    for (const Parameter<T>& p : const_cast<Layer<T>&>(layer).parameters())
      tensors.push_back(to_record(detail::parameter_tensor(i, p.name), *p.value, p.tensor_layout()));
  }
  const nlohmann::json architecture = {
      {"input_shape", model.input_shape().dims}, {"seed", model.seed()}, {"layers", layers}};

  std::map<std::string, std::string> metadata = {{"format", "tinynet"},
                                                 {"format_version", std::to_string(model_format_version)},
                                                 {"tinynet_version", version},
                                                 {"scalar", std::is_same_v<T, float> ? "float32" : "float64"},
                                                 {"architecture", architecture.dump()},
                                                 {"optimizer_state", "false"}};

  if (model.compiled()) {
    const Optimizer<T>& optimizer = model.optimizer();
    const std::string type = types.name_of(optimizer);
    if (type.empty())
      throw std::invalid_argument("save_model: the optimizer (" + optimizer.type() +
                                  ") is of a type that is not registered; call "
                                  "tinynet::io::register_optimizer<Rule>() first (registered: " +
                                  types.optimizer_names() + ")");
    ConfigWriter config;
    types.optimizer<T>(type)->save(optimizer, config);
    metadata["compile"] = nlohmann::json{{"loss", model.loss().name()},
                                         {"label_smoothing", model.loss().label_smoothing},
                                         {"optimizer", {{"type", type}, {"config", config.json()}}}}
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
        for (std::size_t i = 0; i < model.size(); ++i)
          for (const Parameter<T>& p : const_cast<Layer<T>&>(model.layer(i)).parameters()) {
            if (k >= slots.size() || slots[k].size() != slot_names.size())
              throw std::logic_error("save_model: the optimizer's state does not match the model's parameters");
            if (p.trainable())
              for (std::size_t s = 0; s < slot_names.size(); ++s)
                tensors.push_back(
                    to_record(detail::slot_tensor(i, p.name, slot_names[s]), slots[k][s], p.tensor_layout()));
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
  write_safetensors(path, tensors, metadata);
}

// Reads a model written by save_model: rebuilds it, copies every tensor in, and (unless
// options.compile is false) compiles it with the saved loss and optimizer, restoring the
// optimizer's state when the file has it. Throws FormatError naming the file and the problem
// (see the top of this file), FileError if it cannot be read.
template <typename T>
Sequential<T> load_model(const std::string& path, const LoadOptions& options = {}) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "model files hold float32 or float64 models");
  const Registry& types = options.registry ? *options.registry : registry();
  const SafetensorsFile file = read_safetensors(path);  // the layout, byte by byte
  const std::string where = "tinynet model file '" + path + "'";
  auto fail = [&](const std::string& problem) { return FormatError(where + ": " + problem, path); };
  auto metadata = [&](const std::string& key) -> const std::string& {
    const auto it = file.metadata.find(key);
    if (it == file.metadata.end()) throw fail("missing metadata key '" + key + "'");
    return it->second;
  };
  auto parse_json = [&](const std::string& key) {
    try {
      return nlohmann::json::parse(metadata(key));
    } catch (const nlohmann::json::exception& e) {  // a syntax error, or a number beyond double
      throw fail("metadata '" + key + "' is not valid JSON: " + e.what());
    }
  };

  // 1. What the file is.
  const auto format = file.metadata.find("format");
  if (format == file.metadata.end() || format->second != "tinynet")
    throw fail("not a tinynet model file (its metadata " +
               (format == file.metadata.end() ? std::string("has no \"format\" key")
                                              : "says format " + detail::describe(format->second)) +
               "; save_model writes format \"tinynet\")");
  const std::string& version_text = metadata("format_version");
  const std::string reads =
      "this tinynet (" + std::string(version) + ") reads format_version 1 to " + std::to_string(model_format_version);
  int format_version = 0;
  const auto [end, error] =
      std::from_chars(version_text.data(), version_text.data() + version_text.size(), format_version);
  if (error != std::errc{} || end != version_text.data() + version_text.size() || format_version < 1)
    throw fail("format_version " + detail::describe(version_text) + " is not a version number; " + reads);
  if (format_version > model_format_version)
    throw fail("format_version " + version_text + " is newer than " + reads + "; load it with a newer tinynet");
  const std::string& scalar = metadata("scalar");
  if (scalar != "float32" && scalar != "float64")
    throw fail("metadata 'scalar' is " + detail::describe(scalar) + ", expected float32 or float64");
  const std::string dtype = scalar == "float32" ? "F32" : "F64";

  // Values per layer in the file, to check each layer's size before it is built.
  std::map<std::size_t, Index> values_in_file;
  for (const TensorRecord& t : file.tensors)
    if (const auto layer = detail::layer_of_tensor(t.name)) values_in_file[*layer] += t.numel();

  // 2. The architecture, rebuilt layer by layer through the registry.
  const nlohmann::json architecture = parse_json("architecture");
  ConfigReader arch(architecture, where + ": architecture", path);
  Sequential<T> model;
  {
    const nlohmann::json& dims = arch.array("input_shape", 8);
    std::vector<Index> input;
    for (std::size_t d = 0; d < dims.size(); ++d)
      input.push_back(arch.integer_element("input_shape", dims[d], d, 1, Shape::max_values));
    std::optional<std::uint64_t> seed;
    arch.optional("seed", seed);
    try {
      model = Sequential<T>(Shape(input), seed.value_or(42));
    } catch (const std::invalid_argument& e) {
      throw arch.fail(std::string("input_shape: ") + e.what());
    }
  }
  const nlohmann::json& layers = arch.array("layers", 100000);
  arch.finish();
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string place = "layer " + std::to_string(i);
    ConfigReader entry(layers[i], where + ": architecture: " + place, path);
    const std::string type = entry.required<std::string>("type");
    const LayerCodec<T>* codec = types.layer<T>(type);
    if (!codec)
      throw entry.fail("unknown layer type " + detail::describe(type) + " (this tinynet knows " + types.layer_names() +
                       "; a layer of your own must be registered with tinynet::io::register_layer first)");
    if (!layers[i].contains("config")) throw entry.fail("config has no 'config'");
    (void)entry.optional_json("config");
    entry.finish();
    ConfigReader config(layers[i].at("config"), where + ": architecture: " + place + " (" + type + ")", path);
    std::unique_ptr<Layer<T>> layer;
    try {
      layer = codec->load(config);
    } catch (const std::invalid_argument& e) {  // a value the layer's constructor rejects
      throw config.fail(e.what());
    }
    config.finish();
    // The layer's size, counted before it is built, must be what the file holds for it.
    const Shape input = model.output_shape();
    Index count = 0;
    try {
      count = layer->parameter_count(input);
    } catch (const std::invalid_argument& e) {
      throw config.fail(std::string("does not fit its input ") + input.to_string() + ": " + e.what());
    }
    const auto held = values_in_file.find(i);
    const Index in_file = held == values_in_file.end() ? 0 : held->second;
    if (count != in_file)
      throw config.fail("its configuration makes " + std::to_string(count) + " parameter values but the file holds " +
                        std::to_string(in_file) + " in its layers." + std::to_string(i) + ".* tensors");
    try {
      model.add(std::move(layer));
    } catch (const std::invalid_argument& e) {
      throw config.fail(e.what());
    }
  }

  // 3. Every parameter: present, of the file's dtype, of the shape its layout gives.
  std::set<std::string> expected;
  auto read_tensor = [&](const std::string& name, const std::string& owner, const Parameter<T>& p, Matrix<T>& value) {
    expected.insert(name);
    const TensorRecord* record = file.find(name);
    if (!record) throw fail("missing tensor '" + name + "' (" + owner + ")");
    if (record->dtype != dtype)
      throw fail("tensor '" + name + "' has dtype " + record->dtype + ", expected " + dtype +
                 " (the file's scalar is " + scalar + ")");
    const TensorLayout layout = p.tensor_layout();
    if (record->shape != std::vector<std::int64_t>(layout.shape.begin(), layout.shape.end()))
      throw fail("tensor '" + name + "' has shape " + detail::shape_string(record->shape) + ", expected " +
                 detail::shape_string({layout.shape.begin(), layout.shape.end()}) + " (" + owner + ")");
    from_record(*record, layout, value);
  };
  auto owner_of = [&](std::size_t i, const Parameter<T>& p) {
    return "layer " + std::to_string(i) + " (" + model.layer(i).type() + ") " + p.name;
  };
  for (std::size_t i = 0; i < model.size(); ++i)
    for (Parameter<T>& p : model.layer(i).parameters())
      read_tensor(detail::parameter_tensor(i, p.name), owner_of(i, p), p, *p.value);

  // 4. The loss and optimizer, and the optimizer's state.
  const std::string& state = metadata("optimizer_state");
  if (state != "true" && state != "false")
    throw fail("metadata 'optimizer_state' is " + detail::describe(state) + ", expected true or false");
  const bool has_state = state == "true";
  if (file.metadata.count("compile")) {
    const nlohmann::json compile = parse_json("compile");
    ConfigReader settings(compile, where + ": compile", path);
    const std::string loss_name = settings.required<std::string>("loss");
    double label_smoothing = 0;  // files written before label smoothing existed have none
    settings.optional("label_smoothing", label_smoothing);
    CrossEntropy loss;
    try {
      loss = CrossEntropy::from_name(loss_name, label_smoothing);
    } catch (const std::invalid_argument& e) {
      throw settings.fail(e.what());
    }
    if (!compile.contains("optimizer")) throw settings.fail("config has no 'optimizer'");
    (void)settings.optional_json("optimizer");
    settings.finish();
    ConfigReader optimizer_entry(compile.at("optimizer"), where + ": compile: optimizer", path);
    const std::string type = optimizer_entry.required<std::string>("type");
    const OptimizerCodec<T>* codec = types.optimizer<T>(type);
    if (!codec)
      throw optimizer_entry.fail("unknown optimizer type " + detail::describe(type) + " (this tinynet knows " +
                                 types.optimizer_names() + ")");
    if (!compile.at("optimizer").contains("config")) throw optimizer_entry.fail("config has no 'config'");
    (void)optimizer_entry.optional_json("config");
    optimizer_entry.finish();
    ConfigReader optimizer_config(compile.at("optimizer").at("config"), where + ": compile: optimizer " + type, path);
    std::unique_ptr<Optimizer<T>> optimizer;
    try {
      optimizer = codec->load(optimizer_config);
    } catch (const std::invalid_argument& e) {  // a hyperparameter out of range (beta_1 = 1, epsilon = 0, ...)
      throw optimizer_config.fail(e.what());
    }
    optimizer_config.finish();

    std::vector<std::vector<Matrix<T>>> slots;
    double learning_rate = optimizer->learning_rate;
    std::int64_t iterations = 0;
    if (has_state) {
      const nlohmann::json lr = nlohmann::json::parse(metadata("optimizer_learning_rate"), nullptr, false);
      const std::string& steps = metadata("optimizer_iterations");
      if (!lr.is_number() || !std::isfinite(lr.get<double>()) || !(lr.get<double>() >= 0))
        throw fail("metadata 'optimizer_learning_rate' is " + detail::describe(metadata("optimizer_learning_rate")) +
                   ", expected a finite number >= 0");
      const auto [steps_end, steps_error] = std::from_chars(steps.data(), steps.data() + steps.size(), iterations);
      if (steps_error != std::errc{} || steps_end != steps.data() + steps.size() || iterations < 0)
        throw fail("metadata 'optimizer_iterations' is " + detail::describe(steps) + ", expected a step count");
      learning_rate = lr.get<double>();
      const std::string& with_slots = metadata("optimizer_slots");
      if (with_slots == "true") {
        const std::vector<std::string> slot_names = optimizer->slot_names();
        for (std::size_t i = 0; i < model.size(); ++i)
          for (Parameter<T>& p : model.layer(i).parameters()) {
            std::vector<Matrix<T>> per_parameter(slot_names.size(), Matrix<T>::Zero(p.value->rows(), p.value->cols()));
            if (p.trainable())
              for (std::size_t s = 0; s < slot_names.size(); ++s)
                read_tensor(detail::slot_tensor(i, p.name, slot_names[s]),
                            "optimizer " + type + " slot " + slot_names[s] + " of " + owner_of(i, p), p,
                            per_parameter[s]);
            slots.push_back(std::move(per_parameter));
          }
      } else if (with_slots != "false") {
        throw fail("metadata 'optimizer_slots' is " + detail::describe(with_slots) + ", expected true or false");
      }
    }
    if (options.compile) {
      model.compile(std::move(optimizer), loss);
      model.optimizer().learning_rate = learning_rate;
      model.optimizer().iterations = iterations;
      model.optimizer().slots() = std::move(slots);
    }
  } else if (has_state) {
    throw fail("metadata 'optimizer_state' is true but there is no 'compile' metadata");
  }

  // 5. Nothing left over: a tensor the architecture does not account for means a mismatch.
  for (const TensorRecord& t : file.tensors)
    if (!expected.count(t.name))
      throw fail("unexpected tensor '" + t.name + "': the architecture has no such parameter");
  return model;
}

}  // namespace tinynet::io
