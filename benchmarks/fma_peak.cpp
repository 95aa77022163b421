// fma_peak: the machine's single-precision FMA peak, in GFLOP/s, with 1 and 2 threads.
//
// What it measures. Each thread runs A independent chains of fused multiply-adds on the widest
// vector registers the compiler may use (-march=native: AVX-512 `__m512` when __AVX512F__ is
// defined, else AVX2 + FMA `__m256`, else a scalar std::fma fallback that says so):
//
//   a_k ← a_k · m + c        for k = 1..A, repeated `iterations` times
//
// One FMA is 2 floating-point operations per lane, so a thread does 2 · lanes · A · iterations
// FLOPs. A chain's next FMA must wait for the previous one (about 4 cycles of latency), so one
// chain alone runs at a quarter of the speed or less; with A = 12 independent chains per thread
// a core with two FMA pipes always has work for both, and the figure is the throughput peak the
// hardware offers (what no real program reaches; the harness reports each model's fraction of it).
// m and c keep every a_k near 1, so no value overflows or becomes denormal.
//
// How. Each figure is the best of --repeat timed runs of --seconds each (the iteration count is
// calibrated once per thread count), timed around an OpenMP parallel region whose threads have
// already been started. The best, not the median: the peak is what the hardware can do, and
// anything else on the machine only lowers it.
//
//   fma_peak [--threads 1,2] [--seconds 0.25] [--repeat 5]
//
// prints one JSON line per thread count:
//   {"kind": "fma_peak", "isa": "avx512f", "lanes": 16, "accumulators": 12, "threads": 1, "gflops": 115.2, ...}
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif
#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

constexpr int accumulators = 12;

#if defined(__AVX512F__)
constexpr const char* isa = "avx512f";
constexpr int lanes = 16;
using Vec = __m512;
inline Vec splat(float x) { return _mm512_set1_ps(x); }
inline Vec fmadd(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
inline Vec add(Vec a, Vec b) { return _mm512_add_ps(a, b); }
// Stored and summed by hand: GCC 12's _mm512_reduce_add_ps trips -Wuninitialized inside its own header.
inline float sum(Vec v) {
  alignas(64) float x[16];
  _mm512_store_ps(x, v);
  float s = 0;
  for (float f : x) s += f;
  return s;
}
#elif defined(__AVX2__) && defined(__FMA__)
constexpr const char* isa = "avx2+fma";
constexpr int lanes = 8;
using Vec = __m256;
inline Vec splat(float x) { return _mm256_set1_ps(x); }
inline Vec fmadd(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
inline Vec add(Vec a, Vec b) { return _mm256_add_ps(a, b); }
inline float sum(Vec v) {
  alignas(32) float x[8];
  _mm256_store_ps(x, v);
  float s = 0;
  for (float f : x) s += f;
  return s;
}
#else
constexpr const char* isa = "scalar (no AVX2/FMA at compile time: build with -march=native)";
constexpr int lanes = 1;
using Vec = float;
inline Vec splat(float x) { return x; }
inline Vec fmadd(Vec a, Vec b, Vec c) { return std::fma(a, b, c); }
inline Vec add(Vec a, Vec b) { return a + b; }
inline float sum(Vec v) { return v; }
#endif

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// One step of every chain, written out (a fold over constant indices) so that the accumulators
// live in registers at any optimisation level, not in a stack array the loop reloads.
template <std::size_t... K>
inline void step(Vec (&a)[accumulators], Vec m, Vec c, std::index_sequence<K...>) {
  ((a[K] = fmadd(a[K], m, c)), ...);
}

// One thread's work: `accumulators` independent FMA chains, `iterations` steps each.
float chains(long iterations) {
  Vec a[accumulators];
  for (int k = 0; k < accumulators; ++k) a[k] = splat(1.0f + 1e-3f * static_cast<float>(k));
  const Vec m = splat(0.9999999f), c = splat(1e-7f);
  for (long i = 0; i < iterations; ++i) step(a, m, c, std::make_index_sequence<accumulators>{});
  Vec s = a[0];
  for (int k = 1; k < accumulators; ++k) s = add(s, a[k]);
  return sum(s);  // returned and printed, so the loop cannot be optimised away
}

// Seconds for `threads` threads each running chains(iterations); `sink` collects their results.
double timed_run(int threads, long iterations, float& sink) {
  const double start = now();
  float total = 0;
#if defined(_OPENMP)
#pragma omp parallel num_threads(threads) reduction(+ : total)
  total += chains(iterations);
#else
  (void)threads;
  total = chains(iterations);
#endif
  const double seconds = now() - start;
  sink += total;
  return seconds;
}

std::vector<int> parse_list(const std::string& s) {
  std::vector<int> out;
  std::size_t at = 0;
  while (at <= s.size()) {
    const std::size_t comma = s.find(',', at);
    const std::string item = s.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    if (!item.empty()) out.push_back(std::max(1, std::atoi(item.c_str())));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> thread_counts{1, 2};
  double seconds = 0.25;
  int repeat = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--threads" && has_value) {
      thread_counts = parse_list(argv[++i]);
    } else if (arg == "--seconds" && has_value) {
      seconds = std::max(1e-3, std::atof(argv[++i]));
    } else if (arg == "--repeat" && has_value) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: fma_peak [--threads 1,2] [--seconds 0.25] [--repeat 5]\n");
      return arg == "--help" ? 0 : 2;
    }
  }
#if !defined(_OPENMP)
  std::fprintf(stderr, "fma_peak: built without OpenMP: every figure is for one thread\n");
#endif

  float sink = 0;
  for (int threads : thread_counts) {
    timed_run(threads, 1000, sink);  // start the threads
    // Calibrate: double the iteration count until a run takes a tenth of the target time.
    long iterations = 1 << 16;
    double t = timed_run(threads, iterations, sink);
    while (t < seconds / 10 && iterations < (1L << 40)) {
      iterations *= 2;
      t = timed_run(threads, iterations, sink);
    }
    iterations = std::max(1L, static_cast<long>(static_cast<double>(iterations) * seconds / t));
    double best = 1e300;
    for (int r = 0; r < repeat; ++r) best = std::min(best, timed_run(threads, iterations, sink));
    const double flops = 2.0 * lanes * accumulators * static_cast<double>(iterations) * threads;
    std::printf(
        "{\"kind\": \"fma_peak\", \"isa\": \"%s\", \"lanes\": %d, \"accumulators\": %d, \"threads\": %d, "
        "\"iterations\": %ld, \"best_of\": %d, \"seconds\": %.6f, \"gflops\": %.2f, \"checksum\": %.3g}\n",
        isa, lanes, accumulators, threads, iterations, repeat, best, flops / best / 1e9, static_cast<double>(sink));
    std::fflush(stdout);
  }
  return 0;
}
