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
template <typename F>
void for_column_blocks(Index rows, Index cols, F f) {
  constexpr Index values_per_block = Index{1} << 16;
  for_blocks(cols, std::max<Index>(1, values_per_block / std::max<Index>(rows, 1)), f);
}

// The batch gather's cut: f(first, count) for blocks of samples that hold about 8k values (10
// images of 784). Unlike element-wise work, a gather waits on memory for every scattered sample,
// so even a batch of 64 images repays a second thread (the notebook MLP's step on 2 threads:
// about 210 µs with the gather on one thread, 190 with it shared); and with the pool's
// contiguous shares, each core then holds the samples its share of the next layer reads.
template <typename F>
void for_gather_blocks(Index rows, Index cols, F f) {
  constexpr Index values_per_block = Index{1} << 13;
  for_blocks(cols, std::max<Index>(1, values_per_block / std::max<Index>(rows, 1)), f);
}

// The batch gather: out = the columns `columns` (any indexable list of Index) of x, copied a
// whole column at a time (contiguous, vectorised copies) and in blocks over the threads.
template <typename T, typename Columns>
void gather_columns(const Matrix<T>& x, const Columns& columns, Matrix<T>& out) {
  out.resize(x.rows(), columns.size());
  for_gather_blocks(x.rows(), columns.size(), [&](Index first, Index n) {
    for (Index j = first; j < first + n; ++j) out.col(j) = x.col(columns[j]);
  });
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
