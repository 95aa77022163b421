// bench: the benchmark harness. It trains or runs one model of examples/fashion_mnist/models.hpp
// on the real Fashion-MNIST data, as told on the command line, and prints one JSON line per
// measurement on stdout. benchmarks/run.py runs it (and the PyTorch reference,
// torch_models.py, which takes the same commands and prints the same lines) alternately, in
// child processes, and turns the lines into results.json and RESULTS.md.
//
//   bench info                         compiler, Eigen, SIMD, OpenMP of this build
//   bench flops   --model NAME         the model's floating-point work per image (see below)
//   bench train   --model NAME [--threads T] [--epochs E] [--limit N] [--batch-size B] [--seed S]
//                 [--warmup-steps W] [--test 1]
//   bench predict --model NAME [--threads T] [--batch 1,256,10000] [--limit N]
//                 [--latency-images N] [--latency-seconds S] [--passes P] [--seed S]
//   bench layers  --model NAME [--threads T] [--steps S] [--warmup-steps W] [--batch-size B]
//                 where a training step's time goes, layer by layer (see layers() below)
//   bench products [--repeat R] [--calls C]   tinynet's matrix product against Eigen's (1 thread)
//   common:       [--data DIR]  (default $TINYNET_DATA, else /usr/share/datasets/fashion-mnist)
//
// train: builds the recipe's model (the recipe's optimizer, and for cnn-best its augmentation
// and learning-rate schedule), trains it for W steps on the first batches (--warmup-steps,
// default 50; not timed, so that the timed epochs are the steady state), then for E epochs
// (default 1) on the first N training images (default all 60,000) with batch size B (default
// the recipe's), silently and without validation data, and prints the seconds of each epoch as
// fit() measures them (the steps only: shuffling, gathering each batch, augmentation, forward,
// backward, update). Loading
// the data and building the model are timed separately (load_s). --test 1 also reports the
// test-set loss and accuracy after training (not timed), to compare accuracies over seeds.
//
// predict: builds the recipe's model (its initial weights: inference costs the same whatever
// the weights) and times Sequential::predict over the first N test images (default all
// 10,000) at each batch size, a warm-up pass and then P timed passes (default 3), reporting
// the median pass. Batch 1 predicts single images, one predict() call each, over the first
// --latency-images images (default 2,000; fewer if the warm-up pass through them takes more than
// --latency-seconds, default 3), and is also reported as microseconds per image.
//
// FLOPs. Only matrix products are counted, 2·m·n·k for a (m × k)·(k × n) product, per image:
//
//   Dense, in → out:             forward  W·X          2·in·out
//                                backward dY·Xᵀ (dW)   2·in·out
//                                         Wᵀ·dY (dX)   2·in·out   (not in the first layer)
//   Conv2D, k×k, C_in → C_out,   forward  K·cols       2·C_out·(k·k·C_in)·P
//   P = H_out·W_out pixels:      backward dY·colsᵀ     2·C_out·(k·k·C_in)·P
//                                         Kᵀ·dY        2·C_out·(k·k·C_in)·P   (not in the first layer)
//
// A training epoch is (forward + backward) × images; inference is forward × images. The first
// layer's dL/dx is left out because neither tinynet nor PyTorch computes it (nothing needs it).
// Bias additions, activations, BatchNorm, pooling, dropout, softmax, im2col and the optimizer
// are not counted: they are O(values) rather than O(values × fan-in), a few percent of the total
// at most, so GFLOP/s = counted FLOPs / seconds slightly understates the work done.
#include "models.hpp"

#include <tinynet/detail/matrix_product.hpp>
#include <tinynet/threads.hpp>
#include <tinynet/version.hpp>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef TINYNET_CXX_COMPILER
#define TINYNET_CXX_COMPILER "unknown"
#endif

namespace {

using json = nlohmann::json;
using tinynet::Index;
using tinynet::Matrix;
using Clock = std::chrono::steady_clock;

const char* const usage = R"(Usage:
  bench info
  bench flops   --model NAME
  bench train   --model NAME [--threads T] [--epochs E] [--limit N] [--batch-size B] [--seed S]
                [--warmup-steps W] [--test 1] [--data DIR]
  bench predict --model NAME [--threads T] [--batch 1,256,10000] [--limit N] [--latency-images N]
                [--latency-seconds S] [--passes P] [--seed S] [--data DIR]
  bench layers  --model NAME [--threads T] [--steps S] [--warmup-steps W] [--batch-size B] [--data DIR]
  bench products [--repeat R] [--calls C]
Models: the recipes of examples/fashion_mnist/models.hpp (mlp, mlp-deep, cnn, cnn-best, ...).
Prints one JSON line per measurement (see the top of benchmarks/bench.cpp).
)";

struct Args {
  std::string command;
  std::map<std::string, std::string> options;  // --name value

  std::string get(const std::string& name, const std::string& fallback) const {
    auto it = options.find(name);
    return it == options.end() ? fallback : it->second;
  }
  long number(const std::string& name, long fallback) const {
    auto it = options.find(name);
    if (it == options.end()) return fallback;
    std::size_t used = 0;
    const long value = std::stol(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("--" + name + ": not a whole number: " + it->second);
    return value;
  }
  double real(const std::string& name, double fallback) const {
    auto it = options.find(name);
    if (it == options.end()) return fallback;
    std::size_t used = 0;
    const double value = std::stod(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("--" + name + ": not a number: " + it->second);
    return value;
  }
};

Args parse(int argc, char** argv) {
  if (argc < 2) throw std::invalid_argument("no command given");
  Args a;
  a.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || i + 1 >= argc) throw std::invalid_argument("expected --name value, got " + arg);
    a.options[arg.substr(2)] = argv[++i];
  }
  return a;
}

std::vector<long> parse_list(const std::string& s) {
  std::vector<long> out;
  std::size_t at = 0;
  while (at <= s.size()) {
    const std::size_t comma = s.find(',', at);
    const std::string item = s.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    if (!item.empty()) out.push_back(std::stol(item));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double max_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

// One split of Fashion-MNIST ("train" or "t10k"), only the first `limit` images when limit > 0.
struct Split {
  tinynet::Images images;  // as bytes, as datasets::load_fashion_mnist gives them
  std::vector<int> labels;
};

Split load_split(const std::string& dir_flag, const std::string& split, long limit) {
  const std::filesystem::path dir(tinynet::datasets::resolve_fashion_mnist_dir(dir_flag));
  auto find = [&](const std::string& base) {
    for (const std::string& name : {base + ".gz", base})
      if (std::filesystem::is_regular_file(dir / name)) return (dir / name).string();
    throw std::runtime_error("Fashion-MNIST file " + (dir / base).string() +
                             "[.gz] not found: install Debian's dataset-fashion-mnist, or set TINYNET_DATA / --data");
  };
  Split s;
  s.images = tinynet::data::image_bytes_from_idx(tinynet::data::read_idx(find(split + "-images-idx3-ubyte")));
  s.labels = tinynet::data::read_idx_labels(find(split + "-labels-idx1-ubyte"));
  if (limit > 0 && limit < s.images.cols()) {
    s.images = s.images.left(limit);
    s.labels.resize(static_cast<std::size_t>(limit));
  }
  return s;
}

// The matrix-product FLOPs of one image (see the top of this file), layer by layer.
struct Flops {
  double forward = 0, backward = 0;
  json layers = json::array();
};

Flops count_flops(const fashion_mnist::Model& model) {
  Flops f;
  for (std::size_t i = 0; i < model.size(); ++i) {
    const tinynet::Layer<float>& layer = model.layer(i);
    const bool input_gradient = layer.compute_input_gradient;
    double product = 0;  // 2·m·n·k of the layer's forward product, per image
    std::string formula;
    if (auto* dense = dynamic_cast<const tinynet::Dense<float>*>(&layer)) {
      const double in = static_cast<double>(layer.input_shape().size()), out = static_cast<double>(dense->units());
      product = 2 * in * out;
      formula = "2*" + std::to_string(layer.input_shape().size()) + "*" + std::to_string(dense->units());
    } else if (auto* conv = dynamic_cast<const tinynet::Conv2D<float>*>(&layer)) {
      const tinynet::Shape& in = layer.input_shape();
      const tinynet::Shape& out = layer.output_shape();
      const Index k = conv->kernel_size(), D = k * k * in[2], P = out[0] * out[1];
      product = 2 * static_cast<double>(conv->filters()) * static_cast<double>(D) * static_cast<double>(P);
      formula = "2*" + std::to_string(conv->filters()) + "*" + std::to_string(D) + "*" + std::to_string(P);
    } else {
      continue;
    }
    const double backward = product * (input_gradient ? 2 : 1);
    f.forward += product;
    f.backward += backward;
    f.layers.push_back({{"layer", i + 1},
                        {"type", layer.type()},
                        {"input", layer.input_shape().to_string()},
                        {"output", layer.output_shape().to_string()},
                        {"forward_product", formula},
                        {"forward", product},
                        {"backward", backward},
                        {"input_gradient", input_gradient}});
  }
  return f;
}

fashion_mnist::Model build(const fashion_mnist::Recipe& recipe, std::uint64_t seed) {
  fashion_mnist::Model model = recipe.build(seed);
  fashion_mnist::compile(model, recipe, std::nullopt, std::nullopt, std::nullopt);
  return model;
}

json info() {
  json j = {
    {"kind", "info"},
    {"lib", "tinynet"},
    {"tinynet_version", tinynet::version},
    {"compiler", TINYNET_CXX_COMPILER},
#if defined(__VERSION__)
    {"compiler_version", __VERSION__},
#endif
    {"eigen", std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
                  std::to_string(EIGEN_MINOR_VERSION)},
    {"simd", Eigen::SimdInstructionSetsInUse()},
#if defined(_OPENMP)
    {"openmp", _OPENMP},
#else
    {"openmp", nullptr},
#endif
    {"max_threads", tinynet::num_threads()}
  };
  json isa = json::array();
#if defined(__AVX512F__)
  isa.push_back("avx512f");
#endif
#if defined(__AVX2__)
  isa.push_back("avx2");
#endif
#if defined(__FMA__)
  isa.push_back("fma");
#endif
  j["compiled_for"] = isa;
  return j;
}

json flops_line(const std::string& name) {
  const fashion_mnist::Recipe recipe = fashion_mnist::find_recipe(name);
  fashion_mnist::Model model = build(recipe, 42);
  const Flops f = count_flops(model);
  return {{"kind", "flops"},
          {"lib", "tinynet"},
          {"model", name},
          {"description", recipe.description},
          {"parameters", model.count_parameters(true) + model.count_parameters(false)},
          {"recipe_batch_size", recipe.batch_size},
          {"recipe_epochs", recipe.epochs},
          {"infer_flops_per_image", f.forward},
          {"train_flops_per_image", f.forward + f.backward},
          {"layers", f.layers}};
}

void train(const Args& a) {
  const std::string name = a.get("model", "mlp");
  const fashion_mnist::Recipe recipe = fashion_mnist::find_recipe(name);
  const int threads = static_cast<int>(a.number("threads", 1));
  const int epochs = static_cast<int>(a.number("epochs", 1));
  const Index batch_size = a.number("batch-size", recipe.batch_size);
  const auto seed = static_cast<std::uint64_t>(a.number("seed", 42));
  tinynet::set_num_threads(threads);

  const auto start = Clock::now();
  const Split data = load_split(a.get("data", ""), "train", a.number("limit", 0));
  fashion_mnist::Model model = build(recipe, seed);
  const double load_s = seconds_since(start);

  tinynet::FitOptions<float> fit{.epochs = epochs, .batch_size = batch_size, .seed = seed, .verbose = 0};
  // The recipe's callbacks and augmentation, set up for its own epoch count (cnn-best's
  // learning-rate schedule is then the one of its first epochs).
  if (recipe.customize) recipe.customize(fit, std::max(recipe.epochs, epochs));
  // Warm-up, not timed: --warmup-steps steps on the first batches, so that the timed epochs are
  // the steady state (buffers sized, threads started, caches and allocator warm), as for PyTorch.
  const long warmup_steps = std::min<long>(a.number("warmup-steps", 50), data.images.cols() / batch_size);
  if (warmup_steps > 0) {
    tinynet::FitOptions<float> warmup = fit;
    warmup.epochs = 1;
    const auto warmup_images = static_cast<std::size_t>(warmup_steps * batch_size);
    const std::vector<int> warmup_labels(data.labels.begin(), data.labels.begin() + static_cast<long>(warmup_images));
    model.fit(data.images.left(static_cast<Index>(warmup_images)), warmup_labels, warmup);
  }
  const auto fit_start = Clock::now();
  const tinynet::History history = model.fit(data.images, data.labels, fit);
  const double fit_s = seconds_since(fit_start);

  std::vector<double> epoch_s, loss;
  for (const auto& e : history.epochs) {
    epoch_s.push_back(e.seconds);
    loss.push_back(e.loss);
  }
  json line;
  if (a.number("test", 0)) {  // --test 1: the test accuracy too (for comparisons over seeds; not timed)
    const Split test = load_split(a.get("data", ""), "t10k", 0);
    const auto result = model.evaluate(test.images, test.labels);
    line["test_loss"] = result.loss;
    line["test_accuracy"] = result.accuracy;
  }
  const Flops f = count_flops(model);
  const double samples = static_cast<double>(data.images.cols());
  const double flops_per_epoch = (f.forward + f.backward) * samples;
  const double med = median(epoch_s);
  line.update(json{{"kind", "train"},
                   {"lib", "tinynet"},
                   {"model", name},
                   {"threads", threads},
                   {"samples", data.images.cols()},
                   {"batch_size", batch_size},
                   {"epochs", epochs},
                   {"seed", seed},
                   {"epoch_s", epoch_s},
                   {"epoch_s_median", med},
                   {"loss", loss},
                   {"flops_per_epoch", flops_per_epoch},
                   {"gflops", med > 0 ? flops_per_epoch / med / 1e9 : 0.0},
                   {"load_s", load_s},
                   {"fit_s", fit_s},
                   {"max_rss_mib", max_rss_mib()}});
  std::cout << line.dump() << std::endl;
}

void predict(const Args& a) {
  const std::string name = a.get("model", "mlp");
  const fashion_mnist::Recipe recipe = fashion_mnist::find_recipe(name);
  const int threads = static_cast<int>(a.number("threads", 1));
  const int passes = static_cast<int>(std::max(1L, a.number("passes", 3)));
  const long latency_images = a.number("latency-images", 2000);
  const double latency_seconds = a.real("latency-seconds", 3);
  const auto seed = static_cast<std::uint64_t>(a.number("seed", 42));
  tinynet::set_num_threads(threads);

  const auto start = Clock::now();
  const Split data = load_split(a.get("data", ""), "t10k", a.number("limit", 0));
  fashion_mnist::Model model = build(recipe, seed);
  const double load_s = seconds_since(start);
  const double flops_per_image = count_flops(model).forward;
  const Matrix<float> x = data.images.values();  // floats before timing, as PyTorch's tensors are

  for (long requested : parse_list(a.get("batch", "1,256,10000"))) {
    if (requested < 1) throw std::invalid_argument("--batch: batch sizes must be positive");
    const Index batch = std::min<Index>(requested, x.cols());
    Index images = x.cols();
    std::function<void()> pass;
    Matrix<float> one(x.rows(), 1), out;
    float sink = 0;  // read after timing, so no pass can be optimised away
    if (batch == 1) {
      // Latency: one predict() call per image, as a program serving single requests makes. The
      // warm-up pass also fixes how many images a pass predicts: --latency-images, or fewer if
      // they take more than --latency-seconds (a machine so busy that a call takes milliseconds).
      images = std::min<Index>(x.cols(), latency_images > 0 ? latency_images : x.cols());
      const auto warm_up = Clock::now();
      Index done = 0;
      while (done < images && (done == 0 || seconds_since(warm_up) < latency_seconds)) {
        one = x.col(done++);
        out = model.predict(one, 1);
        sink += out(0, 0);
      }
      images = done;
      pass = [&] {
        for (Index i = 0; i < images; ++i) {
          one = x.col(i);
          out = model.predict(one, 1);
          sink += out(0, 0);
        }
      };
    } else {
      pass = [&] {
        out = model.predict(x, batch);
        sink += out(0, 0);
      };
      pass();  // warm-up: buffers sized, caches and threads warm
    }
    std::vector<double> seconds;
    for (int p = 0; p < passes; ++p) {
      const auto t = Clock::now();
      pass();
      seconds.push_back(seconds_since(t));
    }
    const double s = median(seconds);
    const double n = static_cast<double>(images);
    std::cout << json{{"kind", "predict"},
                      {"lib", "tinynet"},
                      {"model", name},
                      {"threads", threads},
                      {"batch", batch},
                      {"requested_batch", requested},
                      {"images", images},
                      {"passes", passes},
                      {"pass_s", seconds},
                      {"seconds", s},
                      {"images_per_s", n / s},
                      {"us_per_image", 1e6 * s / n},
                      {"gflops", flops_per_image * n / s / 1e9},
                      {"load_s", load_s},
                      {"max_rss_mib", max_rss_mib()},
                      {"checksum", sink}}
                     .dump()
              << std::endl;
  }
}

// layers: where a training step's time goes. Trains the recipe's model on its first batches of
// the training images (starting over after the last) for --warmup-steps untimed steps, then
// --steps steps that follow Sequential::train_step's own order (zero the gradients of the
// layers that do not write their own, each layer's forward, the loss gradient, each layer's
// backward, the optimizer's update; not fit's batch gather and finite check) with a
// clock around each part, on --threads threads (all of them: the thread tuner of fit is not
// used here). Prints one line per part: its mean microseconds per step.
void layers(const Args& a) {
  const fashion_mnist::Recipe recipe = fashion_mnist::find_recipe(a.get("model", "mlp"));
  tinynet::set_num_threads(static_cast<int>(a.number("threads", 1)));
  const long steps = std::max(1L, a.number("steps", 500)), warmup = std::max(0L, a.number("warmup-steps", 50));
  const Index batch_size = a.number("batch-size", recipe.batch_size);
  const Split data = load_split(a.get("data", ""), "train", (warmup + steps) * batch_size);
  fashion_mnist::Model model = build(recipe, static_cast<std::uint64_t>(a.number("seed", 42)));
  std::vector<tinynet::Parameter<float>> parameters = model.parameters();
  const tinynet::detail::ScopedFlushDenormals flush_denormals;
  std::vector<std::string> names;
  for (std::size_t l = 0; l < model.size(); ++l) names.push_back(model.layer(l).type());
  // seconds[part]: 0 zeroing, 1 … L forward of layer l, L + 1 loss gradient, then backward of
  // layer L − 1 … 0, then the update.
  const std::size_t L = model.size();
  std::vector<double> seconds(2 * L + 3, 0.0);
  Matrix<float> x, y = Matrix<float>::Zero(model.layer(L - 1).output_shape().size(), batch_size), dz;
  const Index batches = data.images.cols() / batch_size;  // more steps than batches start over
  if (batches == 0)
    throw std::invalid_argument("bench layers: fewer images than one batch of " + std::to_string(batch_size));
  std::vector<tinynet::Parameter<float>> zeroed;    // as in train_step: x and the outputs stay put, and
  for (std::size_t l = 0; l < model.size(); ++l) {  // the layers that can write their gradients do
    tinynet::Layer<float>& layer = model.layer(l);
    layer.input_kept_until_backward = true;
    layer.overwrite_gradients = layer.can_overwrite_gradients();
    if (!layer.overwrite_gradients)
      for (auto& p : layer.parameters()) zeroed.push_back(p);
  }
  for (long step = 0; step < warmup + steps; ++step) {
    const Index first = (step % batches) * batch_size;
    data.images.copy_values(first, batch_size, x);
    y.setZero();
    for (Index j = 0; j < batch_size; ++j) y(data.labels[static_cast<std::size_t>(first + j)], j) = 1;
    std::size_t part = 0;
    auto clock = Clock::now();
    auto lap = [&] {
      const auto now = Clock::now();
      if (step >= warmup) seconds[part] += std::chrono::duration<double>(now - clock).count();
      ++part;
      clock = now;
    };
    for (auto& p : zeroed)  // as Sequential::compute_gradients: in the optimizer's blocks
      if (p.trainable())
        tinynet::detail::in_blocks(p.gradient->size(), [&](Index from, Index count) {
          tinynet::detail::values(*p.gradient, from, count).setZero();
        });
    lap();
    const Matrix<float>* h = &x;
    for (std::size_t l = 0; l < L; ++l) {
      h = &model.layer(l).forward(*h, tinynet::Mode::training);
      lap();
    }
    tinynet::softmax_cross_entropy_gradient(*h, y, batch_size, dz);  // dL/dz = (p − y) / N
    lap();
    const Matrix<float>* d = &dz;
    for (std::size_t l = L - 1; l-- > 0;) {  // the softmax's backward is folded into dz
      d = &model.layer(l).backward(*d);
      lap();
    }
    ++part;  // (the softmax's own backward: not run)
    model.optimizer().step(parameters);
    lap();
  }
  auto emit_part = [&](const std::string& what, double s) {
    std::cout << json{{"kind", "layers"}, {"part", what}, {"us_per_step", 1e6 * s / static_cast<double>(steps)}}.dump()
              << std::endl;
  };
  double total = 0;
  for (double s : seconds) total += s;
  emit_part("zero gradients", seconds[0]);
  for (std::size_t l = 0; l < L; ++l) emit_part("forward " + std::to_string(l + 1) + " " + names[l], seconds[1 + l]);
  emit_part("loss gradient", seconds[L + 1]);
  for (std::size_t l = L - 1; l-- > 0;)
    emit_part("backward " + std::to_string(l + 1) + " " + names[l], seconds[L + 2 + (L - 2 - l)]);
  emit_part("optimizer update", seconds[2 * L + 2]);
  emit_part("total", total);
}

// products: tinynet's matrix product (detail/matrix_product.hpp) against Eigen's, on the shapes
// the benchmarked models multiply, in the three layouts a layer uses (A·B as in Y = W·X, A·Bᵀ as
// in dW = dY·Xᵀ, Aᵀ·B as in dX = Wᵀ·dY), on this thread alone: the best of --repeat timings of
// --calls products each, as GFLOP/s (2·m·k·n per product).
void products(const Args& a) {
  enum class Layout { a_b, a_bt, at_b };  // A·B, A·Bᵀ, Aᵀ·B (with Aᵀ, Bᵀ stored as matrices)
  struct Shape {
    const char* what;
    Layout layout;
    Index m, k, n;
  };
  const Shape shapes[] = {{"mlp Dense 784->128, batch 64: W*X", Layout::a_b, 128, 784, 64},
                          {"mlp Dense 784->128, batch 64: dY*X^T", Layout::a_bt, 128, 64, 784},
                          {"mlp-deep Dense 784->512, batch 64: W*X", Layout::a_b, 512, 784, 64},
                          {"mlp-deep Dense 512->256, batch 64: W^T*dY", Layout::at_b, 512, 256, 64},
                          {"cnn Conv2D 32->64 3x3, 16 images: K*cols", Layout::a_b, 64, 288, 1936},
                          {"cnn Conv2D 32->64 3x3, 16 images: dY*cols^T", Layout::a_bt, 64, 1936, 288},
                          {"cnn Conv2D 32->64 3x3, 16 images: K^T*dY", Layout::at_b, 288, 64, 1936},
                          {"cnn Conv2D 1->32 3x3, 16 images: K*cols", Layout::a_b, 32, 9, 10816},
                          {"mlp inference, batch 256: W*X", Layout::a_b, 128, 784, 256}};
  const int repeat = static_cast<int>(std::max(1L, a.number("repeat", 5)));
  const int calls = static_cast<int>(std::max(1L, a.number("calls", 50)));
  tinynet::set_num_threads(1);
  // Eigen takes its packing buffers from malloc on every product, and above 128 KB glibc maps
  // them fresh and returns them to the system each time: in a loop of products alone that costs
  // Eigen page faults (half its speed) which a training step, allocating between products, does
  // not pay. Keep freed memory in the process, as a training run effectively does.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  tinynet::Random random(1);
  auto random_matrix = [&](Index rows, Index cols) {
    Matrix<float> m(rows, cols);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(random.uniform(-1, 1));
    return m;
  };
  for (const Shape& shape : shapes) {
    const Matrix<float> A = random_matrix(shape.m, shape.k), B = random_matrix(shape.k, shape.n);
    const Matrix<float> At = A.transpose(), Bt = B.transpose();
    Matrix<float> C(shape.m, shape.n);
    std::function<void()> ours, eigen;
    switch (shape.layout) {
      case Layout::a_b:
        ours = [&] { tinynet::detail::product(C, A, B, false); };
        eigen = [&] { C.noalias() = A * B; };
        break;
      case Layout::a_bt:
        ours = [&] { tinynet::detail::product(C, A, Bt.transpose(), false); };
        eigen = [&] { C.noalias() = A * Bt.transpose(); };
        break;
      case Layout::at_b:
        ours = [&] { tinynet::detail::product(C, At.transpose(), B, false); };
        eigen = [&] { C.noalias() = At.transpose() * B; };
        break;
    }
    auto best_seconds = [&](const std::function<void()>& product) {  // per product
      product();                                                     // warm-up
      double best = 1e300;
      for (int r = 0; r < repeat; ++r) {
        const auto start = Clock::now();
        for (int c = 0; c < calls; ++c) product();
        best = std::min(best, seconds_since(start) / calls);
      }
      return best;
    };
    const double flops = 2.0 * static_cast<double>(shape.m * shape.k * shape.n);
    const double ours_s = best_seconds(ours), eigen_s = best_seconds(eigen);
    std::cout << json{{"kind", "product"},
                      {"shape", shape.what},
                      {"m", shape.m},
                      {"k", shape.k},
                      {"n", shape.n},
                      {"tinynet_gflops", flops / ours_s / 1e9},
                      {"eigen_gflops", flops / eigen_s / 1e9}}
                     .dump()
              << std::endl;
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse(argc, argv);
    if (a.command == "info") {
      std::cout << info().dump() << std::endl;
    } else if (a.command == "flops") {
      std::cout << flops_line(a.get("model", "mlp")).dump() << std::endl;
    } else if (a.command == "train") {
      train(a);
    } else if (a.command == "predict") {
      predict(a);
    } else if (a.command == "products") {
      products(a);
    } else if (a.command == "layers") {
      layers(a);
    } else if (a.command == "--help" || a.command == "help") {
      std::cout << usage;
    } else {
      throw std::invalid_argument("unknown command '" + a.command + "'");
    }
  } catch (const std::exception& e) {
    std::cerr << "bench: " << e.what() << "\n" << usage;
    return 1;
  }
  return 0;
}
