// Flushing denormal floats to zero while a model trains or predicts.
//
// A float smaller than 2⁻¹²⁶ ≈ 1.2e-38 in magnitude is "denormal", and x86 processors take a
// slow path for every operation that reads or produces one. Training makes them: an L2 penalty
// pulls the weights of always-black border pixels towards zero, and Adam's moment estimates of
// their tiny gradients follow, and the notebook's mlp-deep-l2 ran about 9x slower for it
// (docs/design.md). TensorFlow, and so Keras, runs its CPU kernels with denormals flushed to
// zero; tinynet does the same for the duration of fit, evaluate and predict:
//
//   FTZ (flush to zero):      a denormal result is written as 0
//   DAZ (denormals are zero): a denormal input is read as 0
//
// Both are bits of the SSE control register MXCSR, which every thread has its own copy of, so
// they are set on each OpenMP thread (the pool Eigen's products and tinynet's loops reuse) and
// the previous values are put back when the scope ends. On other processors this does nothing.
#pragma once

#include <vector>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif
#if defined(_OPENMP)
#include <omp.h>
#endif

namespace tinynet::detail {

class ScopedFlushDenormals {
 public:
  ScopedFlushDenormals() {
#if defined(__SSE2__)
#if defined(_OPENMP)
    saved_.assign(static_cast<std::size_t>(omp_get_max_threads()), 0);
#else
    saved_.assign(1, 0);
#endif
    on_every_thread([this](std::size_t thread) {
      saved_[thread] = _mm_getcsr();
      _mm_setcsr(saved_[thread] | flush_bits);
    });
#endif
  }

  ~ScopedFlushDenormals() {
#if defined(__SSE2__)
    on_every_thread([this](std::size_t thread) {  // the old modes, keeping the status flags raised since
      _mm_setcsr((_mm_getcsr() & status_flags) | (saved_[thread] & ~status_flags));
    });
#endif
  }

  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

  static constexpr unsigned flush_bits = 0x8040;    // MXCSR bit 15 (FTZ) | bit 6 (DAZ)
  static constexpr unsigned status_flags = 0x003F;  // MXCSR bits 0-5: sticky exception flags, not modes

 private:
  // Runs f(thread number) on the calling thread (number 0) and on each thread of the OpenMP
  // pool, up to the pool size the constructor saw.
  template <typename F>
  void on_every_thread(F f) {
#if defined(_OPENMP)
#pragma omp parallel num_threads(static_cast <int>(saved_.size()))
    f(static_cast<std::size_t>(omp_get_thread_num()));
#else
    f(0);
#endif
  }

  std::vector<unsigned> saved_;  // each thread's MXCSR before, by OpenMP thread number
};

}  // namespace tinynet::detail
