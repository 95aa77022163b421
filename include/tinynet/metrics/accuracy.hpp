// Classification accuracy: the share of samples whose highest-probability class is the true one.
//
//   predicted_n = argmax_i P[i, n]          accuracy = (1/N) Σ_n 1[predicted_n = y_n]
//
// Ties go to the lowest class index (Eigen's maxCoeff, numpy's argmax).
#pragma once

#include <tinynet/tensor.hpp>

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

// The accuracy of class probabilities (classes × N) against N integer labels.
template <typename T>
double accuracy(const Matrix<T>& probabilities, const std::vector<int>& labels) {
  if (static_cast<Index>(labels.size()) != probabilities.cols())
    throw std::invalid_argument("accuracy: " + std::to_string(probabilities.cols()) + " predictions but " +
                                std::to_string(labels.size()) + " labels");
  if (labels.empty()) throw std::invalid_argument("accuracy: no samples");
  const std::vector<int> predicted = argmax_columns(probabilities);
  Index correct = 0;
  for (std::size_t n = 0; n < labels.size(); ++n) correct += predicted[n] == labels[n];
  return static_cast<double>(correct) / static_cast<double>(labels.size());
}

}  // namespace tinynet
