// tinynet's one data type: an Eigen column-major matrix holding one sample per column.
//
//   x : (features × N)   N = batch size
//
// Images are stored channels-last, as Keras stores them: a 28×28×1 image is a column of
// 784 values in (row, column, channel) order with the channel varying fastest. This layout
// means a convolution's output matrix (C × N·H·W) is, byte for byte, the (H·W·C × N) matrix
// the next layer wants, so no layer ever copies data to reshape it.
#pragma once

// GCC 12 warns -Wmaybe-uninitialized inside its own AVX-512 intrinsics (the undefined
// pass-through value of _mm512_max_ps and _mm512_rsqrt14_ps, GCC bug 105593, fixed in GCC 13)
// wherever Eigen's AVX-512 code is inlined into a function, so a program built with
// -march=native -Wall on an AVX-512 machine saw warnings from Softmax and BatchNormalization.
// Those header lines keep the state of the diagnostic where they are first read: here, off.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13 && defined(__AVX512F__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

#include <Eigen/Core>

#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tinynet {

template <typename T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;  // column-major

template <typename T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

// A read-only reference to a matrix, or to a block of whole columns of one (m.middleCols(i, n)),
// taken without a copy: a layer's forward pass reads its input this way, so that predict and
// evaluate run a pass over columns of the caller's matrix where they lie.
template <typename T>
using MatrixRef = Eigen::Ref<const Matrix<T>>;

using Index = Eigen::Index;

// The shape of one sample, without the batch dimension: {features} for a vector,
// {height, width, channels} for an image. Keras prints it as (None, ...).
//
// Every dimension is at least 1 and one sample holds at most max_values values, so that no
// product of dimensions overflows; anything else throws std::invalid_argument. The empty
// shape {} means "not known yet" (a model whose first layer states its input).
struct Shape {
  static constexpr Index max_values = Index{1} << 40;

  std::vector<Index> dims;

  Shape() = default;
  Shape(std::initializer_list<Index> d) : dims(d) { check(); }
  explicit Shape(std::vector<Index> d) : dims(std::move(d)) { check(); }

  Index size() const {  // number of values in one sample
    Index n = 1;
    for (Index d : dims) n *= d;
    return n;
  }
  std::size_t rank() const { return dims.size(); }
  bool empty() const { return dims.empty(); }
  Index operator[](std::size_t i) const { return dims.at(i); }
  bool operator==(const Shape&) const = default;

  // "(None, 28, 28, 1)", as Keras's summary prints it.
  std::string to_string() const {
    std::string s = "(None";
    for (Index d : dims) s += ", " + std::to_string(d);
    return s + ")";
  }

 private:
  void check() const {
    Index n = 1;
    for (Index d : dims) {
      if (d < 1) throw std::invalid_argument("Shape " + to_string() + ": every dimension must be at least 1");
      if (n > max_values / d)
        throw std::invalid_argument("Shape " + to_string() + ": more than 2^40 values per sample");
      n *= d;
    }
  }
};

}  // namespace tinynet
