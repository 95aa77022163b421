// Images stored as bytes, the way image files and data sets hold them: a pixel byte v in
// 0..255 stands for the value v / 255 in [0, 1].
//
//   Images x = datasets::load_fashion_mnist().train.images;  // 784 bytes × 60,000 images
//   model.fit(x, labels, {...});            // fit, evaluate and predict take Images as they are
//   Matrix<float> values = x.values();      // or every image as floats, (784 × 60,000)
//
// Why bytes: Fashion-MNIST's 60,000 training images are 47 MB as bytes and 188 MB as floats.
// fit, evaluate and predict convert one batch at a time (a 64-image batch is 200 KB of floats),
// so a model trains on the bytes without ever holding the float copy.
#pragma once

#include <tinynet/detail/parallel.hpp>
#include <tinynet/tensor.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tinynet {

class Images {
 public:
  using ByteMatrix = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic>;

  Images() = default;

  // `count` images of `size` bytes each, one image after another (the column-major memory of a
  // (size × count) matrix).
  Images(std::vector<std::uint8_t> bytes, Index size, Index count)
      : bytes_(std::move(bytes)), size_(size), count_(count) {
    if (size < 0 || count < 0 || (size > 0 && count > static_cast<Index>(bytes_.size()) / size) ||
        static_cast<std::size_t>(size * count) != bytes_.size())
      throw std::invalid_argument("Images: " + std::to_string(count) + " images of " + std::to_string(size) +
                                  " bytes need " + std::to_string(size) + "·" + std::to_string(count) + " bytes, got " +
                                  std::to_string(bytes_.size()));
  }

  Index rows() const { return size_; }   // values per image (H·W·C)
  Index cols() const { return count_; }  // images

  // The value a byte stands for: v / 255, in [0, 1]. The one conversion from bytes to values.
  template <typename T>
  static T value(std::uint8_t byte) {
    return static_cast<T>(byte) / T(255);
  }

  // The bytes as a (size × count) matrix, one image per column.
  Eigen::Map<const ByteMatrix> bytes() const { return {bytes_.data(), size_, count_}; }

  // Every image as values, (size × count).
  template <typename T = float>
  Matrix<T> values() const {
    Matrix<T> out;
    copy_values(0, count_, out);
    return out;
  }

  // out = images first .. first + n − 1 as values, (size × n): an evaluation batch.
  template <typename T>
  void copy_values(Index first, Index n, Matrix<T>& out) const {
    check_range(first, n, "Images::copy_values");
    out.resize(size_, n);
    copy_values(first, n, Eigen::Map<Matrix<T>>(out.data(), size_, n));
  }
  template <typename T>
  void copy_values(Index first, Index n, Eigen::Map<Matrix<T>> out) const {
    check_range(first, n, "Images::copy_values");
    to_values(bytes_.data() + first * size_, size_ * n, out.data());
  }

  // out = the images at `columns` as values, (size × columns.size()): a training batch.
  template <typename T, typename Columns>
  void gather_values(const Columns& columns, Matrix<T>& out) const {
    check_columns(columns, "Images::gather_values");
    out.resize(size_, static_cast<Index>(columns.size()));
    auto image = [&](Index j) { return bytes_.data() + entry(columns, j) * size_; };
    detail::gather_samples(size_, size_, out.cols(), image,
                           [&](Index j) { to_values(image(j), size_, out.col(j).data()); });
  }

  // The images at `columns`, in that order (any integer container with size() and []).
  template <typename Columns>
  Images columns(const Columns& columns) const {
    check_columns(columns, "Images::columns");
    std::vector<std::uint8_t> out(static_cast<std::size_t>(size_) * static_cast<std::size_t>(columns.size()));
    Eigen::Map<ByteMatrix> picked(out.data(), size_, static_cast<Index>(columns.size()));
    for (Index j = 0; j < picked.cols(); ++j) picked.col(j) = bytes().col(entry(columns, j));
    return {std::move(out), size_, picked.cols()};
  }

  // The first n images.
  Images left(Index n) const {
    if (n < 0 || n > count_)
      throw std::invalid_argument("Images::left: " + std::to_string(n) + " of " + std::to_string(count_) + " images");
    const auto kept = static_cast<std::size_t>(size_ * n);
    return {std::vector<std::uint8_t>(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(kept)), size_, n};
  }

 private:
  // Refuses images first .. first + n − 1 unless they all exist.
  void check_range(Index first, Index n, const char* what) const {
    if (first < 0 || n < 0 || first > count_ - n)
      throw std::invalid_argument(std::string(what) + ": images " + std::to_string(first) + " .. " +
                                  std::to_string(first + n - 1) + " of " + std::to_string(count_) + " images");
  }
  template <typename Columns>
  void check_columns(const Columns& columns, const char* what) const {
    for (Index j = 0; j < static_cast<Index>(columns.size()); ++j)
      if (entry(columns, j) < 0 || entry(columns, j) >= count_)
        throw std::invalid_argument(std::string(what) + ": image " + std::to_string(entry(columns, j)) + " of " +
                                    std::to_string(count_) + " images");
  }

  // columns[j] of a std::vector (indexed by size_t) or an Eigen vector (by Index).
  template <typename Columns>
  static Index entry(const Columns& columns, Index j) {
    return static_cast<Index>(columns[static_cast<decltype(columns.size())>(j)]);
  }

  // value() over n bytes: a plain loop, which the compiler turns into vector instructions
  // (Eigen's cast of bytes runs one value at a time, and cost an MLP epoch about 30 % more than
  // float images did).
  template <typename T>
  static void to_values(const std::uint8_t* bytes, Index n, T* values) {
    for (Index i = 0; i < n; ++i) values[i] = value<T>(bytes[i]);
  }

  std::vector<std::uint8_t> bytes_;
  Index size_ = 0, count_ = 0;
};

}  // namespace tinynet
