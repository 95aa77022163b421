// Regularizers: Keras's penalty definitions (l2(0.001) adds 0.001·ΣW², not half of it), and the
// gradient a training step applies, held against finite differences of the whole loss
// (cross-entropy + penalty) of a small Sequential model.
#include "catch.hpp"
#include "config_of.hpp"
#include "gradient_check.hpp"

#include <tinynet/layers/dense.hpp>
#include <tinynet/layers/softmax.hpp>
#include <tinynet/optimizers/sgd.hpp>
#include <tinynet/regularizers.hpp>
#include <tinynet/sequential.hpp>

#include <cmath>
#include <string>
#include <vector>

using tinynet::Matrix;

TEST_CASE("Regularizer penalties are Keras's: l1·Σ|W| + l2·ΣW²", "[regularizers]") {
  Matrix<double> w(2, 2);
  w << 1, -2, 0.5, 3;  // Σ|W| = 6.5, ΣW² = 14.25
  CHECK(tinynet::L2(0.001).penalty(w) == Catch::Approx(0.001 * 14.25));
  CHECK(tinynet::L1(0.01).penalty(w) == Catch::Approx(0.01 * 6.5));
  CHECK(tinynet::L1L2(0.01, 0.001).penalty(w) == Catch::Approx(0.01 * 6.5 + 0.001 * 14.25));
  CHECK_FALSE(tinynet::Regularizer{}.active());
  CHECK(tinynet::Regularizer{}.penalty(w) == 0);

  Matrix<double> dw = Matrix<double>::Zero(2, 2);
  tinynet::L1L2(0.01, 0.001).add_gradient(w, dw);
  Matrix<double> expected(2, 2);
  expected << 0.01 + 0.002 * 1, -0.01 + 0.002 * -2, 0.01 + 0.002 * 0.5, 0.01 + 0.002 * 3;
  CHECK((dw - expected).cwiseAbs().maxCoeff() < 1e-15);
}

namespace {

// Input (4) → Dense(3, kernel_regularizer) → Softmax; compute_gradients computes every gradient
// but changes no weight.
tinynet::Sequential<double> regularized_model(tinynet::Regularizer regularizer) {
  tinynet::Sequential<double> model({4}, 5);
  model.add<tinynet::Dense>(3, tinynet::DenseOptions{.kernel_regularizer = regularizer}).add<tinynet::Softmax>();
  model.compile(tinynet::SGD{}, tinynet::SparseCategoricalCrossentropy{});
  return model;
}

}  // namespace

TEST_CASE("A regularized Dense's training gradient matches finite differences of the loss with its penalty",
          "[regularizers][gradient]") {
  const Matrix<double> x = tinynet_test::random_matrix(4, 6, 21, -2, 2);
  const std::vector<int> labels = {0, 2, 1, 1, 0, 2};
  Matrix<double> targets = Matrix<double>::Zero(3, 6);
  for (int n = 0; n < 6; ++n) targets(labels[static_cast<std::size_t>(n)], n) = 1;

  struct Case {
    std::string name;
    tinynet::Regularizer regularizer;
  };
  for (const Case& c :
       {Case{"L1", tinynet::L1(0.05)}, Case{"L2", tinynet::L2(0.1)}, Case{"L1L2", tinynet::L1L2(0.05, 0.1)}}) {
    INFO(c.name);
    tinynet::Sequential<double> model = regularized_model(c.regularizer);
    auto& dense = dynamic_cast<tinynet::Dense<double>&>(model.layer(0));
    dense.b = tinynet_test::random_matrix(3, 1, 22);

    // The loss a step reports: mean cross-entropy plus the penalty.
    const double ce = model.evaluate(x, labels).loss - model.regularization_loss();
    const double reported = model.compute_gradients(x, targets).loss;
    CHECK(model.regularization_loss() == Catch::Approx(c.regularizer.penalty(dense.W)));
    CHECK(reported == Catch::Approx(ce + c.regularizer.penalty(dense.W)));
    const Matrix<double> dW = dense.dW, db = dense.db;

    // evaluate() returns the same full loss (Dense and Softmax behave alike in both modes).
    auto loss = [&] { return model.evaluate(x, labels).loss; };
    const Matrix<double> numeric_W = tinynet_test::numeric_gradient(dense.W, loss);
    const Matrix<double> numeric_b = tinynet_test::numeric_gradient(dense.b, loss);
    CHECK(tinynet_test::relative_error(dW, numeric_W) < 1e-6);
    CHECK(tinynet_test::relative_error(db, numeric_b) < 1e-6);  // the bias is not regularized

    // And the penalty's share really is in dW: without it the gradient would differ.
    tinynet::Sequential<double> plain = regularized_model({});
    auto& plain_dense = dynamic_cast<tinynet::Dense<double>&>(plain.layer(0));
    plain_dense.b = dense.b;
    plain.compute_gradients(x, targets);
    Matrix<double> penalty_gradient = Matrix<double>::Zero(3, 4);
    c.regularizer.add_gradient(dense.W, penalty_gradient);
    CHECK((dW - plain_dense.dW - penalty_gradient).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("Only the kernel is penalised, and an unregularized model has no penalty", "[regularizers]") {
  tinynet::Sequential<float> model({8});
  model.add<tinynet::Dense>(4, tinynet::DenseOptions{.kernel_regularizer = tinynet::L2(0.001)})
      .add<tinynet::Dense>(2)
      .add<tinynet::Softmax>();
  model.compile(tinynet::SGD{}, tinynet::SparseCategoricalCrossentropy{});
  const auto& first = dynamic_cast<const tinynet::Dense<float>&>(model.layer(0));
  CHECK(model.regularization_loss() == Catch::Approx(0.001 * first.W.squaredNorm()));
  const auto params = model.parameters();
  CHECK(params[0].regularizer.active());        // kernel of layer 1
  CHECK_FALSE(params[1].regularizer.active());  // its bias
  CHECK_FALSE(params[2].regularizer.active());  // kernel of layer 2
  CHECK(tinynet_test::config_of(first)["kernel_regularizer"]["l2"].get<double>() == Catch::Approx(0.001));
}
