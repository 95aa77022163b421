// Winograd's F(2×2, 3×3): a 3×3 convolution with stride 1 computed with fewer multiplications,
// the way Conv2D computes its forward pass and dL/dx when it can (conv2d.hpp).
//
// One dimension first. Two outputs of a 3-tap correlation, y_0 = d_0·g_0 + d_1·g_1 + d_2·g_2 and
// y_1 = d_1·g_0 + d_2·g_1 + d_3·g_2, take 6 multiplications as written. Winograd's minimal
// filtering algorithm takes 4:
//
//   y = Aᵀ [ (G g) ⊙ (Bᵀ d) ]          d: 4 inputs, g: 3 weights, ⊙: element-wise product
//
//        ⎡1  0 −1  0⎤         ⎡1   0   0⎤
//   Bᵀ = ⎢0  1  1  0⎥    G =  ⎢½   ½   ½⎥    Aᵀ = ⎡1  1  1  0⎤
//        ⎢0 −1  1  0⎥         ⎢½  −½   ½⎥         ⎣0  1 −1 −1⎦
//        ⎣0  1  0 −1⎦         ⎣0   0   1⎦
//
// (multiply it out: the first row of Aᵀ gives d_0 g_0 + d_1 g_1 + d_2 g_2.) Nested, rows then
// columns, it gives a 2×2 block of outputs of a 3×3 kernel from a 4×4 block of inputs with 16
// multiplications instead of 36:
//
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A      d: 4×4 inputs,  g: 3×3 kernel,  Y: 2×2 outputs
//
// Over channels the element-wise product becomes a sum of products, and over filters a matrix
// product. Number the 16 positions of a 4×4 block ξ = 4i + j. For each sample:
//
//   U_ξ[f, c] = (G g_{f,c} Gᵀ)[i, j]          (C_out × C_in)  the kernel, transformed once per pass
//   V_ξ[c, t] = (Bᵀ d_{t,c} B)[i, j]          (C_in × tiles)  the input tile t of channel c
//   M_ξ = U_ξ · V_ξ                           (C_out × tiles) 16 matrix products
//   Y_t,f = Aᵀ m_{t,f} A                      m_{t,f}[i, j] = M_ξ[f, t]
//
// The output is cut into tiles of 2×2 pixels; tile t = (a, b) produces y[2a + i, 2b + j] for
// i, j ∈ {0, 1} (the pixels past the edge of an odd-sized output are computed and dropped) from
// the inputs x[2a + i − p_top, 2b + j − p_left] for i, j ∈ 0 … 3, zero outside the image.
//
// dL/dK. The forward algorithm is a chain of linear maps of g, so its derivative is the chain of
// their transposes, in reverse (the adjoint of m ↦ Aᵀ m A is dy ↦ A dy Aᵀ, and of g ↦ G g Gᵀ,
// dU ↦ Gᵀ dU G). With dz_{t,f} the 2×2 block of dL/dz on output tile t and filter f (zero for
// pixels past the edge):
//
//   dM_ξ[f, t] = (A dz_{t,f} Aᵀ)[i, j]          (C_out × tiles)  dL/dM
//   dU_ξ = Σ_t dM_ξ[:, t] · V_ξ[:, t]ᵀ = dM_ξ · V_ξᵀ     (C_out × C_in)  16 matrix products
//   dL/dg_{f,c} = Gᵀ dU_{f,c} G                 dU_{f,c}[i, j] = dU_ξ[f, c]
//
// (This is Winograd's F(3×3, 2×2) in disguise: dL/dg is the correlation of the input with dz,
// a 3×3 output of a 2×2 "kernel", and G, A swap their roles.) V is the forward pass's input
// transform, computed again from the kept input; dU is summed over the samples of a batch before
// the one transform back to dL/dg.
//
// The cost: for the notebook CNN's second convolution (32 → 64 channels, 11×11 outputs, 36
// tiles) the products do 16·64·32·36 multiply-adds per sample instead of 64·288·121, 0.53 of
// them, and the transforms are additions over the channels, which are contiguous in
// channels-last memory. The results differ from im2col's only by rounding: the transforms
// reorder the sums.
#pragma once

#include <tinynet/detail/matrix_product.hpp>
#include <tinynet/tensor.hpp>

#include <algorithm>

namespace tinynet::detail {

template <typename T>
class Winograd3x3 {
 public:
  static constexpr Index positions = 16;  // the 4×4 positions ξ of a transformed tile

  // Whether a convolution can be computed this way here: a 3×3 kernel with stride 1, and
  // channels and filters in whole vectors (the transforms work a vector of them at a time).
  static bool applies(Index kernel_size, Index stride, Index C_in, Index C_out) {
    return kernel_size == 3 && stride == 1 && C_in % Simd<T>::lanes == 0 && C_out % Simd<T>::lanes == 0;
  }

  // The layer's geometry: input H × W × C_in, output H_out × W_out × C_out, padding above and left.
  void set_shape(Index H, Index W, Index C_in, Index C_out, Index H_out, Index W_out, Index pad_top, Index pad_left) {
    H_ = H, W_ = W, C_in_ = C_in, C_out_ = C_out, H_out_ = H_out, W_out_ = W_out;
    pad_top_ = pad_top, pad_left_ = pad_left;
    tiles_y_ = (H_out + 1) / 2, tiles_x_ = (W_out + 1) / 2;
    zeros_.setZero(C_in);
  }

  Index tiles() const { return tiles_y_ * tiles_x_; }

  // U_ξ = G g Gᵀ for every filter f and channel c, from Conv2D's kernel K (C_out × 9·C_in), whose
  // column (ky·3 + kx)·C_in + c holds g_{f,c}[ky, kx]. U holds U_ξ in columns ξ·C_in … .
  void transform_kernel(const Matrix<T>& K) {
    U_.resize(C_out_, positions * C_in_);
    Gg_.resize(C_out_, 12);  // column 3·i + kx: (G g)[i, kx], for every filter
    const T half = T(0.5);
    auto g = [&](Index ky, Index kx, Index c) { return K.col((ky * 3 + kx) * C_in_ + c).array(); };
    auto Gg = [&](Index column) { return Gg_.col(column).array(); };
    for (Index c = 0; c < C_in_; ++c) {
      // Rows of G g, for each kernel column kx: (g_0, (g_0 + g_1 + g_2)/2, (g_0 − g_1 + g_2)/2, g_2).
      for (Index kx = 0; kx < 3; ++kx) {
        Gg(kx) = g(0, kx, c);
        Gg(3 + kx) = half * (g(0, kx, c) + g(1, kx, c) + g(2, kx, c));
        Gg(6 + kx) = half * (g(0, kx, c) - g(1, kx, c) + g(2, kx, c));
        Gg(9 + kx) = g(2, kx, c);
      }
      for (Index i = 0; i < 4; ++i) {  // then (G g) Gᵀ along each row i
        auto u = [&](Index j) { return U_.col((4 * i + j) * C_in_ + c).array(); };
        u(0) = Gg(3 * i);
        u(1) = half * (Gg(3 * i) + Gg(3 * i + 1) + Gg(3 * i + 2));
        u(2) = half * (Gg(3 * i) - Gg(3 * i + 1) + Gg(3 * i + 2));
        u(3) = Gg(3 * i + 2);
      }
    }
  }

  // What one thread works in: V (C_in × 16·tiles) and M (C_out × 16·tiles), sized by the first
  // pass and reused after.
  struct Scratch {
    Matrix<T> V, M;
  };

  // y = the convolution of one sample x with the transformed kernel, plus bias (or not, when
  // null): (H_out·W_out·C_out) values, channels-last.
  void forward(const T* x, const T* bias, T* y, Scratch& s) const {
    const Index n = tiles();
    s.V.resize(C_in_, positions * n);
    s.M.resize(C_out_, positions * n);
    transform_input(x, s);
    for (Index xi = 0; xi < positions; ++xi)  // M_ξ = U_ξ · V_ξ
      product(s.M.middleCols(xi * n, n), U_.middleCols(xi * C_in_, C_in_), s.V.middleCols(xi * n, n), false);
    for (Index a = 0; a < tiles_y_; ++a)
      for (Index b = 0; b < tiles_x_; ++b) transform_output(a * tiles_x_ + b, a, b, bias, y, s);
  }

  // dU (+)= Σ_ξ dM_ξ · V_ξᵀ for one sample, its input x and dL/dz (H_out·W_out·C_out values,
  // channels-last): dU (C_out × 16·C_in) holds dU_ξ in columns ξ·C_in … like U.
  template <typename Dst>
  void accumulate_kernel_gradient(const T* x, const T* dz, Dst&& dU, bool accumulate, Scratch& s) const {
    const Index n = tiles();
    s.V.resize(C_in_, positions * n);
    s.M.resize(C_out_, positions * n);
    transform_input(x, s);
    for (Index a = 0; a < tiles_y_; ++a)
      for (Index b = 0; b < tiles_x_; ++b) transform_output_gradient(dz, a, b, a * tiles_x_ + b, s);
    for (Index xi = 0; xi < positions; ++xi)  // dU_ξ (+)= dM_ξ · V_ξᵀ
      product(dU.middleCols(xi * C_in_, C_in_), s.M.middleCols(xi * n, n), s.V.middleCols(xi * n, n).transpose(),
              accumulate);
  }

  // dL/dK (+)= Gᵀ dU G for every filter and channel, into Conv2D's layout (C_out × 9·C_in, column
  // (ky·3 + kx)·C_in + c); dU is the sum of accumulate_kernel_gradient over a batch.
  template <typename Src>
  void kernel_gradient(const Src& dU, Matrix<T>& dK, bool accumulate) {
    const T half = T(0.5);
    auto u = [&](Index i, Index j, Index c) { return dU.col((4 * i + j) * C_in_ + c).array(); };
    GtdU_.resize(C_out_, 12);
    auto r = GtdU_.array();
    for (Index c = 0; c < C_in_; ++c) {
      // Rows of Gᵀ dU, for each column j: (u_0 + (u_1 + u_2)/2, (u_1 − u_2)/2, (u_1 + u_2)/2 + u_3).
      for (Index j = 0; j < 4; ++j) {
        r.col(j) = u(0, j, c) + half * (u(1, j, c) + u(2, j, c));
        r.col(4 + j) = half * (u(1, j, c) - u(2, j, c));
        r.col(8 + j) = half * (u(1, j, c) + u(2, j, c)) + u(3, j, c);
      }
      for (Index i = 0; i < 3; ++i) {  // then (Gᵀ dU) G along each row i
        auto row = [&](Index j) { return r.col(4 * i + j); };
        auto put = [&](Index kx, const auto& value) {  // dL/dg[i, kx] (+)= value
          auto dg = dK.col((i * 3 + kx) * C_in_ + c).array();
          if (accumulate)
            dg += value;
          else
            dg = value;
        };
        put(0, row(0) + half * (row(1) + row(2)));
        put(1, half * (row(1) - row(2)));
        put(2, half * (row(1) + row(2)) + row(3));
      }
    }
  }

 private:
  using S = Simd<T>;
  using Vec = typename S::Vec;
  static constexpr Index L = S::lanes;

  // column[i][j] = tile t's column at position ξ = 4i + j of a scratch matrix (V or M), whose
  // positions hold tiles() columns each.
  void tile_columns(Matrix<T>& scratch, Index t, T* (&column)[4][4]) const {
    for (Index i = 0; i < 4; ++i)
      for (Index j = 0; j < 4; ++j) column[i][j] = scratch.col((4 * i + j) * tiles() + t).data();
  }

  // V_ξ for every tile of one sample.
  void transform_input(const T* x, Scratch& s) const {
    for (Index a = 0; a < tiles_y_; ++a)
      for (Index b = 0; b < tiles_x_; ++b) transform_input(x, a, b, a * tiles_x_ + b, s);
  }

  // V_ξ[:, t] = (Bᵀ d B)[i, j] for tile t = (a, b), a vector of channels at a time.
  void transform_input(const T* x, Index a, Index b, Index t, Scratch& s) const {
    const T* pixel[4][4];  // the channels of input pixel (2a + i − p_top, 2b + j − p_left)
    for (Index i = 0; i < 4; ++i)
      for (Index j = 0; j < 4; ++j) {
        const Index iy = 2 * a + i - pad_top_, ix = 2 * b + j - pad_left_;
        const bool inside = iy >= 0 && iy < H_ && ix >= 0 && ix < W_;
        pixel[i][j] = inside ? x + (iy * W_ + ix) * C_in_ : zeros_.data();
      }
    T* v[4][4];
    tile_columns(s.V, t, v);
    for (Index c = 0; c < C_in_; c += L) {
      Vec d[4][4], r[4][4];
      for (Index i = 0; i < 4; ++i)
        for (Index j = 0; j < 4; ++j) d[i][j] = S::load(pixel[i][j] + c);
      for (Index j = 0; j < 4; ++j) {  // r = Bᵀ d, column by column
        r[0][j] = S::sub(d[0][j], d[2][j]);
        r[1][j] = S::add(d[1][j], d[2][j]);
        r[2][j] = S::sub(d[2][j], d[1][j]);
        r[3][j] = S::sub(d[1][j], d[3][j]);
      }
      for (Index i = 0; i < 4; ++i) {  // v = r B, row by row
        S::store(v[i][0] + c, S::sub(r[i][0], r[i][2]));
        S::store(v[i][1] + c, S::add(r[i][1], r[i][2]));
        S::store(v[i][2] + c, S::sub(r[i][2], r[i][1]));
        S::store(v[i][3] + c, S::sub(r[i][1], r[i][3]));
      }
    }
  }

  // y[2a + i, 2b + j, :] = (Aᵀ m A)[i, j] (+ bias) for the pixels of tile t = (a, b) inside the
  // output, a vector of filters at a time.
  void transform_output(Index t, Index a, Index b, const T* bias, T* y, Scratch& s) const {
    T* m[4][4];
    tile_columns(s.M, t, m);
    const bool last_row = 2 * a + 1 >= H_out_, last_column = 2 * b + 1 >= W_out_;  // an odd edge
    T* out[2][2];
    for (Index i = 0; i < 2; ++i)
      for (Index j = 0; j < 2; ++j) out[i][j] = y + ((2 * a + i) * W_out_ + 2 * b + j) * C_out_;
    for (Index f = 0; f < C_out_; f += L) {
      Vec r[2][4];
      for (Index j = 0; j < 4; ++j) {  // r = Aᵀ m, column by column
        const Vec m0 = S::load(m[0][j] + f), m1 = S::load(m[1][j] + f), m2 = S::load(m[2][j] + f),
                  m3 = S::load(m[3][j] + f);
        r[0][j] = S::add(S::add(m0, m1), m2);
        r[1][j] = S::sub(S::sub(m1, m2), m3);
      }
      const Vec offset = bias ? S::load(bias + f) : S::zero();
      for (Index i = 0; i < 2; ++i) {  // y = r A (+ bias)
        if (i == 1 && last_row) break;
        S::store(out[i][0] + f, S::add(S::add(S::add(r[i][0], r[i][1]), r[i][2]), offset));
        if (!last_column) S::store(out[i][1] + f, S::add(S::sub(S::sub(r[i][1], r[i][2]), r[i][3]), offset));
      }
    }
  }

  // dM_ξ[:, t] = (A dz Aᵀ)[i, j] for tile t = (a, b), from the 2×2 block of dL/dz at
  // (2a, 2b) (zero past the output's edge), a vector of filters at a time.
  void transform_output_gradient(const T* dz, Index a, Index b, Index t, Scratch& s) const {
    const bool last_row = 2 * a + 1 >= H_out_, last_column = 2 * b + 1 >= W_out_;  // an odd edge
    const T* pixel[2][2];
    for (Index i = 0; i < 2; ++i)
      for (Index j = 0; j < 2; ++j)
        pixel[i][j] = (i == 1 && last_row) || (j == 1 && last_column)
                          ? nullptr
                          : dz + ((2 * a + i) * W_out_ + 2 * b + j) * C_out_;
    T* m[4][4];
    tile_columns(s.M, t, m);
    for (Index f = 0; f < C_out_; f += L) {
      Vec z[2][2], r[4][2];
      for (Index i = 0; i < 2; ++i)
        for (Index j = 0; j < 2; ++j) z[i][j] = pixel[i][j] ? S::load(pixel[i][j] + f) : S::zero();
      for (Index j = 0; j < 2; ++j) {  // r = A z, column by column (A's rows: 1 0, 1 1, 1 −1, 0 −1)
        r[0][j] = z[0][j];
        r[1][j] = S::add(z[0][j], z[1][j]);
        r[2][j] = S::sub(z[0][j], z[1][j]);
        r[3][j] = S::sub(S::zero(), z[1][j]);
      }
      for (Index i = 0; i < 4; ++i) {  // dm = r Aᵀ, row by row
        S::store(m[i][0] + f, r[i][0]);
        S::store(m[i][1] + f, S::add(r[i][0], r[i][1]));
        S::store(m[i][2] + f, S::sub(r[i][0], r[i][1]));
        S::store(m[i][3] + f, S::sub(S::zero(), r[i][1]));
      }
    }
  }

  Index H_ = 0, W_ = 0, C_in_ = 0, C_out_ = 0, H_out_ = 0, W_out_ = 0, pad_top_ = 0, pad_left_ = 0;
  Index tiles_y_ = 0, tiles_x_ = 0;
  Matrix<T> U_;     // (C_out × 16·C_in) the transformed kernel, U_ξ in columns ξ·C_in …
  Matrix<T> Gg_;    // (C_out × 12) G g for one channel, while transforming the kernel
  Matrix<T> GtdU_;  // (C_out × 12) Gᵀ dU for one channel, while transforming dU back (kernel_gradient)
  Eigen::Array<T, Eigen::Dynamic, 1> zeros_;  // C_in zeros: the channels of a pixel outside the image
};

}  // namespace tinynet::detail
