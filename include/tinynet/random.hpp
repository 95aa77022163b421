// Random numbers that are the same everywhere: every random draw tinynet makes — initial
// weights, the shuffling order of fit, Dropout's masks, augmentation, k-fold splits — comes
// from this one class, so that a seed gives the same model with every compiler and standard
// library.
//
// The engine is std::mt19937_64, whose output the C++ standard fixes bit for bit. The standard
// distributions (std::uniform_real_distribution, std::shuffle, ...) are not fixed — libstdc++
// and libc++ turn the same engine output into different numbers — so the draws are written
// out here:
//
//   uniform()        u = (top 53 bits of one engine output) · 2⁻⁵³       u ∈ [0, 1), every double step
//   uniform(a, b)    a + (b − a) · u
//   below(n)         an integer in [0, n), exactly uniform: engine outputs in the last,
//                    incomplete block of n values are rejected and drawn again
//   integer(a, b)    a + below(b − a + 1)                                 an integer in [a, b]
//   bernoulli(p)     uniform() < p
//   shuffle(v)       Fisher–Yates from the back: swap v[i] with v[below(i + 1)], i = n−1 … 1
//
// and, for a layer that needs one number per value of a batch (Dropout's mask), draws by index:
//
//   at(key, i)          the i-th output of a SplitMix64 generator started at key,
//                       splitmix64(key + i·γ) (γ = 0x9E3779B97F4A7C15, SplitMix64's step)
//   uniform_at(key, i)  (top 53 bits of at(key, i)) · 2⁻⁵³
//
// Each depends on (key, i) alone, so a batch's draws can be made in any order, in blocks on the
// threads, and are the same on any number of them; the key itself is one next() of the layer's
// generator. (One engine draw per value, in order, cost the deep MLP a fifth of its training step.)
//
// Random(seed, stream) is an independent generator for one part of a run — fit draws epoch e's
// order and augmentation from Random(seed, e) — so that a run resumed at epoch e draws exactly
// what the uninterrupted run drew there. Its engine seed is splitmix64(seed + splitmix64(stream)).
#pragma once

#include <tinynet/tensor.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tinynet {

class Random {
 public:
  explicit Random(std::uint64_t seed = 42) : engine_(seed) {}
  Random(std::uint64_t seed, std::uint64_t stream) : engine_(splitmix64(seed + splitmix64(stream))) {}

  void seed(std::uint64_t seed) { engine_.seed(seed); }

  // One raw 64-bit engine output.
  std::uint64_t next() { return engine_(); }

  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  double uniform(double low, double high) { return low + (high - low) * uniform(); }

  std::uint64_t below(std::uint64_t n) {
    if (n == 0) throw std::invalid_argument("Random::below: n must be positive");
    const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    const std::uint64_t limit = max - (max % n + 1) % n;  // outputs above it would favour small values
    std::uint64_t x = engine_();
    while (x > limit) x = engine_();
    return x % n;
  }

  Index integer(Index low, Index high) {
    if (high < low)
      throw std::invalid_argument("Random::integer: empty range [" + std::to_string(low) + ", " + std::to_string(high) +
                                  "]");
    return low + static_cast<Index>(below(static_cast<std::uint64_t>(high - low) + 1));
  }

  bool bernoulli(double p) { return uniform() < p; }

  template <typename V>
  void shuffle(std::vector<V>& values) {
    for (std::size_t i = values.size(); i-- > 1;) std::swap(values[i], values[static_cast<std::size_t>(below(i + 1))]);
  }

  static std::uint64_t at(std::uint64_t key, std::uint64_t i) { return splitmix64(key + i * golden_gamma); }
  static double uniform_at(std::uint64_t key, std::uint64_t i) {
    return static_cast<double>(at(key, i) >> 11) * 0x1.0p-53;
  }

  // A 64-bit mix (Steele, Lea and Flood's SplitMix64 finaliser): nearby inputs give unrelated outputs.
  static std::uint64_t splitmix64(std::uint64_t x) {
    x += golden_gamma;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
  }

 private:
  static constexpr std::uint64_t golden_gamma = 0x9E3779B97F4A7C15ULL;  // 2⁶⁴ / φ, odd
  std::mt19937_64 engine_;
};

}  // namespace tinynet
