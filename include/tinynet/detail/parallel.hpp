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

// The batch gather: out = the columns `columns` (any indexable list of Index) of x, copied a
// whole column at a time (contiguous, vectorised copies) and in column blocks over the threads.
template <typename T, typename Columns>
void gather_columns(const Matrix<T>& x, const Columns& columns, Matrix<T>& out) {
  out.resize(x.rows(), columns.size());
  for_column_blocks(x.rows(), columns.size(), [&](Index first, Index n) {
    for (Index j = first; j < first + n; ++j) out.col(j) = x.col(columns[j]);
  });
}

// A matrix product, dst = lhs · rhs (or dst += lhs · rhs with accumulate), in tasks that each
// compute a band of dst: a band of rows reads all of rhs, a band of columns all of lhs, so the
// bands run along the longer side of dst and every task re-reads only the smaller operand.
// A task holds about 2M multiply-adds (enough to pay for a thread), and there are at most 16.
template <typename Dst, typename Lhs, typename Rhs>
void parallel_product(Dst& dst, const Lhs& lhs, const Rhs& rhs, bool accumulate) {
  const Index m = lhs.rows(), k = lhs.cols(), n = rhs.cols();
  const bool by_rows = m >= n;
  const Index extent = by_rows ? m : n, across = std::max<Index>(1, k * (by_rows ? n : m));
  constexpr Index work_per_task = Index{1} << 21, max_tasks = 16, panel = 16;
  Index band = std::max<Index>(work_per_task / across, (extent + max_tasks - 1) / max_tasks);
  band = std::min(extent, (band + panel - 1) / panel * panel);  // whole panels of the product kernel
  auto product = [accumulate](auto&& d, const auto& l, const auto& r) {
    if (accumulate)
      d.noalias() += l * r;
    else
      d.noalias() = l * r;
  };
  if (band >= extent) return product(dst, lhs, rhs);  // one task: the product as written
  for_blocks(extent, band, [&](Index first, Index count) {
    if (by_rows)
      product(dst.middleRows(first, count), lhs.middleRows(first, count), rhs);
    else
      product(dst.middleCols(first, count), lhs, rhs.middleCols(first, count));
  });
}

}  // namespace tinynet::detail
