// Whether fit's training step runs faster on all of tinynet's threads or on the calling thread
// alone: found out by timing it both ways now and then, and the faster way used in between.
//
// Why. A second thread pays only when the work it takes over outweighs what it costs: handing it
// its tasks, and bringing into its core's cache the data the other core wrote last. How much that
// is depends on the machine and the model. On a 2-core VM whose cores are far apart (a cache line
// takes about 275 ns from one to the other), the notebook MLP's 0.2 ms step at batch 64 ran
// slower on two threads than on one, while the CNN's ran 1.7× faster; and when another program
// keeps one core busy, one thread on the free core often beats two that share it. The results
// never depend on the choice: the work is cut into the same tasks, each computing the same values,
// whatever the thread count (detail/parallel.hpp), so the tuner may switch at any step.
//
// How. After `warmup` untimed steps (the first ones size their buffers), and then every `period`
// steps, it probes: runs of `run_length` steps on all threads, alone, on all threads, alone, and
// in each run it times the steps after the first `settle` (a run's first steps move the data the
// other way of running left in the other core's cache, which the steady state does not). It then
// keeps the way with the lower median seconds per sample until the next probe, except that all
// threads must be faster by `required_gain` (5 %) to be chosen: when both ways take about the
// same time (the MLP's step), which one wins a probe is chance, and running alone then costs
// nothing and leaves the other core free. Alternating runs let a change in the machine's load
// hit both ways alike. Probing costs at most two runs of the slower way every `period` steps.
#pragma once

#include <tinynet/detail/thread_pool.hpp>

#include <algorithm>
#include <array>
#include <chrono>

namespace tinynet::detail {

class ThreadTuner {
 public:
  static constexpr Index warmup = 4, run_length = 6, settle = 2, runs = 4, period = 500;
  static constexpr double required_gain = 0.05;

  // Runs step(), work on `samples` samples, on all threads or on this one alone, and returns
  // what step() returns.
  template <typename Step>
  auto run(Index samples, Step&& step) {
    if (ThreadPool::instance().threads() == 1) return step();
    const Index position = steps_ < warmup ? -1 : (steps_ - warmup) % period;
    ++steps_;
    const bool probing = position >= 0 && position < runs * run_length;
    const Index probe_run = probing ? position / run_length : 0, in_run = position % run_length;
    const bool alone = probing ? probe_run % 2 == 1 : alone_;
    const auto start = std::chrono::steady_clock::now();
    auto result = alone ? run_alone(step) : step();
    if (!probing || in_run < settle) return result;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    (alone ? alone_seconds_ : all_seconds_)[static_cast<std::size_t>(probe_run / 2 * timed_per_run + in_run - settle)] =
        seconds / static_cast<double>(std::max<Index>(samples, 1));
    if (position == runs * run_length - 1) alone_ = median(all_seconds_) > (1 - required_gain) * median(alone_seconds_);
    return result;
  }

  // Whether the steps between probes run on the calling thread alone (for tests and curiosity).
  bool alone() const { return alone_; }

 private:
  static constexpr Index timed_per_run = run_length - settle, timed = runs / 2 * timed_per_run;  // per way
  using Timings = std::array<double, static_cast<std::size_t>(timed)>;

  template <typename Step>
  static auto run_alone(Step& step) {
    const ThreadPool::SerialScope serial;
    return step();
  }

  static double median(Timings seconds) {
    std::sort(seconds.begin(), seconds.end());
    return (seconds[(timed - 1) / 2] + seconds[timed / 2]) / 2;
  }

  Index steps_ = 0;
  bool alone_ = false;
  Timings all_seconds_{}, alone_seconds_{};
};

}  // namespace tinynet::detail
