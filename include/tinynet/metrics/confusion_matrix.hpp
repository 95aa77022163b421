// The confusion matrix of a classifier: counts(t, p) = number of samples of true class t that
// were predicted as class p (rows true, columns predicted, as scikit-learn lays it out).
#pragma once

#include <tinynet/tensor.hpp>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynet {

// K×K counts from two label lists of equal length, each label in [0, num_classes). Throws
// std::invalid_argument on a length mismatch or a label out of range, naming its index and value.
inline Matrix<int> confusion_matrix(const std::vector<int>& true_labels, const std::vector<int>& predicted,
                                    int num_classes) {
  if (num_classes <= 0)
    throw std::invalid_argument("confusion_matrix: num_classes must be positive, got " + std::to_string(num_classes));
  if (true_labels.size() != predicted.size())
    throw std::invalid_argument("confusion_matrix: " + std::to_string(true_labels.size()) + " true labels but " +
                                std::to_string(predicted.size()) + " predictions");
  auto check = [num_classes](const char* which, std::size_t i, int label) {
    if (label < 0 || label >= num_classes)
      throw std::invalid_argument("confusion_matrix: " + std::string(which) + "[" + std::to_string(i) + "] = " +
                                  std::to_string(label) + " is outside [0, " + std::to_string(num_classes) + ")");
  };
  Matrix<int> counts = Matrix<int>::Zero(num_classes, num_classes);
  for (std::size_t i = 0; i < true_labels.size(); ++i) {
    check("true_labels", i, true_labels[i]);
    check("predicted", i, predicted[i]);
    ++counts(true_labels[i], predicted[i]);
  }
  return counts;
}

}  // namespace tinynet
