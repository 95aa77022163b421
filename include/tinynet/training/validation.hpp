// The data fit() validates on at the end of every epoch, as Keras chooses it:
//
//   validation_data given    that data (validation_split is then ignored, as in Keras)
//   validation_split = f     the last ⌊…⌋ samples of x: x is cut before any shuffling, the first
//                            train_count = ⌊n · (1 − f)⌋ samples train and the rest validate
//   neither                  no validation; the epoch logs carry no val_ metrics
#pragma once

#include <tinynet/data/samples.hpp>
#include <tinynet/model/targets.hpp>
#include <tinynet/tensor.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynet {

// Data to validate on: values or Images (x = &matrix or &images), with integer labels or
// one-hot targets.
template <typename T>
struct ValidationData {
  Samples<T> x{};
  const std::vector<int>* labels = nullptr;  // for sparse_categorical_crossentropy
  const Matrix<T>* targets = nullptr;        // for categorical_crossentropy
};

// What resolve_validation decided.
template <typename T>
struct Validation {
  Index train_count = 0;  // fit trains on the first train_count samples of x
  Samples<T> x{};         // validates on columns [first, first + count) of x (none: no validation)
  Index first = 0, count = 0;
  Matrix<T> targets;  // (classes × count) one-hot targets of those samples

  bool present() const { return static_cast<bool>(x); }
};

// `model` provides check_input(x, who) and classes().
template <typename Model, typename T>
Validation<T> resolve_validation(const Model& model, Samples<T> x, const Matrix<T>& targets, double split,
                                 const ValidationData<T>& data) {
  if (!(split >= 0 && split < 1))
    throw std::invalid_argument("fit: validation_split must be in [0, 1), got " + std::to_string(split));
  Validation<T> v;
  v.train_count = x.cols();
  if (data.x) {
    const std::string who = "fit (validation_data)";
    model.check_input(data.x, who);
    if (data.labels) {
      v.targets = one_hot<T>(*data.labels, data.x.cols(), model.classes(), who);
    } else if (data.targets) {
      check_targets(*data.targets, data.x.cols(), model.classes(), who);
      v.targets = *data.targets;
    } else {
      throw std::invalid_argument("fit: validation_data has x but neither labels nor targets");
    }
    v.x = data.x;
    v.count = data.x.cols();
  } else if (split > 0) {
    v.train_count = static_cast<Index>(std::floor(static_cast<double>(x.cols()) * (1.0 - split)));
    if (v.train_count <= 0 || v.train_count >= x.cols())
      throw std::invalid_argument("fit: validation_split " + std::to_string(split) +
                                  " leaves no training or no validation samples of " + std::to_string(x.cols()));
    v.x = x;
    v.first = v.train_count;
    v.count = x.cols() - v.train_count;
    v.targets = targets.rightCols(v.count);
  }
  if (v.x && v.count == 0) throw std::invalid_argument("fit: the validation data has no samples");
  return v;
}

}  // namespace tinynet
