// Writes the fuzzers' seed corpus (tests/fuzz/corpus/, committed): real model files of every
// layer type and optimizer, files whose architecture or compile settings are edited into what
// an attacker or a careless user would write, and IDX and safetensors files, good and bad.
//
//   make_corpus DIR        (DIR/model_file, DIR/safetensors, DIR/idx)
//
// Each input that once broke a reader is also in tests/fuzz/regressions/, named after what it
// does; ctest replays both directories (tests/fuzz.cmake).
#include <tinynet/core.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using tinynet::Sequential;

namespace {

void write_bytes(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Rewrites `from` into `to` with its metadata edited.
void edit(const fs::path& from, const fs::path& to, const std::function<void(std::map<std::string, std::string>&)>& f) {
  tinynet::io::SafetensorsFile file = tinynet::io::read_safetensors(from.string());
  f(file.metadata);
  tinynet::io::write_safetensors(to.string(), file.tensors, file.metadata);
}

// `from` with its architecture's JSON text edited by a textual replacement (numbers such as
// 1e300 cannot be written by the JSON library).
void edit_architecture_text(const fs::path& from, const fs::path& to, const std::string& find, const std::string& put) {
  edit(from, to, [&](std::map<std::string, std::string>& m) {
    std::string& a = m.at("architecture");
    const std::size_t at = a.find(find);
    if (at == std::string::npos) throw std::logic_error("make_corpus: '" + find + "' not in the architecture");
    a.replace(at, find.size(), put);
  });
}

void edit_compile_text(const fs::path& from, const fs::path& to, const std::string& find, const std::string& put) {
  edit(from, to, [&](std::map<std::string, std::string>& m) {
    std::string& c = m.at("compile");
    const std::size_t at = c.find(find);
    if (at == std::string::npos) throw std::logic_error("make_corpus: '" + find + "' not in compile");
    c.replace(at, find.size(), put);
  });
}

std::string idx(const std::vector<std::uint32_t>& dims, const std::string& values) {
  std::string out = {0, 0, 0x08, static_cast<char>(dims.size())};
  for (std::uint32_t d : dims)
    for (int shift : {24, 16, 8, 0}) out += static_cast<char>((d >> shift) & 0xFF);
  return out + values;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return std::cerr << "usage: make_corpus DIR\n", 2;
  const fs::path dir = argv[1];
  for (const char* sub : {"model_file", "safetensors", "idx"}) fs::create_directories(dir / sub);
  const fs::path models = dir / "model_file";

  // Real files: every layer type, both scalars, every optimizer, with and without its state.
  Sequential<float> images({6, 6, 2}, 1);
  images.add<tinynet::Conv2D>(3, 3, {.padding = tinynet::Padding::same, .kernel_regularizer = tinynet::L2(1e-3)})
      .add<tinynet::MaxPooling2D>(2)
      .add<tinynet::BatchNormalization>()
      .add<tinynet::ReLU>()
      .add<tinynet::Conv2D>(2, 2, {.use_bias = false})
      .add<tinynet::Dropout>(0.25, 7)
      .add<tinynet::Flatten>()
      .add<tinynet::Dense>(4)
      .add<tinynet::LeakyReLU>(0.1)
      .add<tinynet::ELU>()
      .add<tinynet::Sigmoid>()
      .add<tinynet::Dense>(3)
      .add<tinynet::Softmax>();
  images.compile(tinynet::Adam{.learning_rate = 0.01}, tinynet::SparseCategoricalCrossentropy{.label_smoothing = 0.1});
  const tinynet::Matrix<float> x = tinynet::Matrix<float>::Random(72, 6);
  images.fit(x, std::vector<int>{0, 1, 2, 0, 1, 2}, {.epochs = 1, .batch_size = 3, .verbose = 0});
  tinynet::io::save_model(images, (models / "every_layer_adam_state.safetensors").string(),
                          {.include_optimizer = true});
  tinynet::io::save_model(images, (models / "every_layer.safetensors").string());

  Sequential<double> mlp({5}, 2);
  mlp.add<tinynet::Dense>(4).add<tinynet::ReLU>().add<tinynet::Dense>(2).add<tinynet::Softmax>();
  mlp.compile(tinynet::SGD{.learning_rate = 0.1, .momentum = 0.9, .nesterov = true},
              tinynet::CategoricalCrossentropy{});
  tinynet::io::save_model(mlp, (models / "mlp_double_sgd.safetensors").string(), {.include_optimizer = true});
  Sequential<float> rms({3}, 3);
  rms.add<tinynet::Dense>(3, 2).add<tinynet::Softmax>();
  rms.compile(tinynet::RMSprop{.rho = 0.8}, tinynet::SparseCategoricalCrossentropy{});
  rms.fit(tinynet::Matrix<float>::Random(3, 4), std::vector<int>{0, 1, 0, 1}, {.epochs = 1, .verbose = 0});
  tinynet::io::save_model(rms, (models / "rmsprop_state.safetensors").string(),
                          {.include_optimizer = true, .metadata = {{"epoch", "1"}}});

  // Architectures and settings edited as an attacker would. Each names the finding it reproduces.
  const fs::path small = models / "every_layer.safetensors", state = models / "every_layer_adam_state.safetensors";
  edit_architecture_text(small, models / "dense_units_1e6.safetensors", "\"units\":4", "\"units\":1000000");
  edit_architecture_text(small, models / "dense_units_1e12.safetensors", "\"units\":4", "\"units\":1000000000000");
  edit_architecture_text(small, models / "dense_units_1e300.safetensors", "\"units\":4", "\"units\":1e300");
  edit_architecture_text(small, models / "dense_units_1e400.safetensors", "\"units\":4", "\"units\":1e400");
  edit_architecture_text(small, models / "dense_units_negative.safetensors", "\"units\":4", "\"units\":-4");
  edit_architecture_text(small, models / "conv_kernel_3037000500.safetensors", "\"kernel_size\":3",
                         "\"kernel_size\":3037000500");
  edit_architecture_text(small, models / "seed_1e30.safetensors", "\"seed\":1", "\"seed\":1e30");
  edit_architecture_text(small, models / "input_shape_negative.safetensors", "\"input_shape\":[6,6,2]",
                         "\"input_shape\":[-6,6,2]");
  edit_architecture_text(small, models / "input_shape_overflow.safetensors", "\"input_shape\":[6,6,2]",
                         "\"input_shape\":[4294967296,4294967296,4294967296]");
  edit_architecture_text(small, models / "nested_config.safetensors", "\"units\":4",
                         "\"units\":" + std::string(20000, '[') + std::string(20000, ']'));
  edit_architecture_text(small, models / "unknown_layer.safetensors", "\"type\":\"ELU\"", "\"type\":\"Transformer\"");
  edit_architecture_text(small, models / "dropout_rate_2.safetensors", "\"rate\":0.25", "\"rate\":2");
  edit_compile_text(state, models / "adam_beta_1_is_1.safetensors", "\"beta_1\":0.9", "\"beta_1\":1");
  edit_compile_text(state, models / "adam_epsilon_0.safetensors", "\"epsilon\":1e-07", "\"epsilon\":0");
  edit_compile_text(state, models / "learning_rate_negative.safetensors", "\"learning_rate\":0.01",
                    "\"learning_rate\":-1");
  edit(state, models / "iterations_not_a_number.safetensors",
       [](std::map<std::string, std::string>& m) { m["optimizer_iterations"] = "1e9"; });

  // safetensors: a model file, a file of every dtype, a shape nested 20,000 deep.
  fs::copy_file(small, dir / "safetensors" / "model.safetensors", fs::copy_options::overwrite_existing);
  tinynet::io::write_safetensors(
      (dir / "safetensors" / "dtypes.safetensors").string(),
      {tinynet::io::from_scalar<std::int8_t>("i8", -3), tinynet::io::from_scalar<std::uint64_t>("u64", 7),
       tinynet::io::from_matrix<double>("m", tinynet::Matrix<double>::Ones(2, 3)),
       tinynet::io::from_vector<float>("v", tinynet::Vector<float>::Ones(4))},
      {{"note", "seed"}});
  {
    const std::string header = "{\"a\":{\"dtype\":\"F32\",\"shape\":" + std::string(20000, '[') +
                               std::string(20000, ']') + ",\"data_offsets\":[0,4]}}";
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i)
      bytes[static_cast<std::size_t>(i)] = static_cast<char>((header.size() >> (8 * i)) & 0xFF);
    write_bytes(dir / "safetensors" / "nested_shape.safetensors", bytes + header + std::string(4, '\0'));
  }

  // IDX (the fuzz input's first byte: even for a plain file, odd to gzip the rest).
  std::string pixels;
  for (int i = 0; i < 2 * 4 * 4; ++i) pixels += static_cast<char>(i * 7);
  write_bytes(dir / "idx" / "images_plain", std::string(1, '\0') + idx({2, 4, 4}, pixels));
  write_bytes(dir / "idx" / "images_gzip", std::string(1, '\1') + idx({2, 4, 4}, pixels));
  write_bytes(dir / "idx" / "labels", std::string(1, '\0') + idx({3}, std::string("\1\2\3")));
  write_bytes(dir / "idx" / "empty_huge_dims", std::string(1, '\0') + idx({0, 0xFFFFFFFFu, 0xFFFFFFFFu}, ""));
  write_bytes(dir / "idx" / "claims_3gb", std::string(1, '\1') + idx({3000, 1000, 1000}, std::string(1000, '\0')));
  std::cout << "wrote the seed corpus to " << dir.string() << '\n';
  (void)read_bytes;
  return 0;
}
