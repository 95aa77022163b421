// The matrix product behind Dense and Conv2D: C = A · B, or C += A · B.
//
//   A : (m × k)   B : (k × n)   C : (m × n)        C[i, j] (+)= Σ_p A[i, p] · B[p, j]
//
// A, B and C are column-major matrices (or views of them), and A or B may be the transpose of
// one, as the backward passes need (dL/dW = dY · Xᵀ, dL/dX = Wᵀ · dY). That sum is the whole
// definition; product_reference below is it, three loops, for reading and for the tests.
//
// product computes the same sums in tiles of C, as the BLAS libraries do (Goto's algorithm in
// its simplest form). A tile is MR rows × NR columns of C (MR = two vectors: 32 floats with
// AVX-512; NR = 8 columns), held in 2·NR vector registers for the whole sum over p. Each step of
// that sum reads one column of the tile's rows of A (two vector loads) and one row of the tile's
// columns of B (NR numbers, each broadcast to a vector), and does 2·NR fused multiply-adds:
//
//   C[i0 … i0+MR−1, j] += A[i0 … i0+MR−1, p] · B[p, j]        for j = j0 … j0+NR−1
//
// 2·NR multiply-adds per 2 + NR loads keep both FMA units busy (the loads are cheaper than the
// FMAs), and the C tile never leaves the registers until its sum is done. p runs in blocks of
// KC, so that the tile's A block (MR × KC) and B block (KC × NR) stay in the L1 cache; a block's
// sum is added to C, so C is read and written k / KC times instead of k times.
//
// A and B are read where they lie in memory, with no copy, whenever their layout allows it: A
// needs each column's MR values contiguous (A not transposed), B either layout. A transposed A
// (the backward passes' Wᵀ, Kᵀ) and a tile cut by C's bottom edge are first copied into a small
// zero-padded block ("packed"); a tile cut by the bottom edge is summed whole and only its rows
// inside C are stored, and C's right edge is covered by narrower tiles (4, 2, 1 columns). Every entry of C is the same sum in the same order whichever tile, task or thread
// computes it, so the result never depends on how the product is cut into tasks.
//
// The vector instructions come from a small adapter, Simd<T> below: AVX-512, AVX2 with FMA, or
// SSE2 (every x86-64 CPU), whichever the compiler was told it may use (-march=native picks the
// best this machine has). Elsewhere the product is Eigen's (and Simd<T> holds one value).
//
// parallel_product cuts C into bands of tiles, one task each, on tinynet's threads
// (detail/thread_pool.hpp).
#pragma once

#include <tinynet/detail/thread_pool.hpp>
#include <tinynet/tensor.hpp>

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace tinynet::detail {

// A read-only view of a matrix: entry (i, j) is data[i·row_stride + j·column_stride]. A
// column-major matrix has row_stride 1; its transpose, column_stride 1.
template <typename T>
struct MatrixView {
  const T* data;
  Index rows, cols, row_stride, column_stride;

  T operator()(Index i, Index j) const { return data[i * row_stride + j * column_stride]; }
};

// The view of an Eigen matrix, map, block of columns or transpose of one (anything with direct
// access to its memory, such as W, W.transpose(), Y.middleCols(…)).
template <typename E>
MatrixView<typename E::Scalar> view_of(const E& m) {
  static_assert(bool(E::Flags & Eigen::DirectAccessBit), "view_of needs a matrix in memory, not an expression");
  const Index inner = m.innerStride(), outer = m.outerStride();
  if constexpr (bool(E::IsRowMajor))
    return {m.data(), m.rows(), m.cols(), outer, inner};
  else
    return {m.data(), m.rows(), m.cols(), inner, outer};
}

// The plain definition: C = A · B, or C += A · B with accumulate. C is column-major (its
// column j starts at c + j·c_stride).
template <typename T>
void product_reference(T* c, Index c_stride, MatrixView<T> a, MatrixView<T> b, bool accumulate) {
  for (Index j = 0; j < b.cols; ++j)
    for (Index i = 0; i < a.rows; ++i) {
      T sum = accumulate ? c[i + j * c_stride] : T(0);
      for (Index p = 0; p < a.cols; ++p) sum += a(i, p) * b(p, j);
      c[i + j * c_stride] = sum;
    }
}

// ---- The vector instructions: Simd<T> ------------------------------------------------------
//
// Vec is one vector register of `lanes` values of T. tile_columns (NR) is chosen so that the
// tile's 2·NR accumulators, two A vectors and one broadcast fit the register file (32 registers
// with AVX-512, 16 below it).
#if defined(__AVX512F__)
inline constexpr int tile_columns = 8;
template <typename T>
struct Simd;
template <>
struct Simd<float> {
  using Vec = __m512;
  static constexpr int lanes = 16;
  static Vec zero() { return _mm512_setzero_ps(); }
  static Vec load(const float* p) { return _mm512_loadu_ps(p); }
  static Vec broadcast(float x) { return _mm512_set1_ps(x); }
  static Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }  // a·b + c, one rounding
  static Vec add(Vec a, Vec b) { return _mm512_add_ps(a, b); }
  static Vec sub(Vec a, Vec b) { return _mm512_sub_ps(a, b); }
  static void store(float* p, Vec v) { _mm512_storeu_ps(p, v); }
};
template <>
struct Simd<double> {
  using Vec = __m512d;
  static constexpr int lanes = 8;
  static Vec zero() { return _mm512_setzero_pd(); }
  static Vec load(const double* p) { return _mm512_loadu_pd(p); }
  static Vec broadcast(double x) { return _mm512_set1_pd(x); }
  static Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_pd(a, b, c); }
  static Vec add(Vec a, Vec b) { return _mm512_add_pd(a, b); }
  static Vec sub(Vec a, Vec b) { return _mm512_sub_pd(a, b); }
  static void store(double* p, Vec v) { _mm512_storeu_pd(p, v); }
};
#elif defined(__AVX2__) && defined(__FMA__)
inline constexpr int tile_columns = 6;
template <typename T>
struct Simd;
template <>
struct Simd<float> {
  using Vec = __m256;
  static constexpr int lanes = 8;
  static Vec zero() { return _mm256_setzero_ps(); }
  static Vec load(const float* p) { return _mm256_loadu_ps(p); }
  static Vec broadcast(float x) { return _mm256_set1_ps(x); }
  static Vec fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
  static Vec add(Vec a, Vec b) { return _mm256_add_ps(a, b); }
  static Vec sub(Vec a, Vec b) { return _mm256_sub_ps(a, b); }
  static void store(float* p, Vec v) { _mm256_storeu_ps(p, v); }
};
template <>
struct Simd<double> {
  using Vec = __m256d;
  static constexpr int lanes = 4;
  static Vec zero() { return _mm256_setzero_pd(); }
  static Vec load(const double* p) { return _mm256_loadu_pd(p); }
  static Vec broadcast(double x) { return _mm256_set1_pd(x); }
  static Vec fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_pd(a, b, c); }
  static Vec add(Vec a, Vec b) { return _mm256_add_pd(a, b); }
  static Vec sub(Vec a, Vec b) { return _mm256_sub_pd(a, b); }
  static void store(double* p, Vec v) { _mm256_storeu_pd(p, v); }
};
#elif defined(__SSE2__)
inline constexpr int tile_columns = 4;
template <typename T>
struct Simd;
template <>
struct Simd<float> {
  using Vec = __m128;
  static constexpr int lanes = 4;
  static Vec zero() { return _mm_setzero_ps(); }
  static Vec load(const float* p) { return _mm_loadu_ps(p); }
  static Vec broadcast(float x) { return _mm_set1_ps(x); }
  static Vec fma(Vec a, Vec b, Vec c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }  // no FMA in SSE2
  static Vec add(Vec a, Vec b) { return _mm_add_ps(a, b); }
  static Vec sub(Vec a, Vec b) { return _mm_sub_ps(a, b); }
  static void store(float* p, Vec v) { _mm_storeu_ps(p, v); }
};
template <>
struct Simd<double> {
  using Vec = __m128d;
  static constexpr int lanes = 2;
  static Vec zero() { return _mm_setzero_pd(); }
  static Vec load(const double* p) { return _mm_loadu_pd(p); }
  static Vec broadcast(double x) { return _mm_set1_pd(x); }
  static Vec fma(Vec a, Vec b, Vec c) { return _mm_add_pd(_mm_mul_pd(a, b), c); }
  static Vec add(Vec a, Vec b) { return _mm_add_pd(a, b); }
  static Vec sub(Vec a, Vec b) { return _mm_sub_pd(a, b); }
  static void store(double* p, Vec v) { _mm_storeu_pd(p, v); }
};
#else
template <typename T>
struct Simd {  // one value at a time: no vector instructions known here (the product is Eigen's)
  using Vec = T;
  static constexpr int lanes = 1;
  static Vec zero() { return T(0); }
  static Vec load(const T* p) { return *p; }
  static Vec broadcast(T x) { return x; }
  static Vec fma(Vec a, Vec b, Vec c) { return a * b + c; }
  static Vec add(Vec a, Vec b) { return a + b; }
  static Vec sub(Vec a, Vec b) { return a - b; }
  static void store(T* p, Vec v) { *p = v; }
};
#endif

#if defined(__SSE2__)
inline constexpr bool tiled_product = true;
#else
inline constexpr bool tiled_product = false;  // not x86: Eigen's product
#endif

// ---- The tiled product ---------------------------------------------------------------------

#if defined(__SSE2__)
template <typename T>
struct Tiling {
  static constexpr Index MR = 2 * Simd<T>::lanes;  // tile rows: two vectors
  static constexpr Index NR = tile_columns;        // tile columns
  static constexpr Index KC = 256;                 // p block: the tile's A and B blocks stay in L1
};

// How the kernel finds B[p, j] of its tile: with B's columns contiguous (B not transposed) at
// column[j][p]; with its rows contiguous at row[p·step + j].
enum class BLayout { columns, rows };

// One tile of `width` columns (NR, or fewer at the right edge of C):
//
//   C[0 … MR−1, j] (+)= Σ_{p < kc} A[0 … MR−1, p] · B[p, j]  (+ bias[0 … MR−1])    j < width
//
// where A's column p is a[p·a_step …] (MR contiguous values) and B[p, j] is b[j·b_step + p]
// (columns) or b[p·b_step + j] (rows). Only the top `rows` rows are stored (C's bottom edge).
template <typename T, BLayout layout, int width>
void multiply_tile(Index kc, const T* __restrict a, Index a_step, const T* __restrict b, Index b_step, T* __restrict c,
                   Index c_step, Index rows, bool accumulate, const T* __restrict bias) {
  using S = Simd<T>;
  using Vec = typename S::Vec;
  constexpr int L = S::lanes;
  Vec top[static_cast<std::size_t>(width)],
      bottom[static_cast<std::size_t>(width)];  // the tile: rows 0 … L−1 and L … 2L−1 of each column
  for (int j = 0; j < width; ++j) top[j] = bottom[j] = S::zero();
  if constexpr (layout == BLayout::columns) {
    const T* column[static_cast<std::size_t>(width)];
    for (int j = 0; j < width; ++j) column[j] = b + j * b_step;
    for (Index p = 0; p < kc; ++p) {
      const Vec a_top = S::load(a + p * a_step), a_bottom = S::load(a + p * a_step + L);
      for (int j = 0; j < width; ++j) {
        const Vec b_pj = S::broadcast(column[j][p]);
        top[j] = S::fma(a_top, b_pj, top[j]);  // C[:, j] += A[:, p] · B[p, j]
        bottom[j] = S::fma(a_bottom, b_pj, bottom[j]);
      }
    }
  } else {
    for (Index p = 0; p < kc; ++p) {
      const Vec a_top = S::load(a + p * a_step), a_bottom = S::load(a + p * a_step + L);
      const T* row = b + p * b_step;
      for (int j = 0; j < width; ++j) {
        const Vec b_pj = S::broadcast(row[j]);
        top[j] = S::fma(a_top, b_pj, top[j]);
        bottom[j] = S::fma(a_bottom, b_pj, bottom[j]);
      }
    }
  }
  if (rows == 2 * L) {  // all rows: straight from the registers into C
    for (int j = 0; j < width; ++j) {
      T* cj = c + j * c_step;
      if (bias) {
        top[j] = S::add(top[j], S::load(bias));
        bottom[j] = S::add(bottom[j], S::load(bias + L));
      }
      if (accumulate) {
        top[j] = S::add(top[j], S::load(cj));
        bottom[j] = S::add(bottom[j], S::load(cj + L));
      }
      S::store(cj, top[j]);
      S::store(cj + L, bottom[j]);
    }
    return;
  }
  T tile[static_cast<std::size_t>(2 * L)];  // the bottom edge: through a buffer, then the rows inside C
  for (int j = 0; j < width; ++j) {
    S::store(tile, top[j]);
    S::store(tile + L, bottom[j]);
    T* cj = c + j * c_step;
    for (Index i = 0; i < rows; ++i) cj[i] = (accumulate ? cj[i] : T(0)) + (tile[i] + (bias ? bias[i] : T(0)));
  }
}

// The rows × kc block of A at (i0, p0), packed as kc columns of MR values (zeros below `rows`).
template <typename T>
void pack_a(MatrixView<T> a, Index i0, Index rows, Index p0, Index kc, T* out) {
  constexpr Index MR = Tiling<T>::MR;
  if (a.column_stride == 1) {  // A's rows contiguous (a transpose): read along them
    for (Index i = 0; i < rows; ++i) {
      const T* src = a.data + (i0 + i) * a.row_stride + p0;
      for (Index p = 0; p < kc; ++p) out[p * MR + i] = src[p];
    }
  } else {
    for (Index p = 0; p < kc; ++p)
      for (Index i = 0; i < rows; ++i) out[p * MR + i] = a(i0 + i, p0 + p);
  }
  for (Index p = 0; p < kc; ++p)
    for (Index i = rows; i < MR; ++i) out[p * MR + i] = T(0);
}

// Columns j0 … j0 + width − 1 of one row of tiles: B read in place when its rows or its columns
// are contiguous (always, for matrices and their transposes), else first copied into `packed`.
template <typename T, int width>
void multiply_columns(Index kc, const T* a_tile, Index a_step, MatrixView<T> b, Index p0, Index j0, T* c_tile,
                      Index c_stride, Index rows, bool accumulate, const T* bias, T* packed) {
  if (b.row_stride == 1) {
    const T* b_tile = b.data + p0 + j0 * b.column_stride;
    multiply_tile<T, BLayout::columns, width>(kc, a_tile, a_step, b_tile, b.column_stride, c_tile, c_stride, rows,
                                              accumulate, bias);
  } else if (b.column_stride == 1) {
    const T* b_tile = b.data + p0 * b.row_stride + j0;
    multiply_tile<T, BLayout::rows, width>(kc, a_tile, a_step, b_tile, b.row_stride, c_tile, c_stride, rows, accumulate,
                                           bias);
  } else {
    for (Index p = 0; p < kc; ++p)
      for (Index j = 0; j < width; ++j) packed[p * width + j] = b(p0 + p, j0 + j);
    multiply_tile<T, BLayout::rows, width>(kc, a_tile, a_step, packed, width, c_tile, c_stride, rows, accumulate, bias);
  }
}

// Rows [row_first, row_end) × columns [col_first, col_end) of C = A · B (+ C with accumulate)
// (+ bias·1ᵀ when bias is not null), on this thread.
template <typename T>
void product_block(T* c, Index c_stride, MatrixView<T> a, MatrixView<T> b, bool accumulate, const T* bias,
                   Index row_first, Index row_end, Index col_first, Index col_end) {
  using Tile = Tiling<T>;
  constexpr Index MR = Tile::MR, NR = Tile::NR, KC = Tile::KC;
  alignas(64) T a_packed[static_cast<std::size_t>(MR * KC)];
  alignas(64) T b_packed[static_cast<std::size_t>(KC * NR)];
  const Index k = a.cols;
  if (k == 0) {  // an empty sum
    for (Index j = col_first; j < col_end; ++j)
      for (Index i = row_first; i < row_end; ++i)
        c[i + j * c_stride] = (accumulate ? c[i + j * c_stride] : T(0)) + (bias ? bias[i] : T(0));
    return;
  }
  for (Index p0 = 0; p0 < k; p0 += KC) {
    const Index kc = std::min(KC, k - p0);
    const bool add = accumulate || p0 > 0;  // later blocks add to what the earlier ones stored
    for (Index i0 = row_first; i0 < row_end; i0 += MR) {
      const Index rows = std::min(MR, row_end - i0);
      const T* a_tile = a.data + i0 * a.row_stride + p0 * a.column_stride;
      Index a_step = a.column_stride;
      if (a.row_stride != 1 || rows < MR) {  // transposed or partial: pack it
        pack_a(a, i0, rows, p0, kc, a_packed);
        a_tile = a_packed;
        a_step = MR;
      }
      const T* tile_bias = bias && p0 == 0 ? bias + i0 : nullptr;  // the bias, once
      // Whole tiles of NR columns, then the right edge in tiles of 4, 2 and 1.
      Index j0 = col_first;
      for (; j0 + NR <= col_end; j0 += NR)
        multiply_columns<T, int{NR}>(kc, a_tile, a_step, b, p0, j0, c + i0 + j0 * c_stride, c_stride, rows, add,
                                     tile_bias, b_packed);
      if constexpr (NR > 4) {
        if (j0 + 4 <= col_end) {
          multiply_columns<T, 4>(kc, a_tile, a_step, b, p0, j0, c + i0 + j0 * c_stride, c_stride, rows, add, tile_bias,
                                 b_packed);
          j0 += 4;
        }
      }
      for (; j0 + 2 <= col_end; j0 += 2)
        multiply_columns<T, 2>(kc, a_tile, a_step, b, p0, j0, c + i0 + j0 * c_stride, c_stride, rows, add, tile_bias,
                               b_packed);
      if (j0 < col_end)
        multiply_columns<T, 1>(kc, a_tile, a_step, b, p0, j0, c + i0 + j0 * c_stride, c_stride, rows, add, tile_bias,
                               b_packed);
    }
  }
}
#endif

template <typename C>
void check_product_shapes(const C& c, Index a_rows, Index a_cols, Index b_rows, Index b_cols) {
  if (a_cols != b_rows || c.rows() != a_rows || c.cols() != b_cols)
    throw std::logic_error("matrix product: (" + std::to_string(a_rows) + " × " + std::to_string(a_cols) + ") · (" +
                           std::to_string(b_rows) + " × " + std::to_string(b_cols) + ") into (" +
                           std::to_string(c.rows()) + " × " + std::to_string(c.cols()) + ")");
}

// dst = lhs · rhs, or dst += lhs · rhs with accumulate, on this thread; with a bias (a column
// vector of dst.rows() values), it is also added to every column: dst (+)= lhs · rhs + bias·1ᵀ.
// dst is a column-major matrix or map with its columns contiguous; lhs and rhs are matrices, maps
// or their transposes.
template <typename Dst, typename Lhs, typename Rhs>
void product(Dst&& dst, const Lhs& lhs, const Rhs& rhs, bool accumulate,
             const typename std::remove_reference_t<Dst>::Scalar* bias = nullptr) {
  check_product_shapes(dst, lhs.rows(), lhs.cols(), rhs.rows(), rhs.cols());
#if defined(__SSE2__)
  static_assert(!std::remove_reference_t<Dst>::IsRowMajor, "the product writes a column-major matrix");
  if (dst.innerStride() != 1) throw std::logic_error("matrix product: the result's columns must be contiguous");
  product_block(dst.data(), dst.outerStride(), view_of(lhs), view_of(rhs), accumulate, bias, 0, dst.rows(), 0,
                dst.cols());
#else
  if (accumulate)
    dst.noalias() += lhs * rhs;
  else
    dst.noalias() = lhs * rhs;
  if (bias) dst.colwise() += Eigen::Map<const Vector<typename std::remove_reference_t<Dst>::Scalar>>(bias, dst.rows());
#endif
}

// How parallel_product cuts C = A · B (C: m × n, k terms per entry) into tasks, of about 0.5M
// multiply-adds each (a task must pay for handing it to a thread, but the smaller the last
// tasks, the less a thread that ends early waits for the other; 3M for a band of the sum,
// below), at most 16:
//
//   - bands of whole tiles along C's longer side, so that every task reads all of the smaller
//     operand and its own part of the larger;
//   - or, when C is small beside the operands (k ≥ 4·max(m, n), as in Dense's W · X at a
//     small batch) and the caller gives room for partial sums, bands of the sum over p:
//
//       C = Σ_t A[:, band t] · B[band t, :]
//
//     Each task reads only its columns of A and rows of B, and writes its own partial sum of C
//     (a small matrix); the partial sums are then added up in the order of t. A parameter
//     matrix A is so read in column bands, as its gradient is written (dL/dW = dY · Xᵀ is cut
//     in bands of columns) and as the optimizer updates it (in blocks of its column-major
//     storage): with the threads' contiguous shares of the tasks (detail/thread_pool.hpp),
//     each core then reads and writes about the same part of W, dW and the optimizer's moments
//     for the whole step (on two threads, the first and the second half of W's columns),
//     instead of fetching lines the other core wrote.
//
// The cut depends only on the sizes, never on the thread count.
enum class CutAlong { rows, columns, inner };

struct ProductCut {
  CutAlong along;        // bands of C's rows, of its columns, or of the sum's terms p
  Index tile;            // rows (MR), columns (NR) or terms (NR) of one tile
  Index extent;          // C's rows, C's columns or k
  Index tiles_per_task;  // the last task may have fewer
  Index tasks;
};

template <typename T>
ProductCut cut_product(Index m, Index n, Index k, bool may_cut_inner = false) {
  // A band of C of 0.5M multiply-adds: the notebook MLP's dL/dW = dY · Xᵀ (6.4M) in 11 bands
  // instead of 6 made its epoch on 2 threads about 5 % faster, the deep MLP's 3 %. A band of
  // the sum also costs its partial sum, written and read again: about 3M multiply-adds each
  // (the notebook MLP's step on 2 threads: 3–9 % faster than with 6 bands).
  constexpr Index work_per_task = Index{1} << 19, work_per_inner_task = 3 * (Index{1} << 20), max_tasks = 16;
  ProductCut cut{};
  cut.along = may_cut_inner && k >= 4 * std::max(m, n) ? CutAlong::inner : m >= n ? CutAlong::rows : CutAlong::columns;
#if defined(__SSE2__)
  cut.tile = cut.along == CutAlong::rows ? Tiling<T>::MR : Tiling<T>::NR;
#else
  cut.tile = 1;
#endif
  cut.extent = cut.along == CutAlong::rows ? m : cut.along == CutAlong::columns ? n : k;
  const Index tiles = std::max<Index>(1, (cut.extent + cut.tile - 1) / cut.tile);
  const Index work = m * n * std::max<Index>(k, 1);
  const Index wanted =
      std::clamp<Index>(work / (cut.along == CutAlong::inner ? work_per_inner_task : work_per_task), 1, max_tasks);
  const Index bands = std::min(wanted, tiles);
  cut.tiles_per_task = (tiles + bands - 1) / bands;
  cut.tasks = (tiles + cut.tiles_per_task - 1) / cut.tiles_per_task;
  return cut;
}

// The same product on tinynet's threads, in the bands cut_product gives. Each entry is
// computed the same way in any band. partial_sums, when given, is room for the partial sums of
// a cut along p (resized here; a layer keeps it from batch to batch).
template <typename Dst, typename Lhs, typename Rhs>
void parallel_product(Dst&& dst, const Lhs& lhs, const Rhs& rhs, bool accumulate,
                      const typename std::remove_reference_t<Dst>::Scalar* bias = nullptr,
                      Matrix<typename std::remove_reference_t<Dst>::Scalar>* partial_sums = nullptr) {
  check_product_shapes(dst, lhs.rows(), lhs.cols(), rhs.rows(), rhs.cols());
#if defined(__SSE2__)
  using T = typename std::remove_reference_t<Dst>::Scalar;
  static_assert(!std::remove_reference_t<Dst>::IsRowMajor, "the product writes a column-major matrix");
  if (dst.innerStride() != 1) throw std::logic_error("matrix product: the result's columns must be contiguous");
  const Index m = dst.rows(), n = dst.cols(), k = lhs.cols();
  const ProductCut cut = cut_product<T>(m, n, k, partial_sums != nullptr);
  const MatrixView<T> a = view_of(lhs), b = view_of(rhs);
  T* c = dst.data();
  const Index c_stride = dst.outerStride();
  const Index band = cut.tiles_per_task * cut.tile;
  if (cut.along == CutAlong::inner && cut.tasks > 1) {
    // Task 0 writes C (with the bias, and adding to C with accumulate); task t > 0 its partial
    // sum, into partial_sums' columns (t − 1)·n … t·n − 1. Then C += partial sum 1, 2, … .
    partial_sums->resize(m, n * (cut.tasks - 1));
    parallel_for(cut.tasks, [&](Index task) {
      const Index first = task * band, terms = std::min(k, first + band) - first;
      const MatrixView<T> a_band{a.data + first * a.column_stride, m, terms, a.row_stride, a.column_stride};
      const MatrixView<T> b_band{b.data + first * b.row_stride, terms, n, b.row_stride, b.column_stride};
      if (task == 0)
        product_block(c, c_stride, a_band, b_band, accumulate, bias, Index{0}, m, Index{0}, n);
      else
        product_block(partial_sums->data() + (task - 1) * n * m, m, a_band, b_band, false,
                      static_cast<const T*>(nullptr), Index{0}, m, Index{0}, n);
    });
    const Index columns_per_task = std::max<Index>(1, (Index{1} << 12) / std::max<Index>(m, 1));
    parallel_for((n + columns_per_task - 1) / columns_per_task, [&](Index task) {
      const Index first = task * columns_per_task, count = std::min(columns_per_task, n - first);
      for (Index t = 1; t < cut.tasks; ++t)
        for (Index j = first; j < first + count; ++j) {
          T* cj = c + j * c_stride;
          const T* part = partial_sums->data() + ((t - 1) * n + j) * m;
          for (Index i = 0; i < m; ++i) cj[i] += part[i];
        }
    });
    return;
  }
  if (cut.along == CutAlong::inner) {  // one task
    product_block(c, c_stride, a, b, accumulate, bias, Index{0}, m, Index{0}, n);
    return;
  }
  parallel_for(cut.tasks, [&](Index task) {
    const Index first = task * band, end = std::min(cut.extent, first + band);
    if (cut.along == CutAlong::rows)
      product_block(c, c_stride, a, b, accumulate, bias, first, end, Index{0}, n);
    else
      product_block(c, c_stride, a, b, accumulate, bias, Index{0}, m, first, end);
  });
#else
  (void)partial_sums;
  product(dst, lhs, rhs, accumulate, bias);
#endif
}

}  // namespace tinynet::detail
