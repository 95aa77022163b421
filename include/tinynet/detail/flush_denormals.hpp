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
// Both are bits of the SSE control register MXCSR, which every thread has its own copy of. They
// are set on the calling thread, and the previous values are put back when the scope ends; the
// pool's workers run every task with the calling thread's MXCSR (detail/thread_pool.hpp), so
// they flush too. On other processors this does nothing.
#pragma once

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace tinynet::detail {

class ScopedFlushDenormals {
 public:
  ScopedFlushDenormals() {
#if defined(__SSE2__)
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ | flush_bits);
#endif
  }

  ~ScopedFlushDenormals() {
#if defined(__SSE2__)
    // the old modes, keeping the status flags raised since
    _mm_setcsr((_mm_getcsr() & status_flags) | (saved_ & ~status_flags));
#endif
  }

  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

  static constexpr unsigned flush_bits = 0x8040;    // MXCSR bit 15 (FTZ) | bit 6 (DAZ)
  static constexpr unsigned status_flags = 0x003F;  // MXCSR bits 0-5: sticky exception flags, not modes

 private:
  unsigned saved_ = 0;  // MXCSR before
};

}  // namespace tinynet::detail
