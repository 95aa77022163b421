// Element-wise work over a batch, spread over the threads.
//
// for_column_blocks(rows, cols, f) calls f(first, count) for blocks of columns (samples)
// [first, first + count) that together cover [0, cols). A block holds about 64k values, so a
// small batch is one block on the calling thread (a thread costs more than it saves below
// that), and a large one is many blocks that the threads claim one at a time: a thread slowed
// down by another process on its core takes fewer. Each value is computed the same way
// whatever the split, so the result does not depend on the thread count.
#pragma once

#include <tinynet/tensor.hpp>

#include <algorithm>

namespace tinynet::detail {

template <typename F>
void for_column_blocks(Index rows, Index cols, F f) {
  constexpr Index values_per_block = Index{1} << 16;
  const Index per_block = std::max<Index>(1, values_per_block / std::max<Index>(rows, 1));
  const Index blocks = (cols + per_block - 1) / per_block;
#pragma omp parallel for schedule(dynamic, 1) if (blocks > 1)
  for (Index block = 0; block < blocks; ++block) {
    const Index first = block * per_block;
    f(first, std::min(per_block, cols - first));
  }
}

}  // namespace tinynet::detail
