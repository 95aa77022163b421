// Image augmentation for training: each batch is altered at random before the training step,
// so the model never sees exactly the same image twice.
//
// Plug an augmenter into fit() through FitOptions::augment, which calls it on every training
// batch (never on validation data) with fit's own seeded generator, so a run is reproducible:
//
//   model.fit(x, labels, {.epochs = 10, .batch_size = 64,
//                         .augment = tinynet::data::RandomShiftAndFlip{
//                             .image_shape = {28, 28, 1}, .max_shift = 2, .horizontal_flip = true}});
//
// An augmenter is any callable void(Matrix<T>& batch, Random& random) that changes the batch
// (features × N, one channels-last image per column) in place; its draws come from `random`.
#pragma once

#include <tinynet/random.hpp>
#include <tinynet/tensor.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynet::data {

// Moves every image by a random whole number of pixels and mirrors it left-right with
// probability 1/2 (Keras's RandomTranslation with fill_mode="constant" plus RandomFlip
// ("horizontal"), in pixels rather than fractions). For each image, in this order:
//
//   dy, dx ~ uniform integers in [−max_shift, max_shift]      (dy down, dx right; Random::integer)
//   flip   ~ Bernoulli(1/2)                                   (drawn only if horizontal_flip)
//
//   out[i, j, c] = x[i − dy, j' , c],  j' = j − dx             without flip
//                                      j' = W − 1 − (j − dx)   with flip (mirror, then shift)
//
// and 0 where (i − dy, j − dx) falls outside the image: a pixel at (i, j) moves to
// (i + dy, j + dx), or to (i + dy, W − 1 − j + dx) when flipped, and whatever is pushed out
// of the frame is lost.
struct RandomShiftAndFlip {
  Shape image_shape{28, 28, 1};  // (H, W, C) of one image
  Index max_shift = 2;           // largest shift, in pixels, in each direction
  bool horizontal_flip = true;

  template <typename T>
  void operator()(Matrix<T>& batch, Random& random) const {
    if (image_shape.rank() != 3)
      throw std::invalid_argument("RandomShiftAndFlip: image_shape must be (height, width, channels), got " +
                                  image_shape.to_string());
    if (max_shift < 0 || max_shift > (Index{1} << 31))
      throw std::invalid_argument("RandomShiftAndFlip: max_shift must be in [0, 2^31], got " +
                                  std::to_string(max_shift));
    if (batch.rows() != image_shape.size())
      throw std::invalid_argument("RandomShiftAndFlip: the batch has " + std::to_string(batch.rows()) +
                                  " values per sample but image_shape " + image_shape.to_string() + " has " +
                                  std::to_string(image_shape.size()));
    const Index H = image_shape[0], W = image_shape[1], C = image_shape[2];
    std::vector<T> source(static_cast<std::size_t>(batch.rows()));  // the image before augmentation
    for (Index n = 0; n < batch.cols(); ++n) {
      const Index dy = random.integer(-max_shift, max_shift), dx = random.integer(-max_shift, max_shift);
      const bool flip = horizontal_flip && random.bernoulli(0.5);
      if (dy == 0 && dx == 0 && !flip) continue;
      T* out = batch.col(n).data();
      std::copy_n(out, batch.rows(), source.begin());
      const T* x = source.data();
      for (Index i = 0; i < H; ++i) {
        T* row = out + i * W * C;
        const Index si = i - dy;
        if (si < 0 || si >= H) {
          std::fill_n(row, W * C, T(0));
          continue;
        }
        for (Index j = 0; j < W; ++j) {
          Index sj = j - dx;
          if (sj < 0 || sj >= W) {
            std::fill_n(row + j * C, C, T(0));
            continue;
          }
          if (flip) sj = W - 1 - sj;
          std::copy_n(x + (si * W + sj) * C, C, row + j * C);
        }
      }
    }
  }
};

}  // namespace tinynet::data
