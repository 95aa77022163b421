// How many threads tinynet uses: Eigen's matrix products and tinynet's own OpenMP loops.
#pragma once

#include <Eigen/Core>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace tinynet {

// Sets the thread count for Eigen's products and OpenMP loops (n ≥ 1).
inline void set_num_threads(int n) {
  if (n < 1) n = 1;
  Eigen::setNbThreads(n);
#if defined(_OPENMP)
  omp_set_num_threads(n);
#endif
}

inline int num_threads() { return Eigen::nbThreads(); }

}  // namespace tinynet
