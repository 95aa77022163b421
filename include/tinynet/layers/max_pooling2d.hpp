// 2-D max pooling (Keras's MaxPooling2D), valid padding.
//
// Shapes, channels-last as everywhere (see conv2d.hpp):
//
//   x : (H·W·C × N)    y : (H_out·W_out·C × N),   H_out = ⌊(H − p)/s⌋ + 1,  W_out likewise
//
// with pool size p and stride s (Keras: s = p unless given). Channels are pooled separately.
//
// Forward, for output pixel (oy, ox) and channel c:
//
//   y[oy, ox, c] = max_{0 ≤ i, j < p} x[oy·s + i, ox·s + j, c]
//
// and the layer remembers where each maximum came from:
//
//   argmax[oy, ox, c] = the index, within the sample's column, of that maximum
//
// Ties: the window is scanned row by row (i, then j) and a value replaces the current maximum
// only if it is strictly greater, so the FIRST maximum in scan order wins — the rule of
// PyTorch's CPU kernel (and, to our reading, TensorFlow's).
//
// Backward: y is a copy of one x entry per window, so dy/dx is 1 at the argmax and 0 elsewhere:
//
//   dL/dx[a] = Σ over the windows whose argmax is a of dL/dy[oy, ox, c]
//
// (a sum because windows overlap when s < p; with s = p every x entry has at most one window).
// Exactly one input entry per window receives gradient, even when the window holds ties.
//
// With s = p (Keras's default, and the common case) the windows tile the image, so backward
// writes each window's entries once — dL/dy at the argmax, 0 elsewhere — instead of zeroing
// dL/dx and then scattering into it: one pass over dL/dx instead of two.
#pragma once

#include <tinynet/detail/parallel.hpp>
#include <tinynet/layers/layer.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>

namespace tinynet {

template <typename T>
class MaxPooling2D : public Layer<T> {
 public:
  // MaxPooling2D(pool_size, strides): strides = 0 means strides = pool_size, as in Keras.
  explicit MaxPooling2D(Index pool_size = 2, Index strides = 0)
      : p_(pool_size), s_(strides == 0 ? pool_size : strides) {
    if (pool_size < 1 || pool_size > max_window)
      throw std::invalid_argument("MaxPooling2D: pool_size must be in [1, 2^20], got " + std::to_string(pool_size));
    if (strides < 0 || strides > max_window)
      throw std::invalid_argument("MaxPooling2D: strides must be in [1, 2^20] (or 0: the pool size), got " +
                                  std::to_string(strides));
  }

  std::string type() const override { return "MaxPooling2D"; }

  Shape build(const Shape& input_shape, std::uint64_t) override {
    if (input_shape.rank() != 3)
      throw std::invalid_argument("MaxPooling2D expects an image input (height, width, channels), got shape " +
                                  input_shape.to_string());
    H_ = input_shape[0];
    W_ = input_shape[1];
    C_ = input_shape[2];
    if (H_ < p_ || W_ < p_)
      throw std::invalid_argument("MaxPooling2D: a " + std::to_string(p_) + "×" + std::to_string(p_) +
                                  " pool needs an image of at least that size, got " + input_shape.to_string());
    if (input_shape.size() > std::numeric_limits<std::int32_t>::max())
      throw std::invalid_argument("MaxPooling2D: an image of " + std::to_string(input_shape.size()) +
                                  " values is too large for its 32-bit argmax indices");
    H_out_ = (H_ - p_) / s_ + 1;
    W_out_ = (W_ - p_) / s_ + 1;
    this->input_shape_ = input_shape;
    this->output_shape_ = Shape{H_out_, W_out_, C_};
    return this->output_shape_;
  }

  const Matrix<T>& forward(const MatrixRef<T>& x, Mode) override {
    this->check_forward(x);
    const Index N = x.cols();
    Y.resize(H_out_ * W_out_ * C_, N);
    argmax.resize(H_out_ * W_out_ * C_, N);
    detail::for_column_blocks(x.rows(), N, [&](Index first, Index count) {
      for (Index n = first; n < first + count; ++n)
        if (p_ == 2 && s_ == 2)
          pool_2x2(x.col(n).data(), Y.col(n).data(), argmax.col(n).data());
        else
          pool(x.col(n).data(), Y.col(n).data(), argmax.col(n).data());
    });
    return Y;
  }

  const Matrix<T>& backward(const Matrix<T>& dy) override {
    this->check_backward(Y, dy);
    const Index N = dy.cols(), outputs = dy.rows();
    dX.resize(H_ * W_ * C_, N);
    detail::for_column_blocks(dX.rows(), N, [&](Index first, Index count) {
      for (Index n = first; n < first + count; ++n) {  // sample by sample:
        const std::int32_t* a = argmax.col(n).data();
        const T* g = dy.col(n).data();
        T* d = dX.col(n).data();
        if (s_ == p_) {
          unpool(g, a, d);
          continue;
        }
        dX.col(n).setZero();                                  //   dL/dx = 0
        for (Index o = 0; o < outputs; ++o) d[a[o]] += g[o];  //   dL/dx[argmax] += dL/dy
      }
    });
    return dX;
  }

  static constexpr Index max_window = Index{1} << 20;

  Index pool_size() const { return p_; }
  Index strides() const { return s_; }

  // (H_out·W_out·C × N) where each output came from: an index into the sample's input column.
  const Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic>& argmax_indices() const { return argmax; }

 private:
  // One sample: for each output pixel, the max over the p × p window of each channel. The C
  // channels of a pixel are contiguous, so the inner loop runs over channels; it has no
  // branch (a max and a bit mask) so that the compiler vectorises it. Indices are 32-bit,
  // the width of a float, for the same reason.
  void pool(const T* __restrict x, T* __restrict y, std::int32_t* __restrict where) const {
    const auto C = static_cast<std::int32_t>(C_);
    for (Index oy = 0; oy < H_out_; ++oy)
      for (Index ox = 0; ox < W_out_; ++ox) {
        T* best = y + (oy * W_out_ + ox) * C_;
        std::int32_t* best_at = where + (oy * W_out_ + ox) * C_;
        for (Index i = 0; i < p_; ++i)
          for (Index j = 0; j < p_; ++j) {
            const auto at = static_cast<std::int32_t>(((oy * s_ + i) * W_ + ox * s_ + j) * C_);
            if (i == 0 && j == 0) {  // start from window entry (0, 0)
              for (std::int32_t c = 0; c < C; ++c) {
                best[c] = x[at + c];
                best_at[c] = at + c;
              }
              continue;
            }
            for (std::int32_t c = 0; c < C; ++c) {
              const T v = x[at + c], b = best[c];
              const std::int32_t greater = -static_cast<std::int32_t>(v > b);  // all ones if v > b
              best[c] = std::max(b, v);                                        // b unless v > b: the first max wins
              best_at[c] = (best_at[c] & ~greater) | ((at + c) & greater);
            }
          }
      }
  }

  // pool() for the common 2 × 2 window with stride 2: the window's four entries, in scan order,
  // in one loop over the channels, so that a channel's maximum and argmax stay in registers
  // (vectorised: per vector of channels, four loads, three compares and selects, two stores;
  // pool() stores both after each entry). Same maximum, same argmax.
  void pool_2x2(const T* __restrict x, T* __restrict y, std::int32_t* __restrict where) const {
    const auto C = static_cast<std::int32_t>(C_);
    for (Index oy = 0; oy < H_out_; ++oy)
      for (Index ox = 0; ox < W_out_; ++ox) {
        const auto at00 = static_cast<std::int32_t>((2 * oy * W_ + 2 * ox) * C_), at01 = at00 + C;
        const auto at10 = at00 + static_cast<std::int32_t>(W_ * C_), at11 = at10 + C;
        T* best = y + (oy * W_out_ + ox) * C_;
        std::int32_t* best_at = where + (oy * W_out_ + ox) * C_;
        for (std::int32_t c = 0; c < C; ++c) {
          T b = x[at00 + c];
          std::int32_t a = at00 + c;
          for (const std::int32_t at : {at01, at10, at11}) {  // replaced only if strictly greater
            const T v = x[at + c];
            a = v > b ? at + c : a;
            b = v > b ? v : b;
          }
          best[c] = b;
          best_at[c] = a;
        }
      }
  }

  // Backward of one sample when the windows tile the image (s = p): every input entry of a
  // window gets dL/dy if it is the window's argmax and 0 otherwise (a select, vectorised over
  // the channels); the rows and columns that no window covers, when p does not divide H or W,
  // get 0.
  void unpool(const T* __restrict g, const std::int32_t* __restrict where, T* __restrict d) const {
    const auto C = static_cast<std::int32_t>(C_);
    for (Index y = 0; y < H_; ++y) {
      const Index oy = y / p_;
      T* row = d + y * W_ * C_;
      if (oy >= H_out_) {  // below the last window
        std::fill(row, row + W_ * C_, T(0));
        continue;
      }
      for (Index ox = 0; ox < W_out_; ++ox) {
        const T* g_window = g + (oy * W_out_ + ox) * C_;
        const std::int32_t* argmax_window = where + (oy * W_out_ + ox) * C_;
        for (Index j = 0; j < p_; ++j) {
          const auto at = static_cast<std::int32_t>((y * W_ + ox * p_ + j) * C_);
          for (std::int32_t c = 0; c < C; ++c) d[at + c] = argmax_window[c] == at + c ? g_window[c] : T(0);
        }
      }
      std::fill(row + W_out_ * p_ * C_, row + W_ * C_, T(0));  // right of the last window
    }
  }

  Index p_, s_;
  Index H_ = 0, W_ = 0, C_ = 0, H_out_ = 0, W_out_ = 0;

  Matrix<T> Y;                                                         // (H_out·W_out·C × N) output
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic> argmax;  // (H_out·W_out·C × N) see above
  Matrix<T> dX;                                                        // (H·W·C × N) dL/dx
};

}  // namespace tinynet
