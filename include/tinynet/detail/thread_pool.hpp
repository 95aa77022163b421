// The threads tinynet's kernels run on.
//
// parallel_for(tasks, f) calls f(0), f(1), ..., f(tasks − 1), each exactly once, spread over
// the pool's threads and the calling thread, and returns when all have returned. It is built for
// a machine that other programs share:
//
//   - every thread has its own share of the tasks, a contiguous run of them (the caller the
//     first, worker w the (w + 2)-th), and claims them one at a time from its front; a thread
//     done with its share takes what is left of the others', from their backs. On an idle
//     machine each thread so works through its own share, and the same share of the next loop
//     over the same data (a layer's batch, a parameter's blocks) finds that data in its own
//     core's cache instead of the other core's; a thread slowed down (its core busy with
//     another process) takes fewer, as the others take over the end of its share;
//   - the caller waits only for tasks that were claimed. A worker that wakes up late finds the
//     counter exhausted and does nothing, and nobody waited for it. (An OpenMP team instead ends
//     every parallel loop at a barrier that waits for all its threads, so one thread sharing its
//     core with another process slows every loop down to its pace.)
//   - an idle worker polls for new work for about 0.5 ms, because the next loop usually follows
//     within microseconds (waking a sleeping thread takes tens of them), then sleeps in the
//     kernel (std::atomic::wait) instead of spinning on.
//   - background work fills the workers' idle moments: share_background(items, f) lets a worker
//     that has no task of a parallel_for to run call f(0), f(1), ... one item at a time
//     (checking for a new loop before each, which comes first); finish_background() runs on the
//     caller what no worker took and waits for the items taken. fit gathers the next batch so
//     (training/batch_gatherer.hpp).
//
// The workers run each task with the caller's floating-point control word (MXCSR on x86), so a
// caller that flushes denormals to zero (detail/flush_denormals.hpp) has them flushed on every
// thread. A call from inside a task runs serially on that thread. When tasks throw, the others
// still run, and parallel_for rethrows the first exception in the caller once all have ended.
//
// How the result is split never depends on the number of threads: the caller chooses the tasks,
// and each task computes the same values on whichever thread runs it.
#pragma once

#include <tinynet/tensor.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace tinynet::detail {

class ThreadPool {
 public:
  // The one pool of the program (made on first use; its workers start when first needed).
  static ThreadPool& instance() {
    static ThreadPool pool;
    return pool;
  }

  ~ThreadPool() { stop_workers(); }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // The threads that run tasks, the caller included (at least 1).
  int threads() const { return threads_.load(std::memory_order_relaxed); }
  void set_threads(int n) {
    const std::lock_guard<std::mutex> lock(run_mutex_);
    stop_workers();
    threads_.store(std::max(1, n), std::memory_order_relaxed);
  }

  template <typename F>
  void parallel_for(Index tasks, F&& f) {
    if (tasks <= 0) return;
    if (tasks == 1 || threads() == 1 || inside_task() || serial() || tasks > max_tasks) {  // on this thread alone
      std::exception_ptr error;
      for (Index t = 0; t < tasks; ++t) {
        try {
          f(t);
        } catch (...) {
          if (!error) error = std::current_exception();
        }
      }
      if (error) std::rethrow_exception(error);
      return;
    }
    const std::lock_guard<std::mutex> lock(run_mutex_);  // one loop at a time (callers on several threads queue)
    start_workers();
    using Fn = std::remove_reference_t<F>;
    const std::uint64_t generation = generation_.load(std::memory_order_relaxed) + 1;
    // First make every claim on the last job fail (a late worker may still try one), then
    // describe this job, then open its claims: thread t's share is tasks [t·tasks/T, (t+1)·tasks/T).
    const int T = threads();
    for (int t = 0; t < T; ++t) share(t).store(claims_of(generation, 0, 0), std::memory_order_release);
    job_.run.store([](void* fn, Index task) { (*static_cast<Fn*>(fn))(task); }, std::memory_order_relaxed);
    job_.fn.store(const_cast<void*>(static_cast<const void*>(&f)), std::memory_order_relaxed);
    job_.tasks.store(tasks, std::memory_order_relaxed);
#if defined(__SSE2__)
    job_.control_word.store(_mm_getcsr(), std::memory_order_relaxed);
#endif
    job_.error = nullptr;
    finished_.store(0, std::memory_order_relaxed);
    for (int t = 0; t < T; ++t)
      share(t).store(claims_of(generation, tasks * t / T, tasks * (t + 1) / T), std::memory_order_release);
    generation_.store(generation, std::memory_order_release);
    generation_.notify_all();
    work(generation, 0);
    // Wait for the tasks the workers claimed; poll briefly first, as they usually end soon.
    for (int spin = 0; finished_.load(std::memory_order_acquire) < tasks; ++spin) {
      if (spin < 4096) {
        pause();
      } else {
        const Index seen = finished_.load(std::memory_order_acquire);
        if (seen < tasks) finished_.wait(seen, std::memory_order_acquire);
      }
    }
    if (job_.error) std::rethrow_exception(job_.error);
  }

  // Offers f(0), ..., f(items − 1) to the workers as background work (see the top of this
  // file) and returns true; finish_background() must then follow, and f live until it returns.
  // Returns false, and offers nothing, when no worker is to take part: one thread, a call from
  // inside a task or under a SerialScope (the caller is to run alone: with another program busy
  // on a worker's core, an item that worker took could keep it waiting for milliseconds), more
  // than max_tasks items, or another thread's background work in progress.
  template <typename F>
  bool share_background(Index items, F& f) {
    if (items <= 0 || items > max_tasks || threads() == 1 || inside_task() || serial()) return false;
    if (background_.in_use.exchange(true, std::memory_order_acquire)) return false;
    start_workers_for_background();
    using Fn = std::remove_reference_t<F>;
    background_.round = (background_.round + 1) & 0xFFFF;
    background_.run.store([](void* fn, Index item) { (*static_cast<Fn*>(fn))(item); }, std::memory_order_relaxed);
    background_.fn.store(static_cast<void*>(&f), std::memory_order_relaxed);
#if defined(__SSE2__)
    background_.control_word.store(_mm_getcsr(), std::memory_order_relaxed);
#endif
    background_.error = nullptr;
    background_.items = items;
    background_.finished.store(0, std::memory_order_relaxed);
    background_.claims.store(claims_of(background_.round, 0, items), std::memory_order_release);
    return true;
  }

  // Runs the items of the shared background work that no worker has taken, waits for those
  // taken, and rethrows the first exception an item threw.
  void finish_background() {
    while (run_background_item()) {
    }
    while (background_.finished.load(std::memory_order_acquire) < background_.items) pause();  // an item or two
    const std::exception_ptr error = background_.error;
    background_.in_use.store(false, std::memory_order_release);
    if (error) std::rethrow_exception(error);
  }

 private:
  ThreadPool() : threads_(std::max(1, static_cast<int>(std::thread::hardware_concurrency()))) {
    Eigen::setNbThreads(1);  // the products run inside tasks; they must not start threads of their own
  }

  // What the current job runs. A late worker may read these while the next job writes them;
  // it then fails to claim a task (claims name their job), so it never acts on what it read.
  struct Job {
    std::atomic<void (*)(void*, Index)> run{nullptr};
    std::atomic<void*> fn{nullptr};
    std::atomic<Index> tasks{0};
    std::atomic<unsigned> control_word{0};
    std::exception_ptr error;  // the first exception a task threw, under error_mutex
    std::mutex error_mutex;
  };

  // The background work on offer (share_background): its items still to claim, in one word with
  // the run's number, as a job's claims are; the workers claim one at a time.
  struct Background {
    std::atomic<bool> in_use{false};  // between share_background and finish_background
    std::atomic<std::uint64_t> claims{0};
    std::atomic<void (*)(void*, Index)> run{nullptr};
    std::atomic<void*> fn{nullptr};
    std::atomic<unsigned> control_word{0};
    std::atomic<Index> finished{0};
    std::uint64_t round = 0;
    Index items = 0;
    std::exception_ptr error;  // the first exception an item threw, under error_mutex
    std::mutex error_mutex;
  };

  // Claims and runs one item of the background work; false when none is left.
  bool run_background_item() {
    std::uint64_t claims = background_.claims.load(std::memory_order_acquire);
    for (;;) {
      const Index first = static_cast<Index>(claims >> 24 & 0xFFFFFF), end = static_cast<Index>(claims & 0xFFFFFF);
      if (first >= end) return false;
      if (background_.claims.compare_exchange_weak(claims, claims + (std::uint64_t{1} << 24),
                                                   std::memory_order_acq_rel))
        break;
    }
    // Claimed: the run stays this one until the item is counted finished.
    const Index item = static_cast<Index>(claims >> 24 & 0xFFFFFF);
    const bool was_inside = inside_task();
    inside_task() = true;  // a parallel_for inside the item runs on this thread
#if defined(__SSE2__)
    const unsigned own = _mm_getcsr();
    _mm_setcsr(background_.control_word.load(std::memory_order_relaxed));  // the caller's modes
#endif
    try {
      background_.run.load(std::memory_order_relaxed)(background_.fn.load(std::memory_order_relaxed), item);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(background_.error_mutex);
      if (!background_.error) background_.error = std::current_exception();
    }
#if defined(__SSE2__)
    _mm_setcsr(own);
#endif
    inside_task() = was_inside;
    background_.finished.fetch_add(1, std::memory_order_acq_rel);
    return true;
  }

  // A thread's share of the tasks still to claim, [first, end), in one word with the job's
  // generation (its low 16 bits): generation << 48 | first << 24 | end. A claim is a
  // compare-and-swap of that word, so it fails when the word belongs to another job.
  static constexpr Index max_tasks = 0xFFFFFF;
  static std::uint64_t claims_of(std::uint64_t generation, Index first, Index end) {
    return (generation & 0xFFFF) << 48 | static_cast<std::uint64_t>(first) << 24 | static_cast<std::uint64_t>(end);
  }
  struct alignas(64) Share {  // a cache line each: the threads' claims do not contend for one line
    std::atomic<std::uint64_t> claims{0};
  };
  std::atomic<std::uint64_t>& share(int t) { return shares_[static_cast<std::size_t>(t)].claims; }

  static bool& inside_task() {
    thread_local bool inside = false;
    return inside;
  }

 public:
  // While a SerialScope lives, parallel_for on its thread runs every task on that thread (the
  // workers sleep once they have polled for a while). fit uses one when a step runs faster so
  // (detail/thread_tuner.hpp).
  class SerialScope {
   public:
    SerialScope() : before_(serial()) { serial() = true; }
    ~SerialScope() { serial() = before_; }
    SerialScope(const SerialScope&) = delete;
    SerialScope& operator=(const SerialScope&) = delete;

   private:
    bool before_;
  };

 private:
  static bool& serial() {
    thread_local bool alone = false;
    return alone;
  }

  static void pause() {
#if defined(__SSE2__)
    _mm_pause();
#else
    std::this_thread::yield();
#endif
  }

  // Claims and runs tasks of job `generation` until none is left (or a newer job started):
  // first its own share `self` from the front, then the others' from their backs.
  void work(std::uint64_t generation, int self) {
    inside_task() = true;
    const int T = threads();
    const Index tasks = job_.tasks.load(std::memory_order_relaxed);
    for (int round = 0; round < T; ++round) {
      const bool own = round == 0;
      std::atomic<std::uint64_t>& claimed = share((self + round) % T);
      std::uint64_t claims = claimed.load(std::memory_order_acquire);
      for (;;) {
        if ((claims >> 48) != (generation & 0xFFFF)) {  // a later job: this one is over
          inside_task() = false;
          return;
        }
        const Index first = static_cast<Index>(claims >> 24 & 0xFFFFFF), end = static_cast<Index>(claims & 0xFFFFFF);
        if (first >= end) break;  // this share is done
        const Index task = own ? first : end - 1;
        const std::uint64_t rest = own ? claims + (std::uint64_t{1} << 24) : claims - 1;
        if (!claimed.compare_exchange_weak(claims, rest, std::memory_order_acq_rel)) continue;
        // Claimed: the job is still this one, and stays so until this task is counted finished.
        try {
          job_.run.load(std::memory_order_relaxed)(job_.fn.load(std::memory_order_relaxed), task);
        } catch (...) {
          const std::lock_guard<std::mutex> lock(job_.error_mutex);
          if (!job_.error) job_.error = std::current_exception();
        }
        if (finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == tasks) finished_.notify_one();
        claims = claimed.load(std::memory_order_acquire);
      }
    }
    inside_task() = false;
  }

  // `seen`: the last job before this worker started (it takes part in every later one);
  // `self`: its share (1 for the first worker; the caller's is 0).
  void worker_loop(std::uint64_t seen, int self) {
    for (;;) {
      std::uint64_t generation = generation_.load(std::memory_order_acquire);
      const auto start = std::chrono::steady_clock::now();
      for (unsigned polls = 1; generation == seen && !stopping_.load(std::memory_order_relaxed); ++polls) {
        if (run_background_item()) {  // an item of background work, then look for a job again
          generation = generation_.load(std::memory_order_acquire);
          continue;
        }
        pause();  // poll for about `idle_poll`, then sleep until the next job
        generation = generation_.load(std::memory_order_acquire);
        if (generation == seen && polls % 64 == 0 && std::chrono::steady_clock::now() - start > idle_poll) {
          generation_.wait(seen, std::memory_order_acquire);
          generation = generation_.load(std::memory_order_acquire);
        }
      }
      if (stopping_.load()) return;
      seen = generation;
#if defined(__SSE2__)
      const unsigned own = _mm_getcsr();
      _mm_setcsr(job_.control_word.load(std::memory_order_relaxed));  // the caller's rounding and denormal modes
      work(generation, self);
      _mm_setcsr(own);
#else
      work(generation, self);
#endif
    }
  }

  void start_workers_for_background() {
    const std::lock_guard<std::mutex> lock(run_mutex_);
    start_workers();
  }

  void start_workers() {
    const int wanted = threads() - 1;
    if (share_count_ != threads()) {  // the workers are stopped when the thread count changes
      shares_ = std::make_unique<Share[]>(static_cast<std::size_t>(threads()));
      share_count_ = threads();
    }
    const std::uint64_t seen = generation_.load(std::memory_order_relaxed);  // before the job it starts for
    while (static_cast<int>(workers_.size()) < wanted) {
      const int self = static_cast<int>(workers_.size()) + 1;
      workers_.emplace_back([this, seen, self] { worker_loop(seen, self); });
    }
  }

  void stop_workers() {
    if (workers_.empty()) return;
    stopping_.store(true);
    generation_.fetch_add(1, std::memory_order_release);  // wakes the sleepers; claims of the old job fail
    generation_.notify_all();
    for (std::thread& w : workers_) w.join();
    workers_.clear();
    stopping_.store(false);
  }

  static constexpr std::chrono::microseconds idle_poll{500};
  std::atomic<int> threads_;
  std::mutex run_mutex_;
  std::vector<std::thread> workers_;
  Job job_;
  std::atomic<std::uint64_t> generation_{0};  // the current job's number
  std::unique_ptr<Share[]> shares_;           // thread t's share of the current job's tasks
  int share_count_ = 0;
  std::atomic<Index> finished_{0};  // tasks of the current job that have ended
  std::atomic<bool> stopping_{false};
  Background background_;
};

// parallel_for on the program's pool (see above).
template <typename F>
void parallel_for(Index tasks, F&& f) {
  ThreadPool::instance().parallel_for(tasks, std::forward<F>(f));
}

}  // namespace tinynet::detail
