// A saved model, reloaded in a fresh process, must predict bit for bit what it predicted before
// it was saved, and its checkpoint must resume training exactly as the first process did.
//
//   tinynet_model_reload save DIR    trains a small convolutional model on synthetic data and
//                                    writes DIR/model.safetensors (with the optimizer's state),
//                                    DIR/predictions.txt (accuracy and every probability, as hex
//                                    floats, before and after one more epoch of training), and
//                                    DIR/expected.json (every tensor's values, for
//                                    tests/safetensors_check.py)
//   tinynet_model_reload check DIR   loads the model in this new process, predicts, trains the
//                                    same extra epoch, and compares with predictions.txt
//
// Exit 0 on success, 1 on a mismatch or an error.
#include <tinynet/tinynet.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using tinynet::Index;
using tinynet::Matrix;

// 3 classes of 6×6×2 images: noise plus a bright 2×2 patch whose corner depends on the class.
void synthetic(Index n, std::uint64_t seed, Matrix<float>& x, std::vector<int>& labels) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> noise(0.0f, 0.5f);
  x.resize(6 * 6 * 2, n);
  labels.clear();
  for (Index s = 0; s < n; ++s) {
    const int label = static_cast<int>(s % 3);
    labels.push_back(label);
    for (Index i = 0; i < x.rows(); ++i) x(i, s) = noise(rng);
    const Index top = label == 1 ? 3 : 1, left = label == 2 ? 3 : 1;
    for (Index r = top; r < top + 2; ++r)
      for (Index c = left; c < left + 2; ++c) x((r * 6 + c) * 2 + (label % 2), s) += 1.0f;
  }
}

tinynet::FitOptions<float> fit_options(int epochs, int initial_epoch) {
  tinynet::FitOptions<float> o;
  o.epochs = epochs;
  o.initial_epoch = initial_epoch;
  o.batch_size = 16;
  o.seed = 2024;
  o.verbose = 0;
  return o;
}

// Accuracy and every probability, each as a hex float (exact, and readable in a diff).
std::string report(tinynet::Sequential<float>& model, const Matrix<float>& x, const std::vector<int>& labels) {
  const Matrix<float> p = model.predict(x);
  const tinynet::Evaluation e = model.evaluate(x, labels);
  std::ostringstream out;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%a", e.accuracy);
  out << "accuracy " << e.accuracy << " " << buffer << "\n";
  for (Index j = 0; j < p.cols(); ++j) {
    for (Index i = 0; i < p.rows(); ++i) {
      std::snprintf(buffer, sizeof buffer, "%a", static_cast<double>(p(i, j)));
      out << (i ? " " : "") << buffer;
    }
    out << "\n";
  }
  return out.str();
}

// The values of a parameter-shaped matrix as the model file lays them out (docs/file-format.md):
// Conv2D kernels as [C_out][C_in][k][k] from K(f, (ky·k + kx)·C_in + c), other matrices row by
// row, (n × 1) matrices as a flat list — written here from the documentation, independently
// of model_file.hpp, so that the Python check tests the documented layout.
nlohmann::json documented_values(const tinynet::Layer<float>& layer, const std::string& name, const Matrix<float>& m) {
  nlohmann::json values = nlohmann::json::array();
  if (const auto* conv = dynamic_cast<const tinynet::Conv2D<float>*>(&layer); conv && name == "kernel") {
    const Index C = layer.input_shape()[2], k = conv->kernel_size();
    for (Index f = 0; f < m.rows(); ++f) {
      nlohmann::json per_filter = nlohmann::json::array();
      for (Index c = 0; c < C; ++c) {
        nlohmann::json rows = nlohmann::json::array();
        for (Index ky = 0; ky < k; ++ky) {
          nlohmann::json row = nlohmann::json::array();
          for (Index kx = 0; kx < k; ++kx) row.push_back(static_cast<double>(m(f, (ky * k + kx) * C + c)));
          rows.push_back(row);
        }
        per_filter.push_back(rows);
      }
      values.push_back(per_filter);
    }
  } else if (name != "kernel" && m.cols() == 1) {
    for (Index i = 0; i < m.rows(); ++i) values.push_back(static_cast<double>(m(i, 0)));
  } else {
    for (Index i = 0; i < m.rows(); ++i) {
      nlohmann::json row = nlohmann::json::array();
      for (Index j = 0; j < m.cols(); ++j) row.push_back(static_cast<double>(m(i, j)));
      values.push_back(row);
    }
  }
  return values;
}

std::vector<std::int64_t> shape_of(const nlohmann::json& values) {
  std::vector<std::int64_t> shape;
  for (const nlohmann::json* v = &values; v->is_array(); v = &(*v)[0]) {
    shape.push_back(static_cast<std::int64_t>(v->size()));
    if (v->empty()) break;
  }
  return shape;
}

// What safetensors_check.py must find in the file: its metadata, and every tensor's values.
nlohmann::json expected_file(tinynet::Sequential<float>& model, const std::string& path) {
  nlohmann::json expected;
  expected["metadata"] = tinynet::io::read_safetensors(path).metadata;
  const std::vector<std::string> slots = model.optimizer().slot_names();
  std::size_t k = 0;
  for (std::size_t i = 0; i < model.size(); ++i)
    for (const tinynet::Parameter<float>& p : model.layer(i).parameters()) {
      const std::string name = "layers." + std::to_string(i) + "." + p.name;
      auto add = [&](const std::string& tensor, const Matrix<float>& m) {
        const nlohmann::json values = documented_values(model.layer(i), p.name, m);
        expected["tensors"][tensor] = {{"dtype", "F32"}, {"shape", shape_of(values)}, {"values", values}};
      };
      add(name, *p.value);
      if (p.trainable())
        for (std::size_t s = 0; s < slots.size(); ++s)
          add("optimizer." + name + "." + slots[s], model.optimizer().slots()[k][s]);
      ++k;
    }
  return expected;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc == 3 ? argv[1] : "";
  if (mode != "save" && mode != "check") {
    std::cerr << "usage: " << argv[0] << " save|check DIR\n";
    return 2;
  }
  const std::filesystem::path dir = argv[2];
  const std::string model_path = (dir / "model.safetensors").string();
  const std::string predictions_path = (dir / "predictions.txt").string();
  try {
    Matrix<float> x_train, x_test;
    std::vector<int> y_train, y_test;
    synthetic(96, 1, x_train, y_train);
    synthetic(30, 2, x_test, y_test);

    if (mode == "save") {
      std::filesystem::create_directories(dir);
      tinynet::Sequential<float> model({6, 6, 2}, 3);
      model
          .add<tinynet::Conv2D>(4, 3,
                                tinynet::Conv2DOptions{.padding = tinynet::Padding::same,
                                                       .kernel_initializer = tinynet::Initializer::he_uniform})
          .add<tinynet::ReLU>()
          .add<tinynet::MaxPooling2D>(2)
          .add<tinynet::Flatten>()
          .add<tinynet::Dense>(3)
          .add<tinynet::Softmax>();
      model.compile(tinynet::Adam{.learning_rate = 0.01}, tinynet::SparseCategoricalCrossentropy{});
      model.fit(x_train, y_train, fit_options(5, 0));
      tinynet::io::save_model(model, model_path, {.include_optimizer = true});
      std::string text = report(model, x_test, y_test);
      model.fit(x_train, y_train, fit_options(6, 5));  // one more epoch, as the check will do
      text += "after one more epoch\n" + report(model, x_test, y_test);

      // expected.json describes the saved state: reload it (the file, not the trained-on model).
      tinynet::Sequential<float> saved = tinynet::io::load_model<float>(model_path);
      std::ofstream(dir / "expected.json") << expected_file(saved, model_path).dump(1) << "\n";
      std::ofstream out(predictions_path);
      out << text;
      if (!out.flush()) throw std::runtime_error("cannot write " + predictions_path);
      std::cout << "saved " << model_path << "; " << text.substr(0, text.find('\n')) << "\n";
      return 0;
    }

    std::ifstream in(predictions_path);
    if (!in) throw std::runtime_error("cannot read " + predictions_path + " (run 'save' first)");
    std::stringstream expected;
    expected << in.rdbuf();
    tinynet::Sequential<float> model = tinynet::io::load_model<float>(model_path);
    std::string text = report(model, x_test, y_test);
    model.fit(x_train, y_train, fit_options(6, 5));
    text += "after one more epoch\n" + report(model, x_test, y_test);
    if (text != expected.str()) {
      std::cerr << "FAILED: the reloaded model differs from the saved one.\n--- expected\n"
                << expected.str() << "--- got\n"
                << text;
      return 1;
    }
    std::cout << "reloaded " << model_path << ": predictions and resumed training match bit for bit; "
              << text.substr(0, text.find('\n')) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "tinynet_model_reload: " << e.what() << "\n";
    return 1;
  }
}
