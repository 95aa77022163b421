// Softmax over the features of each sample (each column): turns scores into probabilities.
//
// Forward, for one column z:
//
//   p_i = exp(z_i − max_j z_j) / Σ_k exp(z_k − max_j z_j)
//
// (subtracting the max changes nothing mathematically and keeps exp from overflowing).
//
// Backward: the Jacobian is dp_i/dz_j = p_i (δ_ij − p_j), so for dL/dp = dp
//
//   dL/dz_j = Σ_i dp_i p_i (δ_ij − p_j) = p_j (dp_j − Σ_i dp_i p_i)
//
// As the output layer under cross-entropy, Sequential does not call this backward at all: the
// two derivatives combined simplify to dL/dz = p − onehot(y) (see losses/cross_entropy.hpp),
// which needs no division by p and so can produce no NaN when some p_i is 0.
#pragma once

#include <tinynet/layers/layer.hpp>

namespace tinynet {

template <typename T>
class Softmax : public Layer<T> {
 public:
  std::string type() const override { return "Softmax"; }

  Shape build(const Shape& input_shape, std::uint64_t) override {
    if (input_shape.rank() != 1)
      throw std::invalid_argument("Softmax expects a flat input (features), got shape " + input_shape.to_string());
    this->input_shape_ = this->output_shape_ = input_shape;
    return input_shape;
  }

  const Matrix<T>& forward(const MatrixRef<T>& z, Mode) override {
    this->check_forward(z);
    column_max = z.colwise().maxCoeff();
    P = (z.rowwise() - column_max).array().exp();  // exp(z − max)
    column_sum = P.colwise().sum();
    P.array().rowwise() /= column_sum.array();  // / Σ exp
    return P;
  }

  const Matrix<T>& backward(const Matrix<T>& dp) override {
    this->check_backward(P, dp);
    // dL/dz = p ⊙ (dp − Σ_i dp_i p_i), column by column
    column_sum = dp.cwiseProduct(P).colwise().sum();  // Σ_i dp_i p_i
    dZ = P.array() * (dp.rowwise() - column_sum).array();
    return dZ;
  }

  const Matrix<T>& probabilities() const { return P; }

 private:
  Matrix<T> P;                                                 // output probabilities, (classes × N)
  Matrix<T> dZ;                                                // dL/dz
  Eigen::Matrix<T, 1, Eigen::Dynamic> column_max, column_sum;  // (1 × N) scratch, reused
};

}  // namespace tinynet
