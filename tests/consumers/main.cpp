// A user's program: builds, trains and evaluates a tiny model on synthetic data.
#include <tinynet/tinynet.hpp>

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
  model.compile(tinynet::Adam{{.learning_rate = 0.05}}, tinynet::SparseCategoricalCrossentropy{});
  model.fit(x, y, {.epochs = 30, .batch_size = 10, .verbose = 0});
  const auto result = model.evaluate(x, y);
  std::cout << "consumer accuracy " << result.accuracy << '\n';
  return result.accuracy > 0.95 ? 0 : 1;
}
