// How many threads tinynet uses.
//
// Every parallel kernel (Dense's products in bands of their result, Conv2D's chunks of samples, the
// element-wise layers, the optimizers' updates) runs on tinynet's own pool
// (detail/thread_pool.hpp): the calling thread works too, a thread slowed down by another
// process takes fewer tasks, and nobody waits for a thread that has not started. The default
// is every hardware thread. Eigen's own threading is switched off (Eigen::setNbThreads(1)),
// so that a product running inside a task does not start threads of its own.
//
// The count is an upper bound: fit times its steps on all the threads and on the calling thread
// alone now and then, and runs them the faster way (detail/thread_tuner.hpp), so that more
// threads never make training slower (a step too small to share, another program busy on a core).
//
// A thread count above the machine's hardware threads only makes threads wait for each other
// (one test ran 235x slower with 1000 threads on 2 cores), so set_num_threads caps it and
// returns the count it set. The results do not depend on the thread count: how the work is
// split is fixed by the sizes, not by the threads.
#pragma once

#include <tinynet/detail/thread_pool.hpp>

#include <algorithm>
#include <thread>

namespace tinynet {

// The machine's hardware threads (at least 1).
inline int hardware_threads() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

// Sets the number of threads tinynet runs on (the caller's included) to n, at least 1 and at
// most hardware_threads(); returns the count set.
inline int set_num_threads(int n) {
  n = std::clamp(n, 1, hardware_threads());
  detail::ThreadPool::instance().set_threads(n);
  return n;
}

inline int num_threads() { return detail::ThreadPool::instance().threads(); }

}  // namespace tinynet
