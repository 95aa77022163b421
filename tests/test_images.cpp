// Images: bytes read as byte / 255, their checks, and a model trained on Images being the model
// trained on the same images as floats, bit for bit (fit, evaluate, predict, validation and
// cross-validation convert batch by batch with the one formula of data/images.hpp).
#include "catch.hpp"

#include <tinynet/tinynet.hpp>
#include <tinynet/training/batch_gatherer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

using tinynet::Images;
using tinynet::Index;
using tinynet::Matrix;

namespace {

// `count` images of `size` bytes with every byte value 0..255 appearing.
Images some_images(Index size, Index count) {
  std::vector<std::uint8_t> bytes;
  for (Index i = 0; i < size * count; ++i) bytes.push_back(static_cast<std::uint8_t>((i * 37 + i / 7) % 256));
  return {bytes, size, count};
}

std::vector<int> some_labels(Index n) {
  std::vector<int> labels;
  for (Index i = 0; i < n; ++i) labels.push_back(static_cast<int>((i * 5 + 1) % 3));
  return labels;
}

tinynet::Sequential<float> images_model() {
  tinynet::Sequential<float> model({12}, 7);
  model.add<tinynet::Dense>(8).add<tinynet::ReLU>().add<tinynet::Dense>(3).add<tinynet::Softmax>();
  model.compile(tinynet::Adam{}, tinynet::SparseCategoricalCrossentropy{});
  return model;
}

}  // namespace

TEST_CASE("Images hold bytes, one image per column, and read them as byte / 255", "[images]") {
  const Images images = some_images(12, 5);
  REQUIRE(images.rows() == 12);
  REQUIRE(images.cols() == 5);
  const Matrix<float> values = images.values();
  REQUIRE(values.rows() == 12);
  REQUIRE(values.cols() == 5);
  for (Index j = 0; j < 5; ++j)
    for (Index i = 0; i < 12; ++i) {
      const std::uint8_t byte = images.bytes()(i, j);
      REQUIRE(byte == static_cast<std::uint8_t>(((j * 12 + i) * 37 + (j * 12 + i) / 7) % 256));
      REQUIRE(values(i, j) == static_cast<float>(byte) / 255.0f);
    }
  CHECK(some_images(256, 1).values().maxCoeff() == 1.0f);
  CHECK(some_images(256, 1).values().minCoeff() == 0.0f);

  const Images picked = images.columns(std::vector<Index>{4, 0, 4});
  REQUIRE(picked.cols() == 3);
  CHECK(picked.bytes().col(0) == images.bytes().col(4));
  CHECK(picked.bytes().col(1) == images.bytes().col(0));
  CHECK(images.left(2).bytes() == images.bytes().leftCols(2));

  Matrix<double> batch;
  images.gather_values(std::vector<Index>{3, 1}, batch);
  CHECK(batch.col(0) == images.values<double>().col(3));
  CHECK(batch.col(1) == images.values<double>().col(1));
}

TEST_CASE("A shuffled batch is gathered sample for sample, across blocks and threads", "[images][threads]") {
  // 70 samples of 784 values: blocks of 10 over the threads, each task asking for samples
  // gather_ahead places ahead (detail/parallel.hpp); the first, the last and a repeated index.
  const Images images = some_images(784, 90);
  const Matrix<float> values = images.values<float>();
  std::vector<Index> order;
  for (Index j = 0; j < 70; ++j) order.push_back((j * 37 + 11) % 90);
  order[5] = 0;
  order[6] = 89;
  order[7] = 89;
  const int before = tinynet::num_threads();
  for (const int threads : {1, 2}) {
    tinynet::set_num_threads(threads);
    Matrix<float> from_images, from_values;
    images.gather_values(order, from_images);
    tinynet::Samples<float>(&values).gather(order, from_values);
    REQUIRE(from_images.cols() == 70);
    REQUIRE(from_values.cols() == 70);
    for (Index j = 0; j < 70; ++j) {
      INFO("threads " << threads << ", batch column " << j << ", sample " << order[static_cast<std::size_t>(j)]);
      CHECK(from_images.col(j) == values.col(order[static_cast<std::size_t>(j)]));
      CHECK(from_values.col(j) == values.col(order[static_cast<std::size_t>(j)]));
    }
  }
  tinynet::set_num_threads(before);
}

TEST_CASE("fit's batches gathered ahead are the batches gathered at once", "[images][threads][training]") {
  // BatchGatherer (training/batch_gatherer.hpp): batch k + 1 is copied while step k runs, by an
  // idle worker, by the caller when next() comes first, or at once on one thread.
  const Images images = some_images(784, 90);
  const Matrix<float> values = images.values<float>();
  std::vector<Index> order;
  for (Index j = 0; j < 90; ++j) order.push_back((j * 37 + 11) % 90);
  using Columns = tinynet::detail::BatchGatherer<float>::Columns;
  const int before = tinynet::num_threads();
  for (const int threads : {1, 2})
    for (const bool from_images : {true, false}) {
      tinynet::set_num_threads(threads);
      const tinynet::Samples<float> samples = from_images ? tinynet::Samples<float>(&images) : &values;
      tinynet::detail::BatchGatherer<float> batches(samples);
      const Index batch = 32;  // 90 samples: batches of 32, 32 and 26
      for (Index first = 0; first < 90; first += batch) {
        const Index n = std::min<Index>(batch, 90 - first);
        const Columns columns(order.data() + first, n);
        const Matrix<float>& x = first == 0 ? batches.gather(columns) : batches.next();
        if (first + n < 90) {
          batches.start(Columns(order.data() + first + n, std::min<Index>(batch, 90 - first - n)));
          if (first == batch) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // a worker's turn
        }
        REQUIRE(x.cols() == n);
        for (Index j = 0; j < n; ++j) {
          INFO("threads " << threads << (from_images ? ", images" : ", values") << ", batch at " << first << ", column "
                          << j);
          CHECK(x.col(j) == values.col(order[static_cast<std::size_t>(first + j)]));
        }
      }
    }
  tinynet::set_num_threads(before);
}

TEST_CASE("Images reject byte counts that do not match and ranges outside them", "[images][errors]") {
  REQUIRE_THROWS_WITH(Images(std::vector<std::uint8_t>(10), 4, 3), tinynet_test::contains("need 4·3 bytes, got 10"));
  REQUIRE_THROWS_WITH(Images(std::vector<std::uint8_t>(10), -2, -5), tinynet_test::contains("got 10"));
  REQUIRE_THROWS_WITH(some_images(4, 3).left(4), tinynet_test::contains("4 of 3 images"));
  Matrix<float> out;
  REQUIRE_THROWS_WITH(some_images(4, 3).copy_values(2, 2, out), tinynet_test::contains("images 2 .. 3 of 3 images"));
  REQUIRE_THROWS_WITH(some_images(4, 3).copy_values(-1, 1, out), tinynet_test::contains("images -1 .. -1 of 3"));
  REQUIRE_THROWS_WITH(some_images(4, 3).gather_values(std::vector<Index>{0, 3}, out),
                      tinynet_test::contains("image 3 of 3 images"));
  REQUIRE_THROWS_WITH(some_images(4, 3).columns(std::vector<Index>{-1}), tinynet_test::contains("image -1 of 3"));
  some_images(4, 3).copy_values(1, 2, out);  // the last two: inside
  CHECK(out.cols() == 2);
  CHECK(Images(std::vector<std::uint8_t>{}, 784, 0).cols() == 0);
}

TEST_CASE("A model trained on Images is the model trained on their values", "[images][training]") {
  const Images images = some_images(12, 50);
  const Matrix<float> values = images.values();
  const std::vector<int> labels = some_labels(50);
  const Images test_images = some_images(12, 20).columns(std::vector<Index>{19, 3, 7, 11, 0, 5, 2, 13, 8, 1});
  const Matrix<float> test_values = test_images.values();
  const std::vector<int> test_labels = some_labels(10);

  for (double split : {0.0, 0.2}) {
    INFO("validation_split " << split);
    tinynet::Sequential<float> on_bytes = images_model(), on_values = images_model();
    const tinynet::FitOptions<float> options{.epochs = 3, .batch_size = 8, .verbose = 0, .validation_split = split};
    const tinynet::History a = on_bytes.fit(images, labels, options);
    const tinynet::History b = on_values.fit(values, labels, options);
    REQUIRE(a.epochs.size() == 3);
    for (std::size_t e = 0; e < 3; ++e) {
      CHECK(a.epochs[e].loss == b.epochs[e].loss);
      if (split > 0) CHECK(a.epochs[e].val_loss == b.epochs[e].val_loss);
    }
    CHECK(on_bytes.predict(test_images) == on_values.predict(test_values));
    CHECK(on_bytes.predict(test_images, 3) == on_values.predict(test_values, 3));
    const tinynet::Evaluation x = on_bytes.evaluate(test_images, test_labels, 4);
    const tinynet::Evaluation y = on_values.evaluate(test_values, test_labels, 4);
    CHECK(x.loss == y.loss);
    CHECK(x.accuracy == y.accuracy);
  }

  // validation_data given as Images, and k-fold cross-validation on Images.
  tinynet::Sequential<float> on_bytes = images_model(), on_values = images_model();
  const auto a = on_bytes.fit(
      images, labels, {.epochs = 2, .verbose = 0, .validation_data = {.x = &test_images, .labels = &test_labels}});
  const auto b = on_values.fit(
      values, labels, {.epochs = 2, .verbose = 0, .validation_data = {.x = &test_values, .labels = &test_labels}});
  CHECK(a.epochs.back().val_loss == b.epochs.back().val_loss);
  const auto folds_on_bytes =
      tinynet::cross_validate(images_model, images, labels, {.folds = 3}, {.epochs = 1, .verbose = 0});
  const auto folds_on_values =
      tinynet::cross_validate(images_model, values, labels, {.folds = 3}, {.epochs = 1, .verbose = 0});
  CHECK(folds_on_bytes.mean_loss == folds_on_values.mean_loss);
  CHECK(folds_on_bytes.mean_accuracy == folds_on_values.mean_accuracy);
}

TEST_CASE("A model's input size is checked against Images too", "[images][errors]") {
  tinynet::Sequential<float> model = images_model();
  REQUIRE_THROWS_WITH(model.fit(some_images(13, 4), some_labels(4), {.verbose = 0}),
                      tinynet_test::contains("input has 13 features per sample but layer 1 (Dense) expects 12"));
  REQUIRE_THROWS_WITH(model.predict(some_images(11, 2)), tinynet_test::contains("input has 11 features"));
  REQUIRE_THROWS_WITH(model.evaluate(some_images(12, 3), some_labels(4)), tinynet_test::contains("3 samples but 4"));
}
