// How many threads tinynet uses: Eigen's matrix products and tinynet's own OpenMP loops.
//
// A thread count above the machine's cores only makes threads wait for each other (one test
// ran 235x slower with 1000 threads on 2 cores), so set_num_threads caps it at the number of
// hardware threads and returns the count it set.
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <thread>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace tinynet {

// The machine's hardware threads (at least 1).
inline int hardware_threads() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

// Sets the thread count for Eigen's products and OpenMP loops to n, at least 1 and at most
// hardware_threads(); returns the count set.
inline int set_num_threads(int n) {
  n = std::clamp(n, 1, hardware_threads());
  Eigen::setNbThreads(n);
#if defined(_OPENMP)
  omp_set_num_threads(n);
#endif
  return n;
}

inline int num_threads() { return Eigen::nbThreads(); }

}  // namespace tinynet
