// The hostile model files of the fuzz corpus (tests/fuzz/corpus/model_file, written by
// tests/fuzz/make_corpus.cpp): each is refused with a FormatError that names the problem, and
// the real files load. docs/reliability.md lists the same messages.
#include "catch.hpp"

#include <tinynet/core.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace {

const std::filesystem::path corpus = std::filesystem::path(TINYNET_SOURCE_DIR) / "tests/fuzz/corpus/model_file";

struct Hostile {
  std::string file, message;
};

}  // namespace

TEST_CASE("Hostile model files get a FormatError naming the problem, before any large allocation", "[hostile]") {
  const std::vector<Hostile> files = {
      {"dense_units_1e6", "layer 7 (Dense): its configuration makes 9000000 parameter values but the file holds 36"},
      {"dense_units_1e12", "Dense: 1000000000000 × 9 values is more than the 2^40 a parameter may hold"},
      {"dense_units_1e300", "layer 7 (Dense): 'units' is 1e+300, expected an integer"},
      {"dense_units_1e400", "metadata 'architecture' is not valid JSON"},
      {"dense_units_negative", "Dense: units must be in [1, 2^40], got -4"},
      {"conv_kernel_3037000500", "Conv2D: kernel_size must be in [1, 1048576], got 3037000500"},
      {"seed_1e30", "'seed' is 1e+30, expected null or a non-negative integer"},
      {"input_shape_negative", "'input_shape'[0] is -6, expected an integer in [1, "},
      {"input_shape_overflow", "more than 2^40 values per sample"},
      {"nested_config", "'units' is an array of 1 element, expected an integer"},
      {"unknown_layer", "unknown layer type \"Transformer\""},
      {"dropout_rate_2", "Dropout: rate must be in [0, 1), got 2"},
      {"adam_beta_1_is_1", "compile: optimizer Adam: Adam: beta_1 must be in [0, 1), got 1"},
      {"adam_epsilon_0", "Adam: epsilon must be finite and > 0, got 0"},
      {"learning_rate_negative", "Adam: learning_rate must be finite and > 0, got -1"},
      {"iterations_not_a_number", "metadata 'optimizer_iterations' is \"1e9\", expected a step count"},
  };
  for (const Hostile& h : files) {
    const std::string path = (corpus / (h.file + ".safetensors")).string();
    INFO(path);
    REQUIRE(std::filesystem::exists(path));
    REQUIRE_THROWS_AS(tinynet::io::load_model<float>(path), tinynet::io::FormatError);
    REQUIRE_THROWS_WITH(tinynet::io::load_model<float>(path), tinynet_test::contains(h.message));
    REQUIRE_THROWS_WITH(tinynet::io::load_model<float>(path), tinynet_test::contains(path));
  }
  for (const char* good : {"every_layer", "every_layer_adam_state", "mlp_double_sgd", "rmsprop_state"}) {
    INFO(good);
    CHECK_NOTHROW(tinynet::io::load_model<double>((corpus / (std::string(good) + ".safetensors")).string()));
  }
}

TEST_CASE("A safetensors shape nested 20,000 deep is refused without recursion", "[hostile]") {
  const auto path =
      std::filesystem::path(TINYNET_SOURCE_DIR) / "tests/fuzz/corpus/safetensors/nested_shape.safetensors";
  REQUIRE_THROWS_WITH(
      tinynet::io::read_safetensors(path.string()),
      tinynet_test::contains("tensor 'a': shape holds an array of 1 element, expected a list of integers"));
}

TEST_CASE("A safetensors header of 100,000 tensors reads (the parse is linear in the header)", "[hostile]") {
  std::vector<tinynet::io::TensorRecord> tensors;
  for (int i = 0; i < 100000; ++i) {
    std::string name = "t";  // (not "t" + to_string(i): g++ 12 warns falsely about that, -Wrestrict)
    name += std::to_string(i);
    tensors.push_back(tinynet::io::from_scalar<float>(name, 1.0f));
  }
  const auto path = std::filesystem::path(TINYNET_TEST_TMPDIR) / "many_tensors.safetensors";
  tinynet::io::write_safetensors(path.string(), tensors);
  const tinynet::io::SafetensorsFile file = tinynet::io::read_safetensors(path.string());
  CHECK(file.tensors.size() == 100000);
  REQUIRE(file.find("t99999") != nullptr);
  CHECK(tinynet::io::to_scalar<float>(*file.find("t99999")) == 1.0f);
  std::filesystem::remove(path);
}
