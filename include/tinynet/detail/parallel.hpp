// Work over a batch, spread over the threads (detail/thread_pool.hpp).
//
// How the work is cut depends only on the sizes, never on the number of threads, and each
// piece computes the same values on whichever thread runs it: the results do not depend on the
// thread count.
#pragma once

#include <tinynet/detail/thread_pool.hpp>
#include <tinynet/tensor.hpp>

#include <algorithm>

namespace tinynet::detail {

// for_blocks(size, per_block, f) calls f(first, count) for the blocks [first, first + count) of
// per_block items (the last may be shorter) that together cover [0, size), one task each.
template <typename F>
void for_blocks(Index size, Index per_block, F f) {
  parallel_for((size + per_block - 1) / per_block, [&](Index block) {
    const Index first = block * per_block;
    f(first, std::min(per_block, size - first));
  });
}

// Element-wise work over a batch: f(first, count) for blocks of columns (samples) that hold
// about 64k values each, so a small batch is one block on the calling thread (a thread costs
// more than it saves below that), and a large one is many blocks that the threads claim one at
// a time.
inline Index column_block_size(Index rows) {  // columns per block
  constexpr Index values_per_block = Index{1} << 16;
  return std::max<Index>(1, values_per_block / std::max<Index>(rows, 1));
}

template <typename F>
void for_column_blocks(Index rows, Index cols, F f) {
  for_blocks(cols, column_block_size(rows), f);
}

// Asks the processor to start loading the `bytes` bytes at `address` into its caches (one
// request per 64-byte cache line), and returns at once.
inline void prefetch(const void* address, Index bytes) {
  constexpr Index cache_line = 64;
  const char* start = static_cast<const char*>(address);
  for (Index at = 0; at < bytes; at += cache_line) __builtin_prefetch(start + at);
}

// The batch gather: copy(j) for every sample j < count of a batch, whose source (`bytes` long)
// is at source(j), in blocks of samples that hold about 8k values (10 images of 784) over the
// threads. Unlike element-wise work, a gather waits on memory for every scattered sample, so
// even a batch of 64 images repays a second thread (the notebook MLP's step on 2 threads: about
// 210 µs with the gather on one thread, 190 with it shared); and with the pool's contiguous
// shares, each core then holds the samples its share of the next layer reads. Within a block,
// copying one sample after another would wait for each in turn, so before copying sample j a
// task asks for sample j + gather_ahead (the notebook MLP's epoch on 2 threads: 5 % faster).
inline constexpr Index gather_ahead = 3;

// Before copying sample j of a run [first, end) copied in order: at the run's first sample, asks
// for its first gather_ahead samples, and then for the one gather_ahead places on.
template <typename Prefetch>
void ask_ahead(Index j, Index first, Index end, Prefetch prefetch_sample) {
  if (j == first)
    for (Index k = first; k < std::min(end, first + gather_ahead); ++k) prefetch_sample(k);
  if (j + gather_ahead < end) prefetch_sample(j + gather_ahead);
}

template <typename Source, typename Copy>
void gather_samples(Index values_per_sample, Index bytes, Index count, Source source, Copy copy) {
  constexpr Index values_per_block = Index{1} << 13;
  const Index per_block = std::max<Index>(1, values_per_block / std::max<Index>(values_per_sample, 1));
  for_blocks(count, per_block, [&](Index first, Index n) {
    for (Index j = first; j < first + n; ++j) {
      ask_ahead(j, first, first + n, [&](Index k) { prefetch(source(k), bytes); });
      copy(j);
    }
  });
}

// out = the columns `columns` (any indexable list of Index) of x, copied a whole column at a
// time (contiguous, vectorised copies), with gather_samples.
template <typename T, typename Columns>
void gather_columns(const Matrix<T>& x, const Columns& columns, Matrix<T>& out) {
  out.resize(x.rows(), columns.size());
  const auto bytes = static_cast<Index>(sizeof(T)) * x.rows();
  gather_samples(
      x.rows(), bytes, out.cols(), [&](Index j) { return x.col(columns[j]).data(); },
      [&](Index j) { out.col(j) = x.col(columns[j]); });
}

// out = x, in column blocks over the threads (for_column_blocks). A layer that keeps a copy of
// a batch copies it this way: on two cores, a copy on one thread writes lines the other core
// has read and reads lines it has written, and each such line costs a transfer between the
// cores; two threads copying half each wait for half as many.
template <typename T, typename Source>
void copy_columns(const Source& x, Matrix<T>& out) {
  out.resize(x.rows(), x.cols());
  for_column_blocks(x.rows(), x.cols(),
                    [&](Index first, Index n) { out.middleCols(first, n) = x.middleCols(first, n); });
}

}  // namespace tinynet::detail
