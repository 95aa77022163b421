// fashion_mnist: trains the Keras notebook's models on the real Fashion-MNIST data.
//
//   fashion_mnist                      the notebook's MLP, 10 epochs, then test loss and accuracy
//   fashion_mnist --model NAME ...     another model (see --help)
#include "models.hpp"

#include <tinynet/datasets/fashion_mnist.hpp>
#include <tinynet/io/atomic_file.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Options {
  std::string model = "mlp";
  std::optional<int> epochs;
  std::optional<long> batch_size;
  std::optional<double> learning_rate;
  std::optional<std::string> optimizer;
  std::uint64_t seed = 42;
  int threads = 0;  // 0: leave the default (all cores)
  std::string data_dir;
  long limit = 0;   // 0: all 60,000 training images
  std::string json_path;
  bool summary = false;
};

const char* const usage = R"(Usage: fashion_mnist [options]

Trains a model of the Keras Fashion-MNIST notebook with tinynet and reports its test accuracy.

Options:
  --model NAME           model to train (default mlp); --help lists them below
  --epochs N             training epochs (default: the model's)
  --batch-size N         batch size (default: the model's)
  --learning-rate X      learning rate (default: the model's)
  --optimizer NAME       adam, sgd or rmsprop (default: the model's)
  --seed N               seed for initialisation and shuffling (default 42)
  --threads N            threads for matrix products and loops (default: all cores)
  --data DIR             Fashion-MNIST directory (default: $TINYNET_DATA, else
                         /usr/share/datasets/fashion-mnist from the dataset-fashion-mnist package)
  --limit N              train on the first N training images only
  --json PATH            write the run's figures as JSON to PATH
  --summary              print the model's layer table before training
  --help                 this text
)";

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "fashion_mnist: " << message << "\nRun 'fashion_mnist --help' for the options.\n";
  std::exit(2);
}

template <typename N>
N parse_number(const std::string& flag, const std::string& text, N low, N high) {
  std::istringstream in(text);
  N value{};
  if (!(in >> value) || !in.eof()) fail(flag + " expects a number, got '" + text + "'");
  if (value < low || value > high) {
    std::ostringstream range;
    range << flag << " must be between " << low << " and " << high << ", got " << text;
    fail(range.str());
  }
  return value;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) fail(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--help" || flag == "-h") {
      std::cout << usage << "\nModels:\n";
      for (const auto& r : fashion_mnist::recipes())
        std::cout << "  " << std::left << std::setw(21) << r.name << "  " << r.description << '\n';
      std::exit(0);
    } else if (flag == "--model") {
      o.model = value();
    } else if (flag == "--epochs") {
      o.epochs = parse_number<int>(flag, value(), 1, 100000);
    } else if (flag == "--batch-size") {
      o.batch_size = parse_number<long>(flag, value(), 1, 1000000);
    } else if (flag == "--learning-rate") {
      o.learning_rate = parse_number<double>(flag, value(), 1e-12, 100.0);
    } else if (flag == "--optimizer") {
      o.optimizer = value();
      if (*o.optimizer != "adam" && *o.optimizer != "sgd" && *o.optimizer != "rmsprop")
        fail("--optimizer expects adam, sgd or rmsprop, got '" + *o.optimizer + "'");
    } else if (flag == "--seed") {
      o.seed = parse_number<std::uint64_t>(flag, value(), 0, ~std::uint64_t{0});
    } else if (flag == "--threads") {
      o.threads = parse_number<int>(flag, value(), 1, 1024);
    } else if (flag == "--data") {
      o.data_dir = value();
    } else if (flag == "--limit") {
      o.limit = parse_number<long>(flag, value(), 1, 60000);
    } else if (flag == "--json") {
      o.json_path = value();
    } else if (flag == "--summary") {
      o.summary = true;
    } else {
      fail("unknown option '" + flag + "'");
    }
  }
  return o;
}

int run(const Options& options) {
  using Clock = std::chrono::steady_clock;
  const auto program_start = Clock::now();
  fashion_mnist::Recipe recipe = fashion_mnist::find_recipe(options.model);
  if (options.threads > 0) tinynet::set_num_threads(options.threads);

  auto data = tinynet::datasets::load_fashion_mnist(options.data_dir);
  if (options.limit > 0 && options.limit < data.train.images.cols()) {
    data.train.images = data.train.images.leftCols(options.limit).eval();
    data.train.labels.resize(static_cast<std::size_t>(options.limit));
  }

  const int epochs = options.epochs.value_or(recipe.epochs);
  const std::string optimizer_name = options.optimizer.value_or(recipe.optimizer);
  const double learning_rate = options.learning_rate.value_or(recipe.learning_rate);
  tinynet::FitOptions<float> fit{.epochs = epochs,
                                 .batch_size = options.batch_size.value_or(recipe.batch_size),
                                 .seed = options.seed};
  if (recipe.customize) recipe.customize(fit, epochs);

  fashion_mnist::Model model = recipe.build(options.seed);
  model.compile(fashion_mnist::make_optimizer(optimizer_name, learning_rate),
                tinynet::SparseCategoricalCrossentropy::name, true);
  std::cout << "Model " << recipe.name << ": " << recipe.description << "\n"
            << "Training on " << data.train.images.cols() << " images, " << epochs << " epochs, batch "
            << fit.batch_size << ", " << optimizer_name << " lr " << learning_rate << ", "
            << tinynet::num_threads() << " thread(s)\n";
  if (options.summary) model.summary();

  const auto train_start = Clock::now();
  const tinynet::History history = model.fit(data.train.images, data.train.labels, fit);
  const double train_seconds = std::chrono::duration<double>(Clock::now() - train_start).count();
  const tinynet::Evaluation test = model.evaluate(data.test.images, data.test.labels);

  // Inference throughput: the whole test set in batches of 10,000, best of three.
  double best_inference = 1e30;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = Clock::now();
    const tinynet::Matrix<float> probabilities = model.predict(data.test.images, 10000);
    best_inference = std::min(best_inference, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  const double images_per_second = static_cast<double>(data.test.images.cols()) / best_inference;

  std::cout << std::fixed << std::setprecision(4) << "Test loss: " << test.loss << "  Test accuracy: " << test.accuracy
            << std::setprecision(2) << "  (training " << train_seconds << " s, whole run "
            << std::chrono::duration<double>(Clock::now() - program_start).count() << " s)\n"
            << std::setprecision(0) << "Inference: " << images_per_second << " images/s\n";

  if (!options.json_path.empty()) {
    nlohmann::json j;
    j["model"] = recipe.name;
    j["epochs"] = nlohmann::json::array();
    for (const tinynet::EpochLog& e : history.epochs) {
      nlohmann::json row{{"epoch", e.epoch}, {"loss", e.loss}, {"accuracy", e.accuracy}, {"seconds", e.seconds},
                         {"learning_rate", e.learning_rate}};
      if (e.val_loss) {
        row["val_loss"] = *e.val_loss;
        row["val_accuracy"] = *e.val_accuracy;
      }
      j["epochs"].push_back(row);
    }
    j["test_loss"] = test.loss;
    j["test_accuracy"] = test.accuracy;
    j["train_seconds"] = train_seconds;
    j["threads"] = tinynet::num_threads();
    j["inference_images_per_second"] = images_per_second;
    j["stopped_epoch"] = history.stopped_epoch;
    tinynet::io::write_file_atomically(options.json_path, [&](std::ostream& out) { out << j.dump(2) << '\n'; });
    std::cout << "Wrote " << options.json_path << '\n';
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::cerr << "fashion_mnist: error: " << e.what() << '\n';
    return 1;
  }
}
