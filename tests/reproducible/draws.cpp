// Prints a digest of every random draw tinynet makes — initial weights (Dense, Conv2D), Dropout's
// mask, augmentation, the k-fold split, and the weights after training with shuffling, Dropout
// and augmentation — so that builds with different standard libraries can be compared:
// random.hpp promises the same numbers with libstdc++ and libc++ (tests/reproducible.cmake).
#include <tinynet/core.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>

namespace {

// FNV-1a over the bytes of every value.
struct Digest {
  std::uint64_t h = 1469598103934665603ULL;
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ULL;
  }
  template <typename M>
  void matrix(const M& m) {
    bytes(m.data(), static_cast<std::size_t>(m.size()) * sizeof(typename M::Scalar));
  }
};

}  // namespace

int main(int argc, char** argv) {
  using namespace tinynet;
  Digest draws, trained;

  Sequential<double> model({8, 8, 1}, 7);
  model.add<Conv2D>(2, 3).add<ReLU>().add<Flatten>().add<Dropout>(0.3).add<Dense>(3).add<Softmax>();
  for (const Parameter<double>& p : model.parameters()) draws.matrix(*p.value);  // initial weights

  Dropout<double> dropout(0.5, 11);
  dropout.build({20}, 0);
  dropout.forward(Matrix<double>::Ones(20, 10), Mode::training);
  draws.matrix(dropout.mask());

  Matrix<double> images = Matrix<double>::Zero(64, 12);
  for (Index i = 0; i < images.size(); ++i) images.data()[i] = static_cast<double>(i % 17) / 17.0;
  Matrix<double> augmented = images;
  Random random(5);
  data::RandomShiftAndFlip{.image_shape = {8, 8, 1}, .max_shift = 2, .horizontal_flip = true}(augmented, random);
  draws.matrix(augmented);

  for (const auto& fold : kfold_indices(37, {.folds = 4, .seed = 3}))
    draws.bytes(fold.data(), fold.size() * sizeof(Index));

  std::vector<int> labels(12);
  for (std::size_t n = 0; n < labels.size(); ++n) labels[n] = static_cast<int>(n % 3);
  model.compile(SGD{.learning_rate = 0.1}, SparseCategoricalCrossentropy{});
  model.fit(images, labels,
            {.epochs = 3,
             .batch_size = 4,
             .seed = 9,
             .verbose = 0,
             .augment = data::RandomShiftAndFlip{.image_shape = {8, 8, 1}, .max_shift = 1}});
  for (const Parameter<double>& p : model.parameters()) trained.matrix(*p.value);

  std::ostream* out = &std::cout;
  std::ofstream file;
  if (argc > 1) {
    file.open(argv[1]);
    out = &file;
  }
  *out << "draws " << std::hex << draws.h << "\ntrained " << trained.h << '\n';
  return 0;
}
