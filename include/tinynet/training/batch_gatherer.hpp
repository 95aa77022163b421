// fit's training batches, each gathered while the step before it trains.
//
// A batch is a copy of batch_size scattered samples (for images, bytes turned into values). For
// the notebook MLP on two threads that copy took about 15 µs of a 145 µs step, while the second
// core sat idle through the small layers between the first layer's forward and backward passes.
// So while step k trains on one buffer, the pool's workers gather batch k + 1 into the other in
// their idle moments, one sample at a time (ThreadPool::share_background); whatever they have not
// copied when step k + 1 begins, the calling thread copies then. The values are the same whoever
// copies them. On one thread, the batch is gathered when its step begins, its samples asked for
// during the step before (Samples::prefetch), so that they arrive while that step computes.
#pragma once

#include <tinynet/data/samples.hpp>
#include <tinynet/detail/parallel.hpp>
#include <tinynet/detail/thread_pool.hpp>
#include <tinynet/tensor.hpp>

#include <Eigen/Core>

namespace tinynet::detail {

template <typename T>
class BatchGatherer {
 public:
  using Columns = Eigen::Map<const Eigen::Matrix<Index, Eigen::Dynamic, 1>>;  // the batch's samples

  explicit BatchGatherer(const Samples<T>& x) : x_(x) {}
  ~BatchGatherer() {
    try {
      finish();
    } catch (...) {  // a copy cannot fail on samples that exist; nothing is left to report it to
    }
  }
  BatchGatherer(const BatchGatherer&) = delete;  // the workers hold on to this object
  BatchGatherer& operator=(const BatchGatherer&) = delete;

  // The samples `columns` as a batch, gathered now.
  Matrix<T>& gather(const Columns& columns) {
    finish();
    x_.gather(columns, buffers_[current_]);
    return buffers_[current_];
  }

  // Starts gathering the samples `columns` into the other buffer, for next(); `columns` must
  // stay in place until then.
  void start(const Columns& columns) {
    finish();
    next_ = columns.data();
    Matrix<T>& out = buffers_[1 - current_];
    out.resize(x_.rows(), columns.size());
    shared_ = ThreadPool::instance().share_background(out.cols(), copy_);
    if (!shared_) x_.prefetch(columns);
    pending_ = true;
  }

  // The batch start() began, complete (the buffer the step before read is free again then).
  Matrix<T>& next() {
    finish();
    current_ = 1 - current_;
    return buffers_[current_];
  }

 private:
  // Sample j of the batch ahead into its column, asking first for the ones after it (ask_ahead).
  struct CopySample {
    BatchGatherer* self;
    void operator()(Index j) const {
      Matrix<T>& out = self->buffers_[1 - self->current_];
      ask_ahead(j, 0, out.cols(), [&](Index k) { self->x_.prefetch_sample(self->next_[k]); });
      self->x_.copy_sample(self->next_[j], out.col(j).data());
    }
  };

  // Completes the batch ahead, if one was started: the samples no worker took, copied here.
  void finish() {
    if (!pending_) return;
    pending_ = false;
    if (shared_) {
      ThreadPool::instance().finish_background();
    } else {
      Matrix<T>& out = buffers_[1 - current_];
      x_.gather(Columns(next_, out.cols()), out);
    }
  }

  Samples<T> x_;
  Matrix<T> buffers_[2];         // the batch a step trains on, and the one gathered ahead
  int current_ = 0;              // which is the former
  const Index* next_ = nullptr;  // the batch ahead's samples
  bool pending_ = false;         // a batch ahead was started and not yet completed
  bool shared_ = false;          // its samples were offered to the workers
  CopySample copy_{this};
};

}  // namespace tinynet::detail
