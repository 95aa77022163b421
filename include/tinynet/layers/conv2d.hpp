// 2-D convolution (Keras's Conv2D): im2col followed by a matrix product.
//
// Shapes. A sample is an image of H rows, W columns and C channels, stored channels-last: the
// value at (row i, column j, channel c) is entry (i·W + j)·C + c of the sample's column.
//
//   x : (H·W·C_in × N)                   input batch
//   y : (H_out·W_out·C_out × N)          output batch, channels-last again
//   K : (C_out × D),  D = k·k·C_in       the kernel; column (ky·k + kx)·C_in + c holds the
//                                        weights that multiply x[· + ky, · + kx, c]
//   b : (C_out × 1)                      one bias per filter
//
// Read column-major, K's memory is Keras's kernel tensor (k, k, C_in, C_out) read row-major,
// so a Keras kernel can be copied into K as it is. (W always means the image width here.)
//
// Forward, for output pixel (oy, ox) and filter f, with stride s:
//
//   y[oy, ox, f] = b[f] + Σ_{ky, kx, c} K[f, (ky·k + kx)·C_in + c] · x[oy·s + ky − p_top, ox·s + kx − p_left, c]
//
// where x is 0 outside the image (zero padding). Padding follows TensorFlow:
//
//   valid:  H_out = ⌊(H − k)/s⌋ + 1,  no padding
//   same:   H_out = ⌈H/s⌉,  pad = max((H_out − 1)·s + k − H, 0) rows of zeros in all,
//           p_top = ⌊pad/2⌋ above and pad − p_top below (the odd one goes at the bottom)
//   (and the same with W, p_left and p_right for the columns)
//
// im2col. Number the output pixels of the whole batch m = (n·H_out + oy)·W_out + ox,
// M = N·H_out·W_out of them, and copy the k·k·C_in input values pixel m sees into column m of
//
//   cols : (D × M),   cols[(ky·k + kx)·C_in + c, m] = x_n[oy·s + ky − p_top, ox·s + kx − p_left, c]
//
// Then the whole layer is one product (computed one sample at a time, see "Chunks and threads"):
//
//   Y = K · cols + b·1ᵀ            Y : (C_out × M)
//
// Layout trick: Y is column-major with the filter varying fastest, then ox, oy, n — which is
// exactly the memory of the channels-last output y (H_out·W_out·C_out × N). So y is Y read
// through a different shape (an Eigen::Map); nothing is transposed or copied. In channels-last
// order, a kernel row (k pixels × C_in channels) is also contiguous in x, so im2col is k copies
// of k·C_in values per output pixel. (When a kernel row is shorter than 16 values, as for one
// input channel, a sample's cols is stored transposed instead: see im2col_by_kernel_entry.)
//
// With `activation = relu` (Keras's Conv2D(…, activation="relu")), that sum is z and the
// output is y = max(0, z), applied to each sample's output while it is still in cache.
//
// Backward, given dy = dL/dy, read as dY (C_out × M) the same way. First dL/dz: dZ = dY with
// no activation, dZ = dY ⊙ 1[Y > 0] with relu (as ReLU's backward). Then:
//
//   dL/dK = dZ · colsᵀ          (C_out × D)   Z = K·cols + b·1ᵀ is a matrix product: the usual rule
//   dL/db = Σ_m dZ[:, m] = dZ·1 (C_out × 1)   b is added to every column m of Z
//   dL/dcols = Kᵀ · dZ          (D × M)
//   dL/dx = col2im(dL/dcols)    (H·W·C_in × N)
//
// im2col is a linear map that copies each input value into every column that sees it
// (cols = G·x with G a 0/1 matrix), so its derivative is the transpose Gᵀ: col2im adds every
// copy's gradient back into the value it came from,
//
//   dx_n[i, j, c] = Σ over (oy, ox, ky, kx) with oy·s + ky − p_top = i and ox·s + kx − p_left = j
//                     of dcols[(ky·k + kx)·C_in + c, m(n, oy, ox)]
//
// (copies of padding zeros have no source; their gradient is dropped).
//
// Chunks and threads. The batch is cut into chunks of `samples_per_chunk` samples, and the
// work of a chunk runs start to finish on one thread, one sample at a time: the sample is
// unfolded into a slot of cols (139 KB for the notebook's second convolution, so it is still in
// the core's cache when the products read it), and
//
//   forward:   Y_i = K · cols_i + b·1ᵀ           (then max(0, ·) with relu)
//   backward:  dZ_i from dY_i (above); cols_i unfolded again from the kept input x_i, then
//              (with Winograd, see below, dK_c and dx_i another way)
//              dK_c += dZ_i · cols_iᵀ,   db_c += dZ_i · 1,   dcols_i = Kᵀ · dZ_i,   dx_i = col2im(dcols_i)
//
// Keeping x instead of every sample's cols costs a second im2col per sample, but cols is 9
// times larger than x for a 3×3 kernel (8.9 MB against 1.4 MB per batch of 64 in the second
// convolution): written in forward and read back in backward, it went through memory instead
// of staying in cache. Each sample's copy of x is made by the thread of its chunk, usually the
// thread that reads it again in backward (parallel_for starts a thread on the same share of the
// chunks in both passes), so the copy does not cross between cores. Kᵀ is copied once per backward pass
// so that its products read it in place. Then dL/dK = Σ_c dK_c and dL/db = Σ_c db_c are
// summed in chunk order, so they do not depend on the thread count. The threads never wait on
// each other inside a product: Eigen's own threading of one long product spent about half its
// time spinning at its synchronisation points on two cores (docs/layers.md has the profile).
//
// Winograd. For a 3×3 kernel with stride 1 whose channels and filters fill whole vectors (the
// notebook CNN's second convolution), forward computes each sample's Z_i by Winograd's
// F(2×2, 3×3) instead (detail/winograd.hpp: 0.53 of the multiplications, the same sums up to
// rounding), and backward computes dL/dx_i without dcols: dL/dx is itself a convolution,
//
//   dx[i, j, c] = Σ_{ky, kx, f} K'[c, (ky·k + kx)·C_out + f] · dz[i + ky − (k − 1 − p_top), j + kx − (k − 1 − p_left), f]
//
// with K'[c, (ky·k + kx)·C_out + f] = K[f, ((k−1−ky)·k + k−1−kx)·C_in + c] (the kernel turned by
// 180°, filters and channels swapped) and dz padded by k − 1 − p (substitute ky → k − 1 − ky in
// the col2im sum above), so the same algorithm computes it. dL/dK = dZ · colsᵀ is the
// derivative of the Winograd forward itself (detail/winograd.hpp, "dL/dK"): each chunk sums its
// samples' transformed gradient dU_c = Σ_i Σ_ξ dM_ξ · V_ξᵀ in place of dK_c, and dL/dK = Gᵀ (Σ_c dU_c) G
// once per batch; no cols at all. The plain im2col path stays for every other convolution, and
// is the reference the tests hold Winograd's to.
//
// Training gives every chunk its slot of cols. Inference needs none after the pass, so with T
// threads task t takes chunks t, t + T, t + 2T, … into one slot of its own: its memory is T
// samples' cols whatever the batch.
#pragma once

#include <tinynet/detail/matrix_product.hpp>
#include <tinynet/detail/winograd.hpp>
#include <tinynet/initializers.hpp>
#include <tinynet/layers/activation.hpp>
#include <tinynet/layers/layer.hpp>
#include <tinynet/layers/padding.hpp>

#include <algorithm>

namespace tinynet {

struct Conv2DOptions {
  Index stride = 1;                            // Keras's strides, both directions
  Padding padding = Padding::valid;            // Keras's default
  Activation activation = Activation::linear;  // Keras's default (None); relu: y = max(0, z), see activation.hpp
  bool use_bias = true;
  Initializer kernel_initializer = Initializer::glorot_uniform;  // Keras's default; he_uniform suits ReLU
  Regularizer kernel_regularizer{};
};

template <typename T>
class Conv2D : public Layer<T> {
 public:
  using Options = Conv2DOptions;

  // Conv2D(filters, kernel_size): `filters` (C_out) kernels of k × k × C_in, C_in taken from the input.
  Conv2D(Index filters, Index kernel_size, Conv2DOptions options = {})
      : filters_(filters), k_(kernel_size), options_(options) {
    auto check = [](const char* what, Index value, Index most) {
      if (value < 1 || value > most)
        throw std::invalid_argument(std::string("Conv2D: ") + what + " must be in [1, " + std::to_string(most) +
                                    "], got " + std::to_string(value));
    };
    check("filters", filters, Shape::max_values);
    check("kernel_size", kernel_size, Index{1} << 20);
    check("stride", options.stride, Index{1} << 20);
    options_.kernel_regularizer.check("Conv2D");
  }

  std::string type() const override { return "Conv2D"; }

  Shape build(const Shape& input_shape, std::uint64_t seed) override {
    D_ = patch_length(input_shape);
    by_kernel_entry_ = k_ * input_shape[2] < 16;  // a kernel row shorter than a vector (see im2col)
    H_ = input_shape[0];
    W_ = input_shape[1];
    C_in_ = input_shape[2];
    const Index s = options_.stride;
    if (options_.padding == Padding::valid) {
      H_out_ = (H_ - k_) / s + 1;
      W_out_ = (W_ - k_) / s + 1;
      pad_top_ = pad_left_ = 0;
    } else {
      H_out_ = (H_ + s - 1) / s;
      W_out_ = (W_ + s - 1) / s;
      pad_top_ = std::max<Index>((H_out_ - 1) * s + k_ - H_, 0) / 2;
      pad_left_ = std::max<Index>((W_out_ - 1) * s + k_ - W_, 0) / 2;
    }
    // Winograd's algorithm (detail/winograd.hpp) for the forward pass when it applies, except for
    // kernel rows shorter than 16 values (the first convolution of one channel: too few terms
    // per output to gain).
    winograd_ = !by_kernel_entry_ && detail::Winograd3x3<T>::applies(k_, s, C_in_, filters_);
    if (winograd_) {
      winograd.set_shape(H_, W_, C_in_, filters_, H_out_, W_out_, pad_top_, pad_left_);
      winograd_input_gradient.set_shape(H_out_, W_out_, filters_, C_in_, H_, W_, k_ - 1 - pad_top_, k_ - 1 - pad_left_);
    }
    K.resize(filters_, D_);
    initialize(K, options_.kernel_initializer, D_, k_ * k_ * filters_, seed);
    dK = Matrix<T>::Zero(filters_, D_);
    b = Matrix<T>::Zero(options_.use_bias ? filters_ : 0, 1);
    db = Matrix<T>::Zero(options_.use_bias ? filters_ : 0, 1);
    this->input_shape_ = input_shape;
    this->output_shape_ = Shape{H_out_, W_out_, filters_};
    return this->output_shape_;
  }

  const Matrix<T>& forward(const MatrixRef<T>& x, Mode mode) override {
    this->check_forward(x);
    const Index N = x.cols(), P = H_out_ * W_out_;  // P output pixels per sample
    const Index chunks = chunk_count(N);
    // Training gives every chunk a slot of cols, as backward does; inference one per thread (see above).
    const Index slots =
        mode == Mode::training ? chunks : std::min<Index>(chunks, detail::ThreadPool::instance().threads());
    if (winograd_) {
      winograd.transform_kernel(K);  // U_ξ = G g Gᵀ, for this pass's K
      if (static_cast<Index>(winograd_scratch.size()) < slots) winograd_scratch.resize(static_cast<std::size_t>(slots));
    } else {
      cols.resize(D_, slots * P);  // one sample's cols per slot; no allocation once N is steady
    }
    const bool keep_input = mode == Mode::training;  // for backward, which unfolds it again
    if (keep_input) X.resize(x.rows(), N);
    last_forward_mode = mode;
    Y.resize(P * filters_, N);
    const T* bias = options_.use_bias ? b.data() : nullptr;
    detail::parallel_for(slots, [&](Index slot) {
      T* cols_i = winograd_ ? nullptr : cols.col(slot * P).data();  // this slot's cols of one sample
      for (Index c = slot; c < chunks; c += slots) {
        const Index first = c * samples_per_chunk, end = std::min(first + samples_per_chunk, N);
        for (Index i = first; i < end; ++i) {
          if (keep_input) X.col(i) = x.col(i);    // by the thread that will unfold it again in backward
          Map Y_i(Y.col(i).data(), filters_, P);  // y_i read as (C_out × P)
          if (winograd_) {
            winograd.forward(x.col(i).data(), bias, Y_i.data(), winograd_scratch[static_cast<std::size_t>(slot)]);
          } else {
            im2col(x.col(i).data(), cols_i);  // cols_i = im2col(x_i)
            if (by_kernel_entry_)
              detail::product(Y_i, K, ConstMap(cols_i, P, D_).transpose(), false, bias);
            else
              detail::product(Y_i, K, ConstMap(cols_i, D_, P), false, bias);  // Z_i = K · cols_i + b·1ᵀ
          }
          if (options_.activation == Activation::relu) Y_i = Y_i.cwiseMax(T(0));  // Y_i = max(0, Z_i)
        }
      }
    });
    return Y;
  }

  const Matrix<T>& backward(const Matrix<T>& dy) override {
    this->check_backward(Y, dy);
    if (last_forward_mode != Mode::training)
      throw std::logic_error("Conv2D::backward: the last forward pass was in inference mode, which keeps no input");
    const Index N = dy.cols(), P = H_out_ * W_out_, chunks = chunk_count(N);
    const bool input_gradient = this->compute_input_gradient;                        // the first layer skips dL/dx
    const Index width = winograd_ ? detail::Winograd3x3<T>::positions * C_in_ : D_;  // of one chunk's dK_c, or dU_c
    dK_chunks.resize(filters_, chunks * width);                                      // chunk c's in columns c·width…
    db_chunks.resize(filters_, chunks);                                              // chunk c's db_c in column c
    if (winograd_ && static_cast<Index>(kernel_gradient_scratch.size()) < chunks)
      kernel_gradient_scratch.resize(static_cast<std::size_t>(chunks));
    if (!winograd_) cols.resize(D_, chunks * P);  // as forward in training: one sample's per chunk
    if (ones.size() != P) ones.setOnes(P);
    const bool relu = options_.activation == Activation::relu;
    if (relu) dZ.resize(filters_, chunks * P);  // one sample's dL/dz per chunk
    if (input_gradient && winograd_) {
      flip_kernel();                                        // K', see "Winograd" above
      winograd_input_gradient.transform_kernel(K_flipped);  // U'_ξ = G g' Gᵀ
      if (static_cast<Index>(input_gradient_scratch.size()) < chunks)
        input_gradient_scratch.resize(static_cast<std::size_t>(chunks));
      dX.resize(H_ * W_ * C_in_, N);
    } else if (input_gradient) {
      dcols.resize(D_, chunks * P);  // one sample's dL/dcols per chunk
      K_transposed = K.transpose();  // no allocation once built
      dX.resize(H_ * W_ * C_in_, N);
    } else {
      dX.resize(0, 0);
    }
    detail::parallel_for(chunks, [&](Index c) {
      const Index first = c * samples_per_chunk, n = std::min(samples_per_chunk, N - first);
      Map dK_c(dK_chunks.data() + c * filters_ * width, filters_, width);
      if (options_.use_bias) db_chunks.col(c).setZero();
      for (Index i = first; i < first + n; ++i) {
        const T* gradient = dy.col(i).data();  // dL/dz_i: dL/dy_i itself when the activation is linear
        if (relu) {
          T* masked = dZ.col(c * P).data();
          relu_gradient(gradient, Y.col(i).data(), filters_ * P, masked);  // dL/dz_i = dL/dy_i ⊙ 1[y_i > 0]
          gradient = masked;
        }
        const ConstMap dZ_i(gradient, filters_, P);  // read as (C_out × P)
        if (winograd_) {                             // dU_c = Σ_i Σ_ξ dM_ξ · V_ξᵀ (see "Winograd" above)
          winograd.accumulate_kernel_gradient(X.col(i).data(), gradient, dK_c, i > first,
                                              kernel_gradient_scratch[static_cast<std::size_t>(c)]);
        } else {
          Map cols_i(cols.col(c * P).data(), D_, P);
          im2col(X.col(i).data(), cols_i.data());  // cols_i = im2col(x_i), again
          if (by_kernel_entry_)
            detail::product(dK_c, dZ_i, ConstMap(cols_i.data(), P, D_), i > first);
          else
            detail::product(dK_c, dZ_i, cols_i.transpose(), i > first);  // dK_c = Σ_i dZ_i · cols_iᵀ
        }
        if (options_.use_bias) db_chunks.col(c).noalias() += dZ_i * ones;  // db_c = Σ_i dZ_i · 1
        if (!input_gradient) continue;
        if (winograd_) {  // dL/dx_i = the convolution of dL/dz_i with K' (see "Winograd" above)
          winograd_input_gradient.forward(gradient, nullptr, dX.col(i).data(),
                                          input_gradient_scratch[static_cast<std::size_t>(c)]);
          continue;
        }
        Map dcols_i(dcols.col(c * P).data(), D_, P);          // this chunk's dL/dcols of one sample
        detail::product(dcols_i, K_transposed, dZ_i, false);  // dL/dcols_i = Kᵀ · dZ_i
        col2im(dcols_i.data(), dX.col(i).data());             // dL/dx_i = col2im(dL/dcols_i)
      }
    });
    // dL/dK = Σ_c dK_c (Winograd: Gᵀ (Σ_c dU_c) G) and dL/db = Σ_m dZ[:, m] = Σ_c db_c, summed in
    // chunk order into chunk 0's columns, then added to the gradients (or written: layer.hpp).
    for (Index c = 1; c < chunks; ++c) {
      dK_chunks.leftCols(width) += dK_chunks.middleCols(c * width, width);
      if (options_.use_bias) db_chunks.col(0) += db_chunks.col(c);
    }
    const bool accumulate = !this->overwrite_gradients;
    if (winograd_)
      winograd.kernel_gradient(dK_chunks.leftCols(width), dK, accumulate);
    else if (accumulate)
      dK += dK_chunks.leftCols(D_);
    else
      dK = dK_chunks.leftCols(D_);
    if (options_.use_bias && accumulate) db += db_chunks.col(0);
    if (options_.use_bias && !accumulate) db = db_chunks.col(0);
    return dX;
  }

  bool can_overwrite_gradients() const override { return true; }

  std::vector<Parameter<T>> parameters() override {
    // In the file, K is PyTorch's Conv2d.weight [C_out, C_in, k, k]: entry [f, c, ky, kx] is
    // K(f, (ky·k + kx)·C_in + c), at memory offset f + C_out·c + C_out·C_in·k·ky + C_out·C_in·kx.
    const Index f = filters_, c = C_in_;
    const TensorLayout kernel_layout{{f, c, k_, k_}, {1, f, f * c * k_, f * c}};
    std::vector<Parameter<T>> p{{"kernel", &K, &dK, options_.kernel_regularizer, kernel_layout}};
    if (options_.use_bias) p.push_back({"bias", &b, &db, {}, {}});
    return p;
  }

  Index parameter_count(const Shape& input_shape) const override {
    const Index kernel = checked_product(filters_, patch_length(input_shape), "Conv2D");
    return kernel + (options_.use_bias ? filters_ : 0);
  }

  // Samples per chunk (see "Chunks and threads" above): a training batch of 64 is 4 chunks.
  static constexpr Index samples_per_chunk = 16;

  Index filters() const { return filters_; }
  Index kernel_size() const { return k_; }
  const Conv2DOptions& options() const { return options_; }

  // Parameters and their gradients.
  Matrix<T> K;   // (C_out × k·k·C_in), column (ky·k + kx)·C_in + c
  Matrix<T> b;   // (C_out × 1), or empty without bias
  Matrix<T> dK;  // dL/dK, accumulated (or written: Layer::overwrite_gradients)
  Matrix<T> db;  // dL/db, likewise

 private:
  using Map = Eigen::Map<Matrix<T>>;
  using ConstMap = Eigen::Map<const Matrix<T>>;

  // D = k·k·C_in, after checking that the layer accepts the input shape.
  Index patch_length(const Shape& input_shape) const {
    if (input_shape.rank() != 3)
      throw std::invalid_argument("Conv2D expects an image input (height, width, channels), got shape " +
                                  input_shape.to_string());
    if (options_.padding == Padding::valid && (input_shape[0] < k_ || input_shape[1] < k_))
      throw std::invalid_argument("Conv2D: a " + std::to_string(k_) + "×" + std::to_string(k_) +
                                  " kernel with valid padding needs an image of at least that size, got " +
                                  input_shape.to_string());
    return checked_product(k_ * k_, input_shape[2], "Conv2D");
  }

  static Index chunk_count(Index N) { return (N + samples_per_chunk - 1) / samples_per_chunk; }

  // Column m = (oy·W_out + ox) of one sample's block of cols: for each kernel row ky, the k·C_in
  // values x[oy·s + ky − p_top, ox·s − p_left .. + k − 1, all channels], zeros outside the image.
  void im2col(const T* __restrict x, T* __restrict out) const {
    if (by_kernel_entry_) return im2col_by_kernel_entry(x, out);
    const Index s = options_.stride, row = k_ * C_in_;
    for (Index oy = 0; oy < H_out_; ++oy)
      for (Index ox = 0; ox < W_out_; ++ox) {
        T* column = out + (oy * W_out_ + ox) * D_;
        const Index ix0 = ox * s - pad_left_;
        const bool inside = ix0 >= 0 && ix0 + k_ <= W_;  // the whole kernel row is inside
        for (Index ky = 0; ky < k_; ++ky) {
          T* dst = column + ky * row;
          const Index iy = oy * s + ky - pad_top_;
          if (iy < 0 || iy >= H_) {
            for (Index i = 0; i < row; ++i) dst[i] = T(0);
          } else if (inside) {
            copy_values(x + (iy * W_ + ix0) * C_in_, row, dst);
          } else {
            for (Index kx = 0; kx < k_; ++kx) {
              const Index ix = ix0 + kx;
              if (ix < 0 || ix >= W_) {
                for (Index c = 0; c < C_in_; ++c) dst[kx * C_in_ + c] = T(0);
              } else {
                const T* src = x + (iy * W_ + ix) * C_in_;
                for (Index c = 0; c < C_in_; ++c) dst[kx * C_in_ + c] = src[c];
              }
            }
          }
        }
      }
  }

  // im2col for a kernel row of few values (k·C_in < 16; the first convolution's 3): copying a
  // pixel's patch a kernel row at a time would move 3 values per copy. Instead the sample's cols
  // is stored as its transpose, colsᵀ (P × D), one kernel entry d = (ky·k + kx)·C_in + c at a
  // time: column d holds that entry over all output pixels, and along an output row (ox) it
  // reads x[iy, ox·s + kx − p_left, c], every (s·C_in)-th value — for stride 1 and one channel,
  // W_out consecutive values. The products read colsᵀ in place as cols.
  void im2col_by_kernel_entry(const T* __restrict x, T* __restrict out) const {
    const Index s = options_.stride, step = s * C_in_, P = H_out_ * W_out_;
    for (Index ky = 0; ky < k_; ++ky)
      for (Index kx = 0; kx < k_; ++kx) {
        // The output columns whose input column ix = ox·s + kx − p_left is inside the image.
        const Index last = W_ - 1 + pad_left_ - kx;  // ox·s ≤ last
        const Index ox_first = std::min(W_out_, std::max<Index>(0, (pad_left_ - kx + s - 1) / s));
        const Index ox_end = last < 0 ? ox_first : std::max(ox_first, std::min(W_out_, last / s + 1));
        for (Index c = 0; c < C_in_; ++c) {
          T* entry = out + ((ky * k_ + kx) * C_in_ + c) * P;  // column d of colsᵀ
          for (Index oy = 0; oy < H_out_; ++oy) {
            T* dst = entry + oy * W_out_;
            const Index iy = oy * s + ky - pad_top_;
            if (iy < 0 || iy >= H_) {
              std::fill_n(dst, W_out_, T(0));
              continue;
            }
            std::fill_n(dst, ox_first, T(0));
            const Index base =
                (iy * W_ + kx - pad_left_) * C_in_ + c;  // x[iy, ox·s + kx − p_left, c] = x[base + ox·step]
            if (step == 1)
              std::copy(x + (base + ox_first), x + (base + ox_end), dst + ox_first);
            else
              for (Index ox = ox_first; ox < ox_end; ++ox) dst[ox] = x[base + ox * step];
            std::fill_n(dst + ox_end, W_out_ - ox_end, T(0));
          }
        }
      }
  }

  // K'[c, (ky·k + kx)·C_out + f] = K[f, ((k−1−ky)·k + k−1−kx)·C_in + c]: the kernel turned by 180°,
  // filters and channels swapped (see "Winograd" above).
  void flip_kernel() {
    K_flipped.resize(C_in_, k_ * k_ * filters_);
    for (Index ky = 0; ky < k_; ++ky)
      for (Index kx = 0; kx < k_; ++kx)
        K_flipped.middleCols((ky * k_ + kx) * filters_, filters_) =
            K.middleCols(((k_ - 1 - ky) * k_ + k_ - 1 - kx) * C_in_, C_in_).transpose();
  }

  // dst[0 … n−1] = src[0 … n−1], in fours and then one by one: the compiler turns a loop of single
  // values into a call to memcpy, which costs more than the copy for the 3 values of a kernel row
  // on one channel (conv1's im2col spent a third of its time in those calls).
  static void copy_values(const T* __restrict src, Index n, T* __restrict dst) {
    for (; n >= 4; n -= 4, src += 4, dst += 4) {
      dst[0] = src[0];
      dst[1] = src[1];
      dst[2] = src[2];
      dst[3] = src[3];
    }
    if (n > 0) dst[0] = src[0];
    if (n > 1) dst[1] = src[1];
    if (n > 2) dst[2] = src[2];
  }

  // The transpose of im2col: dx = 0, then every entry of the sample's block of dcols is added
  // to the input value im2col copied it from (entries that came from padding are dropped).
  void col2im(const T* __restrict in, T* __restrict dx) const {
    const Index s = options_.stride, row = k_ * C_in_;
    std::fill_n(dx, H_ * W_ * C_in_, T(0));
    for (Index oy = 0; oy < H_out_; ++oy)
      for (Index ox = 0; ox < W_out_; ++ox) {
        const T* column = in + (oy * W_out_ + ox) * D_;
        const Index ix0 = ox * s - pad_left_;
        const bool inside = ix0 >= 0 && ix0 + k_ <= W_;
        for (Index ky = 0; ky < k_; ++ky) {
          const Index iy = oy * s + ky - pad_top_;
          if (iy < 0 || iy >= H_) continue;
          const T* src = column + ky * row;
          if (inside) {
            T* dst = dx + (iy * W_ + ix0) * C_in_;
            for (Index i = 0; i < row; ++i) dst[i] += src[i];
            continue;
          }
          for (Index kx = 0; kx < k_; ++kx) {
            const Index ix = ix0 + kx;
            if (ix < 0 || ix >= W_) continue;
            T* dst = dx + (iy * W_ + ix) * C_in_;
            for (Index c = 0; c < C_in_; ++c) dst[c] += src[kx * C_in_ + c];
          }
        }
      }
  }

  Index filters_, k_;
  Conv2DOptions options_;
  Index H_ = 0, W_ = 0, C_in_ = 0, H_out_ = 0, W_out_ = 0, D_ = 0;
  Index pad_top_ = 0, pad_left_ = 0;               // zeros above and left of the image (same padding)
  bool by_kernel_entry_ = false;                   // cols_i stored as its transpose (see im2col_by_kernel_entry)
  bool winograd_ = false;                          // forward and dL/dx by Winograd's F(2×2, 3×3) (see build)
  detail::Winograd3x3<T> winograd;                 // its geometry and transformed kernel
  detail::Winograd3x3<T> winograd_input_gradient;  // the same for dL/dx: dz convolved with K'
  Matrix<T> K_flipped;                             // (C_in × k·k·C_out) K' for dL/dx by Winograd (see flip_kernel)

  Matrix<T> X;                               // (H·W·C_in × N) the last training input, unfolded again by backward
  Mode last_forward_mode = Mode::inference;  // backward needs a training forward pass before it
  Matrix<T> cols;                            // (k·k·C_in × slots·H_out·W_out) one sample's im2col per slot
  std::vector<typename detail::Winograd3x3<T>::Scratch> winograd_scratch;         // one per slot, with winograd_
  std::vector<typename detail::Winograd3x3<T>::Scratch> input_gradient_scratch;   // one per chunk, likewise
  std::vector<typename detail::Winograd3x3<T>::Scratch> kernel_gradient_scratch;  // one per chunk, likewise
  Matrix<T> Y;             // (H_out·W_out·C_out × N) output; the same memory is Y (C_out × M)
  Matrix<T> dZ;            // (C_out × chunks·H_out·W_out) each chunk's dL/dz of its current sample (relu only)
  Matrix<T> K_transposed;  // (k·k·C_in × C_out) Kᵀ, for dcols_i = Kᵀ · dZ_i
  Matrix<T> dcols;         // (k·k·C_in × chunks·H_out·W_out) each chunk's dL/dcols of its current sample
  Matrix<T> dK_chunks;  // (C_out × chunks·width) each chunk's Σ_i dZ_i · cols_iᵀ (Winograd: its dU_c), summed into dK
  Matrix<T> db_chunks;  // (C_out × chunks) each chunk's Σ_i dZ_i · 1, summed into db
  Matrix<T> dX;         // (H·W·C_in × N) dL/dx
  Vector<T> ones;       // (H_out·W_out) all ones: db_c += dZ_i · 1 is a matrix-vector product
};

}  // namespace tinynet
