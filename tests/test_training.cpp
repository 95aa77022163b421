// End to end on the real Fashion-MNIST files: a short training run on a subset must learn.
#include "catch.hpp"

#include <tinynet/datasets/fashion_mnist.hpp>
#include <tinynet/tinynet.hpp>

#include <filesystem>

TEST_CASE("The notebook MLP trained on 2,000 real images beats 0.75 on 1,000 test images", "[training][real-data]") {
  const std::string dir = tinynet::datasets::resolve_fashion_mnist_dir();
  if (!std::filesystem::exists(dir)) {
    // The suite's set-up (scripts/install-deps.sh) installs the data; without it this test
    // cannot run, and says so rather than passing silently.
    FAIL("Fashion-MNIST not found in " << dir << ": install dataset-fashion-mnist or set TINYNET_DATA");
  }
  const auto data = tinynet::datasets::load_fashion_mnist();
  const tinynet::Images x = data.train.images.left(2000);  // trained on the bytes, batch by batch
  const std::vector<int> y(data.train.labels.begin(), data.train.labels.begin() + 2000);
  const tinynet::Images x_test = data.test.images.left(1000);
  const std::vector<int> y_test(data.test.labels.begin(), data.test.labels.begin() + 1000);

  tinynet::Sequential<float> model({784}, 42);
  model.add<tinynet::Dense>(128).add<tinynet::ReLU>().add<tinynet::Dense>(10).add<tinynet::Softmax>();
  model.compile(tinynet::Adam{}, tinynet::SparseCategoricalCrossentropy{});
  const auto untrained = model.evaluate(x_test, y_test);
  const auto history = model.fit(x, y, {.epochs = 5, .batch_size = 64, .verbose = 0});
  const auto result = model.evaluate(x_test, y_test);
  INFO("untrained accuracy " << untrained.accuracy << ", trained " << result.accuracy);
  CHECK(untrained.accuracy < 0.3);
  CHECK(result.accuracy > 0.75);
  CHECK(history.epochs.back().loss < history.epochs.front().loss);
  // predict agrees with evaluate
  const auto predicted = tinynet::argmax_columns(model.predict(x_test));
  int correct = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) correct += predicted[i] == y_test[i];
  CHECK(correct / 1000.0 == Catch::Approx(result.accuracy));
}
