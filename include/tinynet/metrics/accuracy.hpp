// Classification accuracy: the share of samples whose highest-probability class is the true one.
#pragma once

#include "../tensor.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace tinynet {

// Index of the largest value in each column: the predicted class of each sample.
template <typename T>
std::vector<int> argmax_columns(const Matrix<T>& probabilities) {
  std::vector<int> classes(static_cast<std::size_t>(probabilities.cols()));
  for (Index n = 0; n < probabilities.cols(); ++n) {
    Index best = 0;
    probabilities.col(n).maxCoeff(&best);
    classes[static_cast<std::size_t>(n)] = static_cast<int>(best);
  }
  return classes;
}

// Number of columns where argmax(probabilities) == argmax(targets) (targets one-hot).
template <typename T>
Index count_correct(const Matrix<T>& probabilities, const Matrix<T>& targets) {
  Index correct = 0;
  for (Index n = 0; n < probabilities.cols(); ++n) {
    Index predicted = 0, truth = 0;
    probabilities.col(n).maxCoeff(&predicted);
    targets.col(n).maxCoeff(&truth);
    correct += predicted == truth;
  }
  return correct;
}

}  // namespace tinynet
