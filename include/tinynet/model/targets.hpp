// Targets for the loss: integer class labels become one-hot columns, and both kinds are
// checked against the data and the model's class count, with errors that name the sample.
//
//   labels {2, 0}, 3 classes  →  [[0, 1],
//                                 [0, 0],
//                                 [1, 0]]     (classes × N): column n is 1 at row labels[n]
#pragma once

#include <tinynet/tensor.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace tinynet {

// One-hot columns of `labels`, which must be `samples` labels each in [0, classes). `who` names
// the caller in error messages ("Sequential::fit").
template <typename T>
Matrix<T> one_hot(const std::vector<int>& labels, Index samples, Index classes, const std::string& who) {
  if (static_cast<Index>(labels.size()) != samples)
    throw std::invalid_argument(who + ": " + std::to_string(samples) + " samples but " + std::to_string(labels.size()) +
                                " labels");
  Matrix<T> targets = Matrix<T>::Zero(classes, samples);
  for (Index n = 0; n < samples; ++n) {
    const int label = labels[static_cast<std::size_t>(n)];
    if (label < 0 || label >= classes)
      throw std::invalid_argument(who + ": label " + std::to_string(label) + " at index " + std::to_string(n) +
                                  " is outside 0.." + std::to_string(classes - 1) + " (the model has " +
                                  std::to_string(classes) + " outputs)");
    targets(label, n) = T(1);
  }
  return targets;
}

// Throws unless `targets` is (classes × samples).
template <typename T>
void check_targets(const Matrix<T>& targets, Index samples, Index classes, const std::string& who) {
  if (targets.cols() != samples || targets.rows() != classes)
    throw std::invalid_argument(who + ": targets are " + std::to_string(targets.rows()) + "×" +
                                std::to_string(targets.cols()) + ", expected " + std::to_string(classes) + "×" +
                                std::to_string(samples) + " (classes × samples)");
}

}  // namespace tinynet
