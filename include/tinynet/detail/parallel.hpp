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

// Element-wise work. for_column_blocks(rows, cols, f) calls f(first, count) for blocks of
// columns (samples) [first, first + count) that together cover [0, cols). A block holds about
// 64k values, so a small batch is one block on the calling thread (a thread costs more than it
// saves below that), and a large one is many blocks that the threads claim one at a time.
template <typename F>
void for_column_blocks(Index rows, Index cols, F f) {
  constexpr Index values_per_block = Index{1} << 16;
  const Index per_block = std::max<Index>(1, values_per_block / std::max<Index>(rows, 1));
  const Index blocks = (cols + per_block - 1) / per_block;
  parallel_for(blocks, [&](Index block) {
    const Index first = block * per_block;
    f(first, std::min(per_block, cols - first));
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
  const Index tasks = extent == 0 ? 0 : (extent + band - 1) / band;
  if (tasks <= 1) {  // one task: the product as written
    if (accumulate)
      dst.noalias() += lhs * rhs;
    else
      dst.noalias() = lhs * rhs;
    return;
  }
  parallel_for(tasks, [&](Index task) {
    const Index first = task * band, count = std::min(band, extent - first);
    if (by_rows && accumulate) dst.middleRows(first, count).noalias() += lhs.middleRows(first, count) * rhs;
    if (by_rows && !accumulate) dst.middleRows(first, count).noalias() = lhs.middleRows(first, count) * rhs;
    if (!by_rows && accumulate) dst.middleCols(first, count).noalias() += lhs * rhs.middleCols(first, count);
    if (!by_rows && !accumulate) dst.middleCols(first, count).noalias() = lhs * rhs.middleCols(first, count);
  });
}

}  // namespace tinynet::detail
