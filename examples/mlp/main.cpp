#include <tinynet/tinynet.hpp>

#include <iostream>

int main() {
  auto data = tinynet::datasets::load_fashion_mnist();  // TINYNET_DATA or Debian's dataset-fashion-mnist
  tinynet::Sequential<float> model;
  model.add<tinynet::Dense>(784, 128).add<tinynet::ReLU>().add<tinynet::Dense>(10).add<tinynet::Softmax>();
  model.compile(tinynet::Adam{.learning_rate = 1e-3}, tinynet::SparseCategoricalCrossentropy{});
  auto history = model.fit(data.train.images, data.train.labels, {.epochs = 10, .batch_size = 64});
  auto result = model.evaluate(data.test.images, data.test.labels);  // {loss, accuracy}
  model.summary();
  std::cout << "test accuracy " << result.accuracy << " after " << history.epochs.size() << " epochs\n";
}
