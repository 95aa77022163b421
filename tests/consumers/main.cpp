// A user's program with the whole library (tinynet::tinynet): trains a tiny model on synthetic
// data, saves and reloads it, and draws its training curves — so that the strict warnings it is
// built with (-Wconversion ... -Werror) see the templates a user instantiates.
#include <tinynet/tinynet.hpp>

#include <filesystem>
#include <iostream>

int main() {
  tinynet::Matrix<float> x(2, 60);
  std::vector<int> y;
  for (int n = 0; n < 60; ++n) {
    x(0, n) = n % 2 ? 1.0f : -1.0f;
    x(1, n) = static_cast<float>(n % 7) / 7.0f;
    y.push_back(n % 2);
  }
  tinynet::Sequential<float> model;
  model.add<tinynet::Dense>(2, 8).add<tinynet::ReLU>().add<tinynet::Dense>(2).add<tinynet::Softmax>();
  model.compile(tinynet::Adam{.learning_rate = 0.05}, tinynet::SparseCategoricalCrossentropy{});
  const tinynet::History history = model.fit(x, y, {.epochs = 30, .batch_size = 10, .verbose = 0});
  const auto result = model.evaluate(x, y);

  const std::string path = (std::filesystem::temp_directory_path() / "tinynet_consumer.safetensors").string();
  tinynet::io::save_model(model, path, {.include_optimizer = true});
  tinynet::Sequential<float> loaded = tinynet::io::load_model<float>(path);
  std::filesystem::remove(path);
  const bool same = loaded.predict(x) == model.predict(x);

  // An image model, a report and a chart, in memory.
  tinynet::Sequential<double> cnn({6, 6, 1});
  cnn.add<tinynet::Conv2D>(2, 3, {.padding = tinynet::Padding::same}).add<tinynet::MaxPooling2D>(2);
  cnn.add<tinynet::BatchNormalization>().add<tinynet::Flatten>().add<tinynet::Dense>(2).add<tinynet::Softmax>();
  cnn.compile(tinynet::SGD{.momentum = 0.9}, tinynet::SparseCategoricalCrossentropy{});
  const tinynet::Matrix<double> images = tinynet::Matrix<double>::Random(36, 8);
  cnn.fit(images, std::vector<int>{0, 1, 0, 1, 0, 1, 0, 1}, {.epochs = 1, .verbose = 0});
  const tinynet::ClassificationReport report(y, tinynet::argmax_columns(model.predict(x)), 2);
  const tinynet::plot::Canvas chart = tinynet::plot::render_training_curves(history);

  std::cout << "consumer accuracy " << result.accuracy << ", reloaded " << (same ? "identical" : "DIFFERENT")
            << ", report accuracy " << report.accuracy() << ", chart " << chart.width() << " px (tinynet "
            << tinynet::version << ")\n";
  return result.accuracy > 0.95 && same ? 0 : 1;
}
