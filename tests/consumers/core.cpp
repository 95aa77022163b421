// A user's program that needs only the core (tinynet::core, no stb): <tinynet/sequential.hpp>
// alone builds, trains and evaluates a model, here a Sequential<double> with Adam.
#include <tinynet/sequential.hpp>

#include <iostream>

int main() {
  tinynet::Matrix<double> x(2, 60);
  std::vector<int> y;
  for (int n = 0; n < 60; ++n) {
    x(0, n) = n % 2 ? 1.0 : -1.0;
    x(1, n) = static_cast<double>(n % 7) / 7.0;
    y.push_back(n % 2);
  }
  tinynet::Sequential<double> model({2});
  model.add<tinynet::Dense>(8, {.kernel_regularizer = tinynet::L2(1e-4)}).add<tinynet::ReLU>();
  model.add<tinynet::Dense>(2).add<tinynet::Softmax>();
  model.compile(tinynet::Adam{.learning_rate = 0.05}, tinynet::SparseCategoricalCrossentropy{});
  model.fit(x, y, {.epochs = 30, .batch_size = 10, .verbose = 0});
  const auto result = model.evaluate(x, y);
  std::cout << "core consumer accuracy " << result.accuracy << '\n';
  return result.accuracy > 0.95 ? 0 : 1;
}
