// Sequential::summary_string(): Keras's layer names, output shapes and parameter counts —
// BatchNormalization's moving statistics counted as non-trainable — for the notebook's MLPs.
#include "catch.hpp"

#include <tinynet/layers/batch_normalization.hpp>
#include <tinynet/layers/dense.hpp>
#include <tinynet/layers/dropout.hpp>
#include <tinynet/layers/elu.hpp>
#include <tinynet/layers/leaky_relu.hpp>
#include <tinynet/layers/relu.hpp>
#include <tinynet/layers/softmax.hpp>
#include <tinynet/sequential.hpp>

#include <sstream>
#include <string>
#include <vector>

using tinynet::Sequential;

namespace {

// The line of the table whose first column starts with `name`, e.g. "dense_1 (Dense)".
std::string row_of(const std::string& table, const std::string& name) {
  std::istringstream in(table);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name, 0) == 0) return line;
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("summary of the notebook's MLP 784-128-10 counts 101,770 parameters", "[summary]") {
  Sequential<float> model({784});
  model.add<tinynet::Dense>(128).add<tinynet::ReLU>().add<tinynet::Dense>(10).add<tinynet::Softmax>();
  CHECK(model.count_parameters(true) == 101770);
  CHECK(model.count_parameters(false) == 0);
  const std::string table = tinynet::summary_table(model);
  INFO(table);
  CHECK(contains(row_of(table, "dense (Dense)"), "(None, 128)"));
  CHECK(contains(row_of(table, "dense (Dense)"), "100,480"));
  CHECK(contains(row_of(table, "re_lu (ReLU)"), "(None, 128)"));
  CHECK(contains(row_of(table, "dense_1 (Dense)"), "(None, 10)"));
  CHECK(contains(row_of(table, "dense_1 (Dense)"), "1,290"));
  CHECK(contains(row_of(table, "softmax (Softmax)"), "(None, 10)"));
  CHECK(contains(table, "Total params: 101,770 (397.54 KB)"));  // 4-byte floats, as Keras prints
  CHECK(contains(table, "Trainable params: 101,770 (397.54 KB)"));
  CHECK(contains(table, "Non-trainable params: 0 (0.00 B)"));
}

TEST_CASE("summary of the BatchNorm MLP counts 571,018 parameters, 1,792 non-trainable", "[summary]") {
  Sequential<float> model({784});
  model.add<tinynet::Dense>(512)
      .add<tinynet::BatchNormalization>()
      .add<tinynet::Dense>(256)
      .add<tinynet::BatchNormalization>()
      .add<tinynet::Dense>(128)
      .add<tinynet::BatchNormalization>()
      .add<tinynet::Dense>(10);
  CHECK(model.count_parameters(true) + model.count_parameters(false) == 571018);
  CHECK(model.count_parameters(false) == 1792);  // 2 · (512 + 256 + 128) moving statistics
  CHECK(model.count_parameters(true) == 569226);
  const std::string table = tinynet::summary_table(model);
  INFO(table);
  struct Row {
    const char* name;
    const char* shape;
    const char* params;
  };
  for (const Row& r : {Row{"dense (Dense)", "(None, 512)", "401,920"},
                       Row{"batch_normalization (BatchNormalization)", "(None, 512)", "2,048"},
                       Row{"dense_1 (Dense)", "(None, 256)", "131,328"},
                       Row{"batch_normalization_1 (BatchNormalization)", "(None, 256)", "1,024"},
                       Row{"dense_2 (Dense)", "(None, 128)", "32,896"},
                       Row{"batch_normalization_2 (BatchNormalization)", "(None, 128)", "512"},
                       Row{"dense_3 (Dense)", "(None, 10)", "1,290"}}) {
    const std::string line = row_of(table, r.name);
    INFO(r.name);
    REQUIRE_FALSE(line.empty());
    CHECK(contains(line, r.shape));
    CHECK(contains(line, r.params));
  }
  CHECK(contains(table, "Total params: 571,018 (2.18 MB)"));
  CHECK(contains(table, "Trainable params: 569,226 (2.17 MB)"));
  CHECK(contains(table, "Non-trainable params: 1,792 (7.00 KB)"));
  // The rows come in the model's order.
  CHECK(table.find("dense_1 (Dense)") < table.find("batch_normalization_1 (BatchNormalization)"));
}

TEST_CASE("summary names the new layers as Keras does and shows image shapes", "[summary]") {
  Sequential<float> model({8, 8, 3});
  model.add<tinynet::BatchNormalization>()
      .add<tinynet::LeakyReLU>()
      .add<tinynet::ELU>()
      .add<tinynet::Dropout>(0.25)
      .add<tinynet::LeakyReLU>(0.1);
  const std::string table = tinynet::summary_table(model);
  INFO(table);
  CHECK(contains(row_of(table, "batch_normalization (BatchNormalization)"), "(None, 8, 8, 3)"));
  CHECK(contains(row_of(table, "batch_normalization (BatchNormalization)"), "12"));
  CHECK(contains(row_of(table, "leaky_re_lu (LeakyReLU)"), "(None, 8, 8, 3)"));
  CHECK_FALSE(row_of(table, "leaky_re_lu_1 (LeakyReLU)").empty());
  CHECK_FALSE(row_of(table, "elu (ELU)").empty());
  CHECK_FALSE(row_of(table, "dropout (Dropout)").empty());
  CHECK(contains(table, "Non-trainable params: 6 (24.00 B)"));
}
