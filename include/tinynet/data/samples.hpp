// Where a model's samples come from, one per column: values (a Matrix<T>, features × N) or
// images stored as bytes (Images, data/images.hpp), which are converted batch by batch.
// fit, evaluate, predict and the validation data read their batches through this view. It owns
// nothing: what it points to must outlive it.
#pragma once

#include <tinynet/data/images.hpp>
#include <tinynet/detail/parallel.hpp>
#include <tinynet/tensor.hpp>

#include <algorithm>

namespace tinynet {

template <typename T>
class Samples {
 public:
  Samples() = default;  // no samples
  Samples(const Matrix<T>* values) : values_(values) {}
  Samples(const Images* images) : images_(images) {}

  explicit operator bool() const { return values_ != nullptr || images_ != nullptr; }
  Index rows() const { return values_ ? values_->rows() : images_->rows(); }  // features per sample
  Index cols() const { return values_ ? values_->cols() : images_->cols(); }  // samples

  // The matrix, when the samples are values (nullptr for images).
  const Matrix<T>* values() const { return values_; }

  // out = the samples at `columns` (any indexable list of Index), as values.
  template <typename Columns>
  void gather(const Columns& columns, Matrix<T>& out) const {
    if (values_)
      detail::gather_columns(*values_, columns, out);
    else
      images_->gather_values(columns, out);
  }

  // Asks the processor to start loading the samples at `columns` into its caches, and returns at
  // once. fit calls it for the next batch: a batch's samples are scattered over the whole data
  // set, and the step that gathers them waited for each in turn (a tenth of the notebook MLP's
  // epoch); prefetched, they arrive while the step before computes.
  template <typename Columns>
  void prefetch(const Columns& columns) const {
    for (Index j = 0; j < static_cast<Index>(columns.size()); ++j) prefetch_sample(columns[j]);
  }
  void prefetch_sample(Index sample) const {
    const Index bytes = rows() * static_cast<Index>(values_ ? sizeof(T) : 1);
    detail::prefetch(
        values_ ? static_cast<const void*>(values_->col(sample).data()) : images_->bytes().col(sample).data(), bytes);
  }

  // out[0 .. rows() − 1] = sample `sample`, as values.
  void copy_sample(Index sample, T* out) const {
    if (values_)
      std::copy_n(values_->col(sample).data(), values_->rows(), out);
    else
      images_->copy_values(sample, 1, Eigen::Map<Matrix<T>>(out, rows(), 1));
  }

  // out = samples first .. first + n − 1, as values, in column blocks over the threads.
  void copy(Index first, Index n, Matrix<T>& out) const {
    out.resize(rows(), n);
    detail::for_column_blocks(rows(), n, [&](Index block, Index count) {
      Eigen::Map<Matrix<T>> part(out.col(block).data(), rows(), count);
      if (values_)
        part = values_->middleCols(first + block, count);
      else
        images_->copy_values(first + block, count, part);
    });
  }

 private:
  const Matrix<T>* values_ = nullptr;
  const Images* images_ = nullptr;
};

}  // namespace tinynet
