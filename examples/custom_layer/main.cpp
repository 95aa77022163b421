// A layer of your own (swish.hpp) inside tinynet: checked against finite differences, trained
// on Fashion-MNIST in a Sequential, saved, and loaded again in a fresh process.
//
//   custom_layer train DIR [--limit N] [--epochs E]   gradient check, train, save DIR/swish.safetensors
//                                                     and DIR/predictions.txt (the test predictions)
//   custom_layer check DIR                            load the model, predict, compare bit for bit
#include "swish.hpp"

#include <tinynet/core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

// Finite differences in double precision: dL/dx of L = Σ y ⊙ R against the layer's backward.
double gradient_check() {
  Swish<double> swish;
  swish.build({5}, 0);
  tinynet::Random random(1);
  tinynet::Matrix<double> x(5, 4), R(5, 4);
  for (tinynet::Index i = 0; i < x.size(); ++i)
    x.data()[i] = random.uniform(-4, 4), R.data()[i] = random.uniform(-1, 1);
  const tinynet::Matrix<double> dx = swish.backward((swish.forward(x, tinynet::Mode::training), R));
  double worst = 0;
  for (tinynet::Index i = 0; i < x.size(); ++i) {
    const double keep = x.data()[i], h = 1e-6;
    x.data()[i] = keep + h;
    const double up = swish.forward(x, tinynet::Mode::training).cwiseProduct(R).sum();
    x.data()[i] = keep - h;
    const double down = swish.forward(x, tinynet::Mode::training).cwiseProduct(R).sum();
    x.data()[i] = keep;
    const double numeric = (up - down) / (2 * h), analytic = dx.data()[i];
    worst = std::max(worst, std::abs(numeric - analytic) / std::max(std::abs(numeric) + std::abs(analytic), 1e-12));
  }
  return worst;
}

// The test set's class probabilities, one hex float per value ("%a" round-trips exactly).
std::string predictions(tinynet::Sequential<float>& model, const tinynet::Images& images) {
  const tinynet::Matrix<float> p = model.predict(images);
  std::ostringstream out;
  char buffer[32];
  for (tinynet::Index i = 0; i < p.size(); ++i) {
    std::snprintf(buffer, sizeof buffer, "%a\n", static_cast<double>(p.data()[i]));
    out << buffer;
  }
  return out.str();
}

int train(const std::string& dir, long limit, int epochs) {
  const double error = gradient_check();
  std::cout << "Swish gradient check: worst relative error " << error << '\n';
  if (error > 1e-6) return 1;

  auto data = tinynet::datasets::load_fashion_mnist();
  if (limit > 0 && limit < data.train.images.cols()) {
    data.train.images = data.train.images.left(limit);
    data.train.labels.resize(static_cast<std::size_t>(limit));
  }
  tinynet::Sequential<float> model({784});
  model.add<tinynet::Dense>(128).add<Swish>().add<tinynet::Dense>(10).add<tinynet::Softmax>();
  model.compile(tinynet::Adam{.learning_rate = 1e-3}, tinynet::SparseCategoricalCrossentropy{});
  model.fit(data.train.images, data.train.labels, {.epochs = epochs, .batch_size = 64, .verbose = 2});
  std::cout << "test accuracy " << model.evaluate(data.test.images, data.test.labels).accuracy << '\n';

  tinynet::io::save_model(model, dir + "/swish.safetensors");
  std::ofstream(dir + "/predictions.txt") << predictions(model, data.test.images);
  std::cout << "saved " << dir << "/swish.safetensors\n";
  return 0;
}

int check(const std::string& dir) {
  tinynet::Sequential<float> model = tinynet::io::load_model<float>(dir + "/swish.safetensors");
  const auto data = tinynet::datasets::load_fashion_mnist();
  std::ifstream saved(dir + "/predictions.txt");
  std::stringstream expected;
  expected << saved.rdbuf();
  const bool same = predictions(model, data.test.images) == expected.str();
  std::cout << "reloaded model (layer 2 is " << model.layer(1).type() << "): predictions "
            << (same ? "bit-identical" : "DIFFERENT") << '\n';
  return same ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  tinynet::io::register_layer<Swish>("Swish");  // the one call that makes Swish save and load
  const std::string mode = argc > 1 ? argv[1] : "", dir = argc > 2 ? argv[2] : ".";
  long limit = 0;
  int epochs = 5;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--limit")
      limit = std::stol(argv[i + 1]);
    else if (flag == "--epochs")
      epochs = std::stoi(argv[i + 1]);
  }
  try {
    if (mode == "train") return train(dir, limit, epochs);
    if (mode == "check") return check(dir);
  } catch (const std::exception& e) {
    std::cerr << "custom_layer: " << e.what() << '\n';
    return 1;
  }
  std::cerr << "usage: custom_layer train DIR [--limit N] [--epochs E] | custom_layer check DIR\n";
  return 2;
}
