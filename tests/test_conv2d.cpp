// Conv2D: forward against a plain nested-loop convolution, output shapes (valid and same,
// strides 1 and 2), double-precision gradient checks of dK, db and dx, and the notebook CNN
// in a Sequential (parameter count, output shapes, shape errors, a few training steps).
#include "catch.hpp"
#include "config_of.hpp"
#include "gradient_check.hpp"

#include <tinynet/layers/batch_normalization.hpp>
#include <tinynet/layers/conv2d.hpp>
#include <tinynet/layers/dense.hpp>
#include <tinynet/layers/flatten.hpp>
#include <tinynet/layers/max_pooling2d.hpp>
#include <tinynet/layers/relu.hpp>
#include <tinynet/layers/softmax.hpp>
#include <tinynet/optimizers/adam.hpp>
#include <tinynet/sequential.hpp>
#include <tinynet/threads.hpp>

#include <random>

#include <string>

using tinynet::Conv2D;
using tinynet::Conv2DOptions;
using tinynet::Index;
using tinynet::Matrix;
using tinynet::Mode;
using tinynet::Padding;
using tinynet::Shape;

namespace {

// The definition of a convolution, one output value at a time, on channels-last columns:
//   y[oy, ox, f] = b[f] + Σ_{ky,kx,c} K[f, (ky·k + kx)·C_in + c] · x[oy·s + ky − top, ox·s + kx − left, c]
// with x = 0 outside the image. The padding is passed in, not computed, so the test states it.
Matrix<double> reference_convolution(const Matrix<double>& x, Index H, Index W, Index C_in,
                                     const Matrix<double>& kernel, const Matrix<double>& bias, Index k, Index s,
                                     Index top, Index left, Index H_out, Index W_out) {
  const Index F = kernel.rows();
  Matrix<double> y(H_out * W_out * F, x.cols());
  for (Index n = 0; n < x.cols(); ++n)
    for (Index oy = 0; oy < H_out; ++oy)
      for (Index ox = 0; ox < W_out; ++ox)
        for (Index f = 0; f < F; ++f) {
          double sum = bias.size() ? bias(f, 0) : 0.0;
          for (Index ky = 0; ky < k; ++ky)
            for (Index kx = 0; kx < k; ++kx)
              for (Index c = 0; c < C_in; ++c) {
                const Index i = oy * s + ky - top, j = ox * s + kx - left;
                if (i < 0 || i >= H || j < 0 || j >= W) continue;
                sum += kernel(f, (ky * k + kx) * C_in + c) * x((i * W + j) * C_in + c, n);
              }
          y((oy * W_out + ox) * F + f, n) = sum;
        }
  return y;
}

struct Case {
  Index H, W, C_in, filters, k, stride;
  Padding padding;
  bool use_bias;
  Index H_out, W_out, top, left;  // expected, worked out by hand from TensorFlow's rules
};

// 7×6×3 inputs. For same padding with stride 2: H_out = ⌈7/2⌉ = 4, P = 3·2 + 3 − 7 = 2 → top 1;
// W_out = ⌈6/2⌉ = 3, P = 2·2 + 3 − 6 = 1 → left 0, right 1 (the asymmetric case). Kernel 4 with
// stride 1, same: P = 3 → top 1, bottom 2. A 2×1 image with a 3×3 kernel, same: every kernel
// column but the middle one lies wholly in the padding.
//
// Conv2D unfolds an input in one of two layouts, chosen by the length of a kernel row, k·C_in
// (see im2col in conv2d.hpp): the cases up to the 2×1 image have rows shorter than 16 values,
// the last three (6 and 8 channels) longer ones, so both layouts meet the reference, with
// padding on the left and above in each. The last three, 3×3 kernels with stride 1 over 16
// channels, take Winograd's path in forward and for dx (detail/winograd.hpp): an odd number of
// output rows, of output columns, and of both.
const Case cases[] = {
    {7, 6, 3, 4, 3, 1, Padding::valid, true, 5, 4, 0, 0},    {7, 6, 3, 4, 3, 2, Padding::valid, true, 3, 2, 0, 0},
    {7, 6, 3, 4, 3, 1, Padding::same, true, 7, 6, 1, 1},     {7, 6, 3, 4, 3, 2, Padding::same, true, 4, 3, 1, 0},
    {7, 6, 2, 3, 4, 1, Padding::same, false, 7, 6, 1, 1},    {6, 7, 2, 3, 2, 3, Padding::same, true, 2, 3, 0, 0},
    {2, 1, 1, 2, 3, 1, Padding::same, true, 2, 1, 1, 1},     {7, 6, 6, 4, 3, 1, Padding::same, true, 7, 6, 1, 1},
    {7, 6, 6, 4, 3, 2, Padding::same, true, 4, 3, 1, 0},     {6, 7, 8, 3, 2, 3, Padding::same, false, 2, 3, 0, 0},
    {7, 6, 16, 16, 3, 1, Padding::valid, true, 5, 4, 0, 0},  {6, 7, 16, 16, 3, 1, Padding::same, true, 6, 7, 1, 1},
    {5, 5, 16, 32, 3, 1, Padding::valid, false, 3, 3, 0, 0},
};

std::string describe(const Case& c) {
  return std::to_string(c.H) + "x" + std::to_string(c.W) + "x" + std::to_string(c.C_in) + " -> " +
         std::to_string(c.filters) + " filters " + std::to_string(c.k) + "x" + std::to_string(c.k) + " stride " +
         std::to_string(c.stride) + " " + tinynet::to_string(c.padding) + (c.use_bias ? "" : " no bias");
}

// The case's layer, its kernel drawn from `seed` and its bias from seed + 1: two layers made
// with the same seed have the same parameters, whatever their activation.
Conv2D<double> make_layer(const Case& c, std::uint64_t seed,
                          tinynet::Activation activation = tinynet::Activation::linear) {
  Conv2D<double> layer(c.filters, c.k,
                       {.stride = c.stride, .padding = c.padding, .activation = activation, .use_bias = c.use_bias});
  layer.build({c.H, c.W, c.C_in}, seed);
  if (c.use_bias) layer.b = tinynet_test::random_matrix(c.filters, 1, seed + 1);
  return layer;
}

}  // namespace

TEST_CASE("Conv2D forward matches a nested-loop convolution", "[conv2d]") {
  for (const Case& c : cases) {
    INFO(describe(c));
    Conv2D<double> layer = make_layer(c, 3);
    REQUIRE(layer.output_shape() == Shape{c.H_out, c.W_out, c.filters});
    const Matrix<double> x = tinynet_test::random_matrix(c.H * c.W * c.C_in, 3, 5);
    const Matrix<double>& y = layer.forward(x, Mode::inference);
    const Matrix<double> expected =
        reference_convolution(x, c.H, c.W, c.C_in, layer.K, layer.b, c.k, c.stride, c.top, c.left, c.H_out, c.W_out);
    REQUIRE(y.rows() == expected.rows());
    REQUIRE(y.cols() == expected.cols());
    CHECK((y - expected).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("Conv2D forward in float agrees with double", "[conv2d]") {
  Conv2D<double> d(5, 3, {.padding = Padding::same});
  Conv2D<float> f(5, 3, {.padding = Padding::same});
  d.build({6, 5, 2}, 9);
  f.build({6, 5, 2}, 9);
  const Matrix<double> x = tinynet_test::random_matrix(60, 4, 1);
  const Matrix<double> yf = f.forward(x.cast<float>(), Mode::inference).cast<double>();
  CHECK((d.forward(x, Mode::inference) - yf).cwiseAbs().maxCoeff() < 1e-5);
}

TEST_CASE("Winograd's path is taken for 3×3 kernels with stride 1 over whole vectors of channels", "[conv2d]") {
  using Winograd = tinynet::detail::Winograd3x3<double>;
  CHECK(Winograd::applies(3, 1, 16, 16));  // the cases above that exercise it
  CHECK(Winograd::applies(3, 1, 16, 32));
  CHECK_FALSE(Winograd::applies(3, 2, 16, 16));
  CHECK_FALSE(Winograd::applies(4, 1, 16, 16));
  CHECK(tinynet::detail::Winograd3x3<float>::applies(3, 1, 32, 64));  // the notebook CNN's second convolution
}

TEST_CASE("Conv2D by Winograd in float agrees with double, forward and dx", "[conv2d]") {
  Conv2D<double> d(16, 3, {.padding = Padding::same});
  Conv2D<float> f(16, 3, {.padding = Padding::same});
  d.build({6, 5, 16}, 9);
  f.build({6, 5, 16}, 9);
  REQUIRE(tinynet::detail::Winograd3x3<float>::applies(3, 1, 16, 16));
  const Matrix<double> x = tinynet_test::random_matrix(6 * 5 * 16, 3, 1);
  const Matrix<double> dy = tinynet_test::random_matrix(6 * 5 * 16, 3, 2);
  const Matrix<double> yf = f.forward(x.cast<float>(), Mode::training).cast<double>();
  CHECK((d.forward(x, Mode::training) - yf).cwiseAbs().maxCoeff() < 1e-5);
  const Matrix<double> dxf = f.backward(dy.cast<float>()).cast<double>();
  CHECK((d.backward(dy) - dxf).cwiseAbs().maxCoeff() < 1e-5);
}

TEST_CASE("Conv2D by Winograd follows a kernel changed between inference passes", "[conv2d]") {
  // An optimizer step or a loaded file changes K in place; the next pass must transform the new
  // one, not use the transform of the last (two passes per kernel, three kernels).
  const Case& c = cases[11];
  Conv2D<double> layer = make_layer(c, 61);
  const Matrix<double> x = tinynet_test::random_matrix(c.H * c.W * c.C_in, 2, 62);
  for (int pass = 0; pass < 3; ++pass) {
    INFO("pass " << pass);
    const Matrix<double> expected =
        reference_convolution(x, c.H, c.W, c.C_in, layer.K, layer.b, c.k, c.stride, c.top, c.left, c.H_out, c.W_out);
    CHECK((layer.forward(x, Mode::inference) - expected).cwiseAbs().maxCoeff() < 1e-12);
    CHECK((layer.forward(x, Mode::inference) - expected).cwiseAbs().maxCoeff() < 1e-12);
    layer.K(3, 7 + pass) += 0.5;
  }
}

TEST_CASE("Conv2D gradients match finite differences", "[conv2d][gradient]") {
  // Without an activation the layer is linear in x and in K, so a central difference has no
  // truncation error whatever its step: a step of 1e-4 keeps the rounding of (L(v + h) − L(v − h))
  // / 2h near ε·|L|/h ≈ 1e-11, far below the tolerance also for the small entries of dx (a
  // stride-3 kernel sees some inputs once); a wrong gradient is off by a relative 1.
  constexpr double step = 1e-4;
  for (const Case& c : cases) {
    INFO(describe(c));
    Conv2D<double> layer = make_layer(c, 11);
    const auto result = tinynet_test::check_layer_gradients(
        layer, tinynet_test::random_matrix(c.H * c.W * c.C_in, 2, 13), Mode::training, step);
    CHECK(result.input_error < 1e-6);
    CHECK(result.parameter_error < 1e-6);
  }
}

TEST_CASE("Conv2D with activation relu is Conv2D followed by ReLU, forward and backward", "[conv2d]") {
  // Both layouts of cols (3 and 8 channels) and Winograd's path (16 channels), a batch of several
  // chunks, dx and the first-layer case without it: outputs and every gradient equal those of the
  // two separate layers.
  for (const Case& c : {cases[3], cases[9], cases[11]}) {
    INFO(describe(c));
    Conv2D<double> fused = make_layer(c, 41, tinynet::Activation::relu), plain = make_layer(c, 41);
    REQUIRE(fused.K == plain.K);
    tinynet::ReLU<double> relu;
    relu.build(plain.output_shape(), 0);
    const Index N = 37;
    const Matrix<double> x = tinynet_test::random_matrix(c.H * c.W * c.C_in, N, 42);
    const Matrix<double> dy = tinynet_test::random_matrix(c.H_out * c.W_out * c.filters, N, 43);
    const Matrix<double> y = fused.forward(x, Mode::training);
    const Matrix<double> expected = relu.forward(plain.forward(x, Mode::training), Mode::training);
    CHECK((y - expected).cwiseAbs().maxCoeff() < 1e-12);
    CHECK((y.array() == 0).count() > y.size() / 4);  // the activation did cut something
    for (bool input_gradient : {true, false}) {
      fused.compute_input_gradient = plain.compute_input_gradient = input_gradient;
      fused.dK.setZero();
      plain.dK.setZero();
      fused.db.setZero();
      plain.db.setZero();
      const Matrix<double> dx = fused.backward(dy);
      const Matrix<double> dx_expected = plain.backward(relu.backward(dy));
      CHECK((fused.dK - plain.dK).cwiseAbs().maxCoeff() < 1e-11);
      if (c.use_bias) CHECK((fused.db - plain.db).cwiseAbs().maxCoeff() < 1e-11);
      REQUIRE(dx.size() == dx_expected.size());
      if (input_gradient) CHECK((dx - dx_expected).cwiseAbs().maxCoeff() < 1e-12);
    }
  }
}

TEST_CASE("Conv2D with activation relu passes the gradient check", "[conv2d][gradient]") {
  for (const Case& c : {cases[2], cases[7]}) {
    INFO(describe(c));
    Conv2D<double> layer = make_layer(c, 51, tinynet::Activation::relu), linear = make_layer(c, 51);
    const Matrix<double> x = tinynet_test::random_matrix(c.H * c.W * c.C_in, 2, 53);
    // Finite differences hold only away from relu's kink: no z = K·cols + b within 1e-4 of 0.
    REQUIRE(linear.forward(x, Mode::inference).cwiseAbs().minCoeff() > 1e-4);
    const auto result = tinynet_test::check_layer_gradients(layer, x);
    // 1e-5: with many outputs cut to 0, a few entries of dx are small (about 1e-3), and the
    // central difference's rounding (about 1e-8) is a relative 1e-5 of them. Conv2D followed
    // by a ReLU layer shows the same; a wrong mask would be off by a relative 1.
    CHECK(result.input_error < 1e-5);
    CHECK(result.parameter_error < 1e-5);
  }
}

TEST_CASE("Conv2D gradients accumulate or are overwritten, and the first layer skips dx", "[conv2d]") {
  // im2col's dK (2 channels) and Winograd's (16 channels), with a batch of 20 = 2 chunks (16 + 4).
  for (const Index C_in : {2, 16}) {
    INFO(C_in << " channels");
    Conv2D<double> layer(C_in == 16 ? 16 : 3, 3);
    layer.build({5, 5, C_in}, 1);
    const Index F = layer.filters(), N = 20;
    const Matrix<double> x = tinynet_test::random_matrix(25 * C_in, N, 1);
    const Matrix<double> dy = tinynet_test::random_matrix(9 * F, N, 2);
    layer.forward(x, Mode::training);
    layer.backward(dy);
    const Matrix<double> dK = layer.dK, db = layer.db;
    layer.backward(dy);
    CHECK((layer.dK - 2 * dK).cwiseAbs().maxCoeff() < 1e-12);
    CHECK((layer.db - 2 * db).cwiseAbs().maxCoeff() < 1e-12);
    CHECK(db.isApprox(dy.reshaped(F, 9 * N).rowwise().sum()));  // db sums every pixel of every sample

    layer.overwrite_gradients = true;  // what a training step asks: stale values are not added to
    layer.dK.setConstant(1e3);
    layer.db.setConstant(1e3);
    layer.backward(dy);
    CHECK((layer.dK - dK).cwiseAbs().maxCoeff() < 1e-12);
    CHECK((layer.db - db).cwiseAbs().maxCoeff() < 1e-12);
    layer.overwrite_gradients = false;

    layer.compute_input_gradient = false;
    layer.dK.setZero();
    CHECK(layer.backward(dy).size() == 0);
    CHECK(layer.dK.isApprox(dK));
  }
}

TEST_CASE("Conv2D splits a batch into chunks without changing any result", "[conv2d]") {
  // 37 samples are chunks of 16, 16 and 5: every output column must still be the nested-loop
  // convolution of its own sample, and dK, db, dx of the whole batch must equal the sums and
  // columns of 37 one-sample backward passes (Winograd's: dU summed over the chunks, then turned
  // into dK once).
  for (const Case& c : {cases[3], cases[8], cases[10]}) {  // same padding, stride 2, in both layouts of cols; Winograd
    INFO(describe(c));
    const Index N = 37;
    REQUIRE(N > 2 * Conv2D<double>::samples_per_chunk);
    Conv2D<double> batched = make_layer(c, 21), single = make_layer(c, 21);
    const Matrix<double> x = tinynet_test::random_matrix(c.H * c.W * c.C_in, N, 22);
    const Matrix<double> dy = tinynet_test::random_matrix(c.H_out * c.W_out * c.filters, N, 23);
    const Matrix<double> y = batched.forward(x, Mode::training);
    const Matrix<double> expected = reference_convolution(x, c.H, c.W, c.C_in, batched.K, batched.b, c.k, c.stride,
                                                          c.top, c.left, c.H_out, c.W_out);
    CHECK((y - expected).cwiseAbs().maxCoeff() < 1e-12);
    const Matrix<double> dx = batched.backward(dy);
    REQUIRE(dx.cols() == N);
    for (Index n = 0; n < N; ++n) {
      single.forward(x.col(n), Mode::training);
      const Matrix<double>& dx_n = single.backward(dy.col(n));  // dK, db accumulate over the 37 calls
      CHECK((dx.col(n) - dx_n).cwiseAbs().maxCoeff() < 1e-12);
    }
    CHECK((batched.dK - single.dK).cwiseAbs().maxCoeff() < 1e-11);
    CHECK((batched.db - single.db).cwiseAbs().maxCoeff() < 1e-11);
  }
}

TEST_CASE("Conv2D in inference unfolds only the chunks in flight, with the same outputs", "[conv2d]") {
  // 101 samples are 7 chunks; inference cycles them through one slot of cols per thread, so
  // its output must equal training mode's (one slot per chunk) for 1 and 2 threads.
  const Case& c = cases[3];
  const Index N = 101;
  Conv2D<double> layer = make_layer(c, 31);
  const Matrix<double> x = tinynet_test::random_matrix(c.H * c.W * c.C_in, N, 32);
  const Matrix<double> trained = layer.forward(x, Mode::training);
  const int threads_before = tinynet::num_threads();
  for (int threads : {1, 2}) {
    INFO("threads " << threads);
    tinynet::set_num_threads(threads);
    CHECK(layer.forward(x, Mode::inference) == trained);
  }
  tinynet::set_num_threads(threads_before);
  // An inference pass keeps no input, so backward after it is a programming error, said so.
  CHECK_THROWS_WITH(layer.backward(trained), tinynet_test::contains("inference mode"));
}

TEST_CASE("Conv2D reuses its buffers from batch to batch", "[conv2d]") {
  Conv2D<float> layer(4, 3, {.padding = Padding::same});
  layer.build({8, 8, 3}, 1);
  const Matrix<float> x = Matrix<float>::Random(192, 5), dy = Matrix<float>::Random(256, 5);
  const float* y = layer.forward(x, Mode::training).data();
  const float* dx = layer.backward(dy).data();
  CHECK(layer.forward(x, Mode::training).data() == y);
  CHECK(layer.backward(dy).data() == dx);
}

TEST_CASE("Conv2D output shapes follow TensorFlow's padding rules", "[conv2d]") {
  auto out = [](Index size, Index k, Index stride, Padding padding) {
    Conv2D<float> layer(8, k, {.stride = stride, .padding = padding});
    return layer.build({size, size, 1}, 1);
  };
  CHECK(out(28, 3, 1, Padding::valid) == Shape{26, 26, 8});
  CHECK(out(28, 3, 2, Padding::valid) == Shape{13, 13, 8});
  CHECK(out(28, 3, 1, Padding::same) == Shape{28, 28, 8});
  CHECK(out(28, 3, 2, Padding::same) == Shape{14, 14, 8});
  CHECK(out(7, 3, 2, Padding::same) == Shape{4, 4, 8});
  CHECK(out(7, 5, 2, Padding::valid) == Shape{2, 2, 8});
  CHECK(out(3, 5, 1, Padding::same) == Shape{3, 3, 8});  // kernel larger than the image
}

TEST_CASE("Conv2D parameters, initialisation and config", "[conv2d]") {
  Conv2D<float> layer(
      32, 3, {.kernel_initializer = tinynet::Initializer::he_uniform, .kernel_regularizer = tinynet::L2(1e-4)});
  layer.build({28, 28, 1}, 42);
  REQUIRE(layer.K.rows() == 32);
  REQUIRE(layer.K.cols() == 9);
  CHECK(layer.K.cwiseAbs().maxCoeff() <= std::sqrt(6.0f / 9));
  CHECK(layer.b.isZero());
  const auto params = layer.parameters();
  REQUIRE(params.size() == 2);
  CHECK(params[0].name == "kernel");
  CHECK(params[0].regularizer.l2 == 1e-4);
  CHECK(params[1].name == "bias");
  const auto config = tinynet_test::config_of(layer);
  CHECK(config["filters"] == 32);
  CHECK(config["kernel_size"] == 3);
  CHECK(config["strides"] == 1);
  CHECK(config["padding"] == "valid");
  CHECK_FALSE(config.contains("activation"));  // the default is not written (io/configs.hpp)
  CHECK(config["kernel_initializer"] == "he_uniform");
  Conv2D<float> relu(8, 3, {.activation = tinynet::Activation::relu});
  relu.build({5, 5, 1}, 1);
  CHECK(tinynet_test::config_of(relu)["activation"] == "relu");

  Conv2D<float> glorot(64, 3), no_bias(8, 3, {.use_bias = false});
  glorot.build({13, 13, 32}, 1);
  no_bias.build({4, 4, 1}, 1);
  CHECK(glorot.K.cwiseAbs().maxCoeff() <= std::sqrt(6.0f / (9 * 32 + 9 * 64)));  // Keras's fans
  CHECK(no_bias.parameters().size() == 1);
}

TEST_CASE("Conv2D rejects inputs that are not images", "[conv2d]") {
  Conv2D<float> layer(4, 3);
  REQUIRE_THROWS_WITH(
      layer.build({784}, 1),
      tinynet_test::contains("Conv2D expects an image input (height, width, channels), got shape (None, 784)"));
  REQUIRE_THROWS_WITH(layer.build({2, 2, 1}, 1), tinynet_test::contains("got (None, 2, 2, 1)"));
  REQUIRE_THROWS_WITH(Conv2D<float>(0, 3), tinynet_test::contains("filters must be in [1, "));
  REQUIRE_THROWS_WITH(Conv2D<float>(4, 3, {.stride = 0}), tinynet_test::contains("stride must be in [1, "));
  layer.build({5, 5, 2}, 1);
  REQUIRE_THROWS_WITH(layer.backward(Matrix<float>::Zero(36, 1)), tinynet_test::contains("before forward"));
  REQUIRE_THROWS_WITH(layer.forward(Matrix<float>::Zero(25, 1), Mode::training),
                      tinynet_test::contains("expected 50 (None, 5, 5, 2)"));
}

namespace {
// The notebook's CNN for 28×28 grey images.
tinynet::Sequential<float> notebook_cnn() {
  tinynet::Sequential<float> model({28, 28, 1});
  model.add<Conv2D>(32, 3)
      .add<tinynet::ReLU>()
      .add<tinynet::MaxPooling2D>(2)
      .add<Conv2D>(64, 3)
      .add<tinynet::ReLU>()
      .add<tinynet::MaxPooling2D>(2)
      .add<tinynet::Flatten>()
      .add<tinynet::Dense>(64)
      .add<tinynet::ReLU>()
      .add<tinynet::Dense>(10)
      .add<tinynet::Softmax>();
  return model;
}
}  // namespace

TEST_CASE("The notebook CNN has Keras's shapes and parameter count", "[conv2d][sequential]") {
  auto model = notebook_cnn();
  CHECK(model.count_parameters(true) == 121930);
  CHECK(model.count_parameters(false) == 0);
  CHECK(model.layer(0).output_shape() == Shape{26, 26, 32});
  CHECK(model.layer(2).output_shape() == Shape{13, 13, 32});
  CHECK(model.layer(3).output_shape() == Shape{11, 11, 64});
  CHECK(model.layer(5).output_shape() == Shape{5, 5, 64});
  CHECK(model.layer(6).output_shape() == Shape{1600});
  CHECK(model.output_shape() == Shape{10});
  const std::string summary = tinynet::summary_table(model);
  CHECK(summary.find("conv2d (Conv2D)") != std::string::npos);
  CHECK(summary.find("conv2d_1 (Conv2D)") != std::string::npos);
  CHECK(summary.find("max_pooling2d (MaxPooling2D)") != std::string::npos);
  CHECK(summary.find("(None, 13, 13, 32)") != std::string::npos);
  CHECK(summary.find("18,496") != std::string::npos);
  CHECK(summary.find("Total params: 121,930") != std::string::npos);

  const Matrix<float> x = Matrix<float>::Random(784, 3).cwiseAbs();
  const Matrix<float>& p = model.forward(x, Mode::inference);
  REQUIRE(p.rows() == 10);
  REQUIRE(p.cols() == 3);
  CHECK(p.colwise().sum().isOnes(1e-5f));
}

TEST_CASE("Sequential names the layer whose input shape does not fit", "[conv2d][sequential]") {
  tinynet::Sequential<float> model({28, 28, 1});
  model.add<Conv2D>(8, 3);
  REQUIRE_THROWS_WITH(model.add<tinynet::Dense>(10),
                      tinynet_test::contains("layer 2 (Dense) does not fit after layer 1 (Conv2D) with output "
                                             "(None, 26, 26, 8)"));
  REQUIRE_THROWS_WITH(model.add<tinynet::Dense>(10), tinynet_test::contains("add a Flatten layer before it"));

  tinynet::Sequential<float> flat({784});
  REQUIRE_THROWS_WITH(flat.add<Conv2D>(8, 3), tinynet_test::contains("layer 1 (Conv2D) does not fit"));
  REQUIRE_THROWS_WITH(flat.add<tinynet::MaxPooling2D>(2),
                      tinynet_test::contains("MaxPooling2D expects an image input"));

  tinynet::Sequential<float> open({28, 28, 1});
  open.add<Conv2D>(8, 3);
  REQUIRE_THROWS_WITH(open.compile(tinynet::Adam{}, tinynet::SparseCategoricalCrossentropy{}),
                      tinynet_test::contains("add Flatten and Dense layers"));
}

namespace {
// 8×8 images holding one bright bar, horizontal (class 0) or vertical (class 1), somewhere,
// on a little noise.
void bars(Index count, std::uint64_t seed, Matrix<float>& x, std::vector<int>& labels) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<Index> where(1, 6);
  std::uniform_real_distribution<float> noise(0, 0.2f);
  x.resize(64, count);
  labels.resize(static_cast<std::size_t>(count));
  for (Index n = 0; n < count; ++n) {
    for (Index i = 0; i < 64; ++i) x(i, n) = noise(rng);
    const int label = static_cast<int>(n % 2);
    const Index at = where(rng), from = where(rng) - 1;
    for (Index t = from; t < from + 3; ++t) x(label == 0 ? at * 8 + t : t * 8 + at, n) = 1;
    labels[static_cast<std::size_t>(n)] = label;
  }
}
}  // namespace

TEST_CASE("A small CNN learns to tell horizontal from vertical bars", "[conv2d][sequential][training]") {
  Matrix<float> x, x_test;
  std::vector<int> labels, labels_test;
  bars(256, 1, x, labels);
  bars(128, 2, x_test, labels_test);
  tinynet::Sequential<float> model({8, 8, 1}, 7);
  model.add<Conv2D>(4, 3, Conv2DOptions{.padding = Padding::same})
      .add<tinynet::ReLU>()
      .add<tinynet::MaxPooling2D>(2)
      .add<tinynet::Flatten>()
      .add<tinynet::Dense>(2)
      .add<tinynet::Softmax>();
  model.compile(tinynet::Adam{.learning_rate = 1e-2}, tinynet::SparseCategoricalCrossentropy{});
  const auto before = model.evaluate(x_test, labels_test);
  model.fit(x, labels, {.epochs = 15, .batch_size = 32, .verbose = 0});
  const auto after = model.evaluate(x_test, labels_test);
  CHECK(after.loss < 0.5 * before.loss);
  CHECK(after.accuracy > 0.95);
}

TEST_CASE("Conv2D, BatchNormalization per channel, ReLU, MaxPooling2D train together",
          "[conv2d][sequential][training]") {
  Matrix<float> x, x_test;
  std::vector<int> labels, labels_test;
  bars(256, 3, x, labels);
  bars(128, 4, x_test, labels_test);
  tinynet::Sequential<float> model({8, 8, 1}, 11);
  model.add<Conv2D>(4, 3, Conv2DOptions{.padding = Padding::same, .use_bias = false})
      .add<tinynet::BatchNormalization>(tinynet::BatchNormalizationOptions{.momentum = 0.9})
      .add<tinynet::ReLU>()
      .add<tinynet::MaxPooling2D>(2)
      .add<tinynet::Flatten>()
      .add<tinynet::Dense>(2)
      .add<tinynet::Softmax>();
  CHECK(model.layer(1).output_shape() == Shape{8, 8, 4});
  CHECK(model.count_parameters(true) == 36 + 8 + 16 * 4 * 2 + 2);  // kernel, γ β, dense
  CHECK(model.count_parameters(false) == 8);                       // moving mean and variance
  model.compile(tinynet::Adam{.learning_rate = 1e-2}, tinynet::SparseCategoricalCrossentropy{});
  const auto history = model.fit(x, labels, {.epochs = 15, .batch_size = 32, .verbose = 0});
  CHECK(history.epochs.back().loss < 0.5 * history.epochs.front().loss);  // training: batch statistics
  CHECK(history.epochs.back().accuracy > 0.95);
  CHECK(model.evaluate(x_test, labels_test).accuracy > 0.9);  // inference: moving statistics
}
