// The thread pool and the parallel kernels built on it: every task runs exactly once, errors and
// floating-point modes reach the right thread, a banded product equals the plain one, and the
// results of training do not depend on the thread count.
#include "catch.hpp"
#include "test_files.hpp"

#include <tinynet/core.hpp>
#include <tinynet/detail/parallel.hpp>
#include <tinynet/detail/thread_tuner.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <thread>
#include <vector>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

using tinynet::Index;
using tinynet::Matrix;

namespace {

// Sets the thread count for the scope of a test and puts the old one back.
struct Threads {
  explicit Threads(int n) : before(tinynet::num_threads()) { tinynet::set_num_threads(n); }
  ~Threads() { tinynet::set_num_threads(before); }
  int before;
};

Matrix<double> random_matrix(Index rows, Index cols, std::uint64_t seed) {
  tinynet::Random random(seed);
  Matrix<double> m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = random.uniform() - 0.5;
  return m;
}

}  // namespace

TEST_CASE("parallel_for runs every task exactly once", "[threads]") {
  const Threads two(2);
  std::vector<std::atomic<int>> runs(5000);
  for (int round = 0; round < 20; ++round)
    tinynet::detail::parallel_for(static_cast<Index>(runs.size()),
                                  [&](Index task) { runs[static_cast<std::size_t>(task)].fetch_add(1); });
  for (const auto& r : runs) REQUIRE(r.load() == 20);
}

TEST_CASE("parallel_for runs tasks on a second thread while the caller is busy", "[threads]") {
  if (tinynet::hardware_threads() < 2) {
    WARN("skipped: one hardware thread, so the pool has no worker");
    return;
  }
  const Threads two(2);
  // Task 0 holds the caller until another thread has entered task 1 (or 10 s have passed).
  std::atomic<int> entered{0};
  std::atomic<bool> other_thread{false};
  const auto caller = std::this_thread::get_id();
  tinynet::detail::parallel_for(2, [&](Index) {
    entered.fetch_add(1);
    if (std::this_thread::get_id() != caller) other_thread = true;
    const auto start = std::chrono::steady_clock::now();
    while (entered.load() < 2 && std::chrono::steady_clock::now() - start < std::chrono::seconds(10))
      std::this_thread::yield();
  });
  CHECK(entered.load() == 2);
  CHECK(other_thread.load());
}

TEST_CASE("Each thread starts on its own share of the tasks, and takes over a slow thread's", "[threads]") {
  if (tinynet::hardware_threads() < 2) {
    WARN("skipped: one hardware thread, so the pool has no worker");
    return;
  }
  const Threads two(2);
  const auto caller = std::this_thread::get_id();
  // 8 tasks: the caller's share is 0-3, the worker's 4-7. The caller's first task waits until the
  // worker has started one: that one must be task 4, the front of the worker's share.
  std::atomic<Index> workers_first{-1};
  std::vector<std::thread::id> ran_on(8);
  tinynet::detail::parallel_for(8, [&](Index task) {
    ran_on[static_cast<std::size_t>(task)] = std::this_thread::get_id();
    if (std::this_thread::get_id() != caller) {
      Index none = -1;
      workers_first.compare_exchange_strong(none, task);
    } else if (task == 0) {
      const auto start = std::chrono::steady_clock::now();
      while (workers_first.load() < 0 && std::chrono::steady_clock::now() - start < std::chrono::seconds(10))
        std::this_thread::yield();
    }
  });
  CHECK(workers_first.load() == 4);
  CHECK(ran_on[0] == caller);
  // The worker holds its first task until the caller has run out of its own share and taken
  // one from the back of the worker's: task 7.
  std::atomic<bool> caller_took_7{false};
  tinynet::detail::parallel_for(8, [&](Index task) {
    if (std::this_thread::get_id() == caller) {
      if (task == 7) caller_took_7 = true;
      return;
    }
    const auto start = std::chrono::steady_clock::now();
    while (!caller_took_7.load() && std::chrono::steady_clock::now() - start < std::chrono::seconds(10))
      std::this_thread::yield();
  });
  CHECK(caller_took_7.load());
}

namespace {
// A step of two tasks whose cost depends on where they run: `on_worker` seconds for a task run
// by another thread than the caller, `on_caller` seconds for one run by the caller.
int timed_step(std::chrono::microseconds on_caller, std::chrono::microseconds on_worker) {
  const auto caller = std::this_thread::get_id();
  tinynet::detail::parallel_for(
      2, [&](Index) { std::this_thread::sleep_for(std::this_thread::get_id() == caller ? on_caller : on_worker); });
  return 1;
}
}  // namespace

TEST_CASE("The thread tuner runs a step alone when that is faster, and on the threads when they are", "[threads]") {
  if (tinynet::hardware_threads() < 2) {
    WARN("skipped: one hardware thread, so there is nothing to choose");
    return;
  }
  const Threads two(2);
  using std::chrono::microseconds;
  using Tuner = tinynet::detail::ThreadTuner;
  const Index probe_end = Tuner::warmup + Tuner::runs * Tuner::run_length;
  // A second thread that makes every task it runs 20x slower: after the probe, steps run alone.
  Tuner slow_worker;
  for (Index s = 0; s < probe_end; ++s)
    slow_worker.run(64, [] { return timed_step(microseconds(300), microseconds(6000)); });
  CHECK(slow_worker.alone());
  const auto caller = std::this_thread::get_id();
  bool only_caller = true;  // and they do: every task on the calling thread
  slow_worker.run(64, [&] {
    tinynet::detail::parallel_for(4, [&](Index) { only_caller = only_caller && std::this_thread::get_id() == caller; });
    return 1;
  });
  CHECK(only_caller);
  // Tasks that cost the same anywhere: two threads halve the step, so steps use them.
  Tuner even;
  for (Index s = 0; s < probe_end; ++s) even.run(64, [] { return timed_step(microseconds(2000), microseconds(2000)); });
  CHECK_FALSE(even.alone());
  // A second thread that gains nothing (its task takes as long as both on the caller): whichever
  // way a probe's clock favours, the step runs alone, since threads must be faster by
  // required_gain to be used.
  Tuner no_gain;
  for (Index s = 0; s < probe_end; ++s)
    no_gain.run(64, [] { return timed_step(microseconds(4000), microseconds(8000)); });
  CHECK(no_gain.alone());
}

TEST_CASE("parallel_for rethrows a task's exception after the other tasks end", "[threads]") {
  const Threads two(2);
  std::atomic<int> ended{0};
  REQUIRE_THROWS_WITH(tinynet::detail::parallel_for(64,
                                                    [&](Index task) {
                                                      if (task == 17) throw std::runtime_error("task 17 failed");
                                                      ended.fetch_add(1);
                                                    }),
                      "task 17 failed");
  CHECK(ended.load() == 63);
  std::atomic<int> after{0};  // and the pool still works
  tinynet::detail::parallel_for(8, [&](Index) { after.fetch_add(1); });
  CHECK(after.load() == 8);
}

TEST_CASE("A parallel_for inside a task runs on that task's thread", "[threads]") {
  const Threads two(2);
  std::vector<std::atomic<int>> inner(16 * 16);
  tinynet::detail::parallel_for(16, [&](Index outer) {
    const auto id = std::this_thread::get_id();
    tinynet::detail::parallel_for(16, [&](Index task) {
      CHECK(std::this_thread::get_id() == id);
      inner[static_cast<std::size_t>(outer * 16 + task)].fetch_add(1);
    });
  });
  for (const auto& r : inner) REQUIRE(r.load() == 1);
}

TEST_CASE("Background work runs every item exactly once, on an idle worker and the caller", "[threads]") {
  auto& pool = tinynet::detail::ThreadPool::instance();
  {
    const Threads one(1);  // no worker: nothing is offered, the caller does the work itself
    auto nothing = [](Index) {};
    CHECK_FALSE(pool.share_background(10, nothing));
  }
  if (tinynet::hardware_threads() < 2) {
    WARN("skipped: one hardware thread, so the pool has no worker");
    return;
  }
  const Threads two(2);
  {
    const tinynet::detail::ThreadPool::SerialScope alone;  // the caller is to run alone
    auto nothing = [](Index) {};
    CHECK_FALSE(pool.share_background(10, nothing));
  }
  tinynet::detail::parallel_for(2, [](Index) {});  // the worker is started and polling
  const auto caller = std::this_thread::get_id();
  std::vector<std::atomic<int>> runs(200);
  std::atomic<int> on_worker{0};
  auto item = [&](Index i) {
    runs[static_cast<std::size_t>(i)].fetch_add(1);
    if (std::this_thread::get_id() != caller) on_worker.fetch_add(1);
  };
  REQUIRE(pool.share_background(static_cast<Index>(runs.size()), item));
  auto other = [](Index) {};
  CHECK_FALSE(pool.share_background(5, other));         // one background run at a time
  const auto start = std::chrono::steady_clock::now();  // let the idle worker take some
  while (on_worker.load() == 0 && std::chrono::steady_clock::now() - start < std::chrono::seconds(10))
    std::this_thread::yield();
  pool.finish_background();  // the caller runs what is left
  CHECK(on_worker.load() > 0);
  for (const auto& r : runs) REQUIRE(r.load() == 1);

  // A parallel_for while background work is on offer still runs every task, and an item's
  // exception reaches finish_background once every item has ended.
  std::atomic<int> ended{0};
  auto failing = [&](Index i) {
    if (i == 7) throw std::runtime_error("item 7 failed");
    ended.fetch_add(1);
  };
  REQUIRE(pool.share_background(50, failing));
  std::atomic<int> tasks{0};
  tinynet::detail::parallel_for(64, [&](Index) { tasks.fetch_add(1); });
  CHECK(tasks.load() == 64);
  REQUIRE_THROWS_WITH(pool.finish_background(), "item 7 failed");
  CHECK(ended.load() == 49);
  REQUIRE(pool.share_background(3, other));  // and the slot is free again
  pool.finish_background();
}

#if defined(__SSE2__)
TEST_CASE("Tasks run with the caller's denormal modes on every thread", "[threads]") {
  const Threads two(2);
  constexpr unsigned flush = tinynet::detail::ScopedFlushDenormals::flush_bits;
  for (const bool flushing : {true, false}) {
    std::atomic<int> wrong{0};
    {
      std::optional<tinynet::detail::ScopedFlushDenormals> scope;
      if (flushing) scope.emplace();
      tinynet::detail::parallel_for(256, [&](Index) {
        if (((_mm_getcsr() & flush) == flush) != flushing) wrong.fetch_add(1);
      });
    }
    CHECK(wrong.load() == 0);
  }
}
#endif

TEST_CASE("A product computed in bands equals the plain product", "[threads]") {
  const Threads two(2);
  // (m × k) · (k × n): banded by rows (m ≥ n) and by columns (m < n), several tasks each.
  for (const auto& [m, k, n] : {std::tuple<Index, Index, Index>{300, 200, 40}, {40, 200, 300}, {97, 301, 13}}) {
    INFO(m << " × " << k << " × " << n);
    const Matrix<double> a = random_matrix(m, k, 1), b = random_matrix(k, n, 2), c0 = random_matrix(m, n, 3);
    Matrix<double> product(m, n);
    tinynet::detail::parallel_product(product, a, b, false);
    CHECK((product - a * b).cwiseAbs().maxCoeff() < 1e-12);
    Matrix<double> sum = c0;
    tinynet::detail::parallel_product(sum, a, b, true);
    CHECK((sum - (c0 + a * b)).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("Dense's banded products equal W·X, dY·Xᵀ and Wᵀ·dY", "[threads][dense]") {
  const Threads two(2);
  tinynet::Dense<double> layer(700, 160);  // large enough for several bands in each product
  layer.build({700}, 4);
  layer.compute_input_gradient = true;
  const Matrix<double> x = random_matrix(700, 48, 5), dy = random_matrix(160, 48, 6);
  const Matrix<double> y = layer.forward(x, tinynet::Mode::training);
  CHECK((y - ((layer.W * x).colwise() + layer.b.col(0))).cwiseAbs().maxCoeff() < 1e-12);
  layer.dW.setZero();
  const Matrix<double> dx = layer.backward(dy);
  CHECK((layer.dW - dy * x.transpose()).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((dx - layer.W.transpose() * dy).cwiseAbs().maxCoeff() < 1e-12);
}

namespace {
// Trains a model whose products, convolution chunks and element-wise layers are all cut into
// several tasks, and returns its saved file's bytes.
std::string trained_with(int threads, bool cnn, const std::filesystem::path& path) {
  const Threads scope(threads);
  tinynet::Sequential<float> model =
      cnn ? tinynet::Sequential<float>({12, 12, 1}, 3) : tinynet::Sequential<float>({784}, 3);
  if (cnn) model.add<tinynet::Conv2D>(8, 3).add<tinynet::ReLU>().add<tinynet::MaxPooling2D>(2).add<tinynet::Flatten>();
  model.add<tinynet::Dense>(160).add<tinynet::ReLU>().add<tinynet::Dense>(10).add<tinynet::Softmax>();
  model.compile(tinynet::Adam{.learning_rate = 1e-3}, tinynet::SparseCategoricalCrossentropy{});
  const Index features = cnn ? 144 : 784, n = 256;
  Matrix<float> x = random_matrix(features, n, 7).cast<float>();
  std::vector<int> y(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = static_cast<int>(i % 10);
  model.fit(x, y, {.epochs = 2, .batch_size = 128, .seed = 9, .verbose = 0});
  tinynet::io::save_model(model, path.string(), {.include_optimizer = true});
  return tinynet_test::read_bytes(path);
}
}  // namespace

TEST_CASE("1 and 2 threads train byte-identical models, MLP and CNN", "[threads][reproducibility]") {
  const auto dir = tinynet_test::scratch_dir("threads", "identical");
  for (const bool cnn : {false, true}) {
    INFO((cnn ? "CNN" : "MLP"));
    const std::string one = trained_with(1, cnn, dir / "one.safetensors");
    const std::string two = trained_with(2, cnn, dir / "two.safetensors");
    CHECK(one.size() > 100000);
    CHECK(one == two);
  }
}
