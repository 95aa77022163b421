// fashion_mnist: the command-line tool that trains the Keras notebook's models on the real
// Fashion-MNIST data, with every option a flag (the small programs beside it in examples/ are
// the ones to copy into your own project).
//
//   fashion_mnist                      the notebook's MLP, 10 epochs, then test loss and accuracy
//   fashion_mnist --model NAME ...     another model (see --help)
#include "models.hpp"

#include <tinynet/io/atomic_file.hpp>
#include <tinynet/plot.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  std::string model = "mlp";
  std::optional<int> epochs;
  std::optional<long> batch_size;
  std::optional<double> learning_rate;
  std::optional<std::string> optimizer;
  std::optional<double> label_smoothing;
  std::uint64_t seed = 42;
  int threads = 0;  // 0: leave the default (all cores)
  std::string data_dir;
  long limit = 0;  // 0: all 60,000 training images
  std::string json_path;
  bool summary = false;
  std::optional<double> validation_split;
  std::optional<int> patience;
  std::optional<int> kfold;
  std::string plots_dir;
  std::string save_path;
  bool save_optimizer = false;
  std::string load_path;
  std::string checkpoint_path;
  std::string resume_path;
  int verbose = 1;
};

const char* const usage = R"(Usage: fashion_mnist [options]

Trains a model of the Keras Fashion-MNIST notebook with tinynet and reports its test accuracy.

Options:
  --model NAME[,NAME..]  model(s) to train (default mlp); --help lists them below
  --epochs N             training epochs (default: the model's)
  --batch-size N         batch size (default: the model's)
  --learning-rate X      learning rate (default: the model's)
  --optimizer NAME       adam, sgd or rmsprop (default: the model's)
  --label-smoothing X    label smoothing of the cross-entropy, in [0, 1) (default: the model's)
  --seed N               seed for initialisation and shuffling (default 42)
  --threads N            at most N threads for matrix products and loops (default: all
                         cores; training uses fewer when that is faster)
  --data DIR             Fashion-MNIST directory (default: $TINYNET_DATA, else
                         /usr/share/datasets/fashion-mnist from the dataset-fashion-mnist package)
  --limit N              train on the first N training images only
  --json PATH            write the run's figures as JSON to PATH
  --validation-split F   hold out the last fraction F of the training images (Keras semantics)
  --patience N           EarlyStopping on val_loss with patience N, restoring the best weights
  --kfold K              K-fold cross-validation (fresh model per fold) instead of one run
  --summary              print the model's layer table before training
  --plots DIR            write PNG charts: training curves, confusion matrix, predictions grid,
                         and a comparison chart (several --model names, or the k-fold folds)
  --save PATH            save the trained model (safetensors) to PATH
  --save-optimizer       also save the optimizer state, so that training can resume
  --load PATH            start from a saved model: evaluate it (--epochs 0) or continue training
  --checkpoint PATH      after every epoch, save the model with its optimizer state to PATH
  --resume PATH          continue a run from its --checkpoint file, to --epochs in all: the same
                         final weights as an uninterrupted run (for models without Dropout)
  --verbose N            0 silent, 1 progress bar, 2 one line per epoch (default 1)
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
      o.epochs = parse_number<int>(flag, value(), 0, 100000);
    } else if (flag == "--batch-size") {
      o.batch_size = parse_number<long>(flag, value(), 1, 1000000);
    } else if (flag == "--learning-rate") {
      o.learning_rate = parse_number<double>(flag, value(), 1e-12, 100.0);
    } else if (flag == "--optimizer") {
      o.optimizer = value();
      if (*o.optimizer != "adam" && *o.optimizer != "sgd" && *o.optimizer != "rmsprop")
        fail("--optimizer expects adam, sgd or rmsprop, got '" + *o.optimizer + "'");
    } else if (flag == "--label-smoothing") {
      o.label_smoothing = parse_number<double>(flag, value(), 0.0, 0.99);
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
    } else if (flag == "--validation-split") {
      o.validation_split = parse_number<double>(flag, value(), 0.0, 0.99);
    } else if (flag == "--patience") {
      o.patience = parse_number<int>(flag, value(), 0, 100000);
    } else if (flag == "--kfold") {
      o.kfold = parse_number<int>(flag, value(), 2, 100);
    } else if (flag == "--plots") {
      o.plots_dir = value();
    } else if (flag == "--save") {
      o.save_path = value();
    } else if (flag == "--save-optimizer") {
      o.save_optimizer = true;
    } else if (flag == "--load") {
      o.load_path = value();
    } else if (flag == "--checkpoint") {
      o.checkpoint_path = value();
    } else if (flag == "--resume") {
      o.resume_path = value();
    } else if (flag == "--verbose") {
      o.verbose = parse_number<int>(flag, value(), 0, 2);
    } else {
      fail("unknown option '" + flag + "'");
    }
  }
  return o;
}

std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> names;
  std::stringstream in(list);
  for (std::string name; std::getline(in, name, ',');)
    if (!name.empty()) names.push_back(name);
  return names;
}

nlohmann::json epochs_json(const tinynet::History& history) {
  nlohmann::json rows = nlohmann::json::array();
  for (const tinynet::EpochLog& e : history.epochs) {
    nlohmann::json row{{"epoch", e.epoch}};
    for (std::string_view name : tinynet::EpochLog::names)
      if (const std::optional<double> value = e.get(name)) row[std::string(name)] = *value;
    rows.push_back(row);
  }
  return rows;
}

// Ctrl-C (SIGINT) or SIGTERM: the handler only raises a flag, which this callback reads after
// every batch to end training cleanly there. A partial epoch is not checkpointed, so the last
// checkpoint holds whole epochs and --resume continues from it.
volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_interrupt(int) { interrupted = 1; }

struct StopOnInterrupt : tinynet::Callback<float> {
  void on_batch_end(const tinynet::BatchEnd&, tinynet::Sequential<float>& model) override {
    if (interrupted) model.stop_training = true;
  }
};

std::vector<std::string> class_names() {
  const auto& names = tinynet::datasets::fashion_mnist_class_names();
  return {names.begin(), names.end()};
}

// Fit settings of a recipe, with the command line's overrides.
tinynet::FitOptions<float> fit_options(const fashion_mnist::Recipe& recipe, const Options& options,
                                       const tinynet::datasets::FashionMnist& data, int epochs) {
  tinynet::FitOptions<float> fit{.epochs = epochs,
                                 .batch_size = options.batch_size.value_or(recipe.batch_size),
                                 .seed = options.seed,
                                 .verbose = options.verbose};
  fit.validation_split = options.validation_split.value_or(recipe.validation_split);
  if (fit.validation_split == 0 && recipe.validate_on_test)
    fit.validation_data = {.x = &data.test.images, .labels = &data.test.labels};
  const int patience = options.patience.value_or(recipe.patience);
  if (patience > 0)
    fit.callbacks.push_back(std::make_shared<tinynet::EarlyStopping<float>>(
        tinynet::EarlyStoppingOptions{.monitor = "val_loss", .patience = patience, .restore_best_weights = true}));
  if (recipe.customize) recipe.customize(fit, epochs);
  if (!options.checkpoint_path.empty())
    fit.callbacks.push_back(std::make_shared<tinynet::ModelCheckpoint<float>>(
        tinynet::ModelCheckpointOptions{.path = options.checkpoint_path, .include_optimizer = true}));
  fit.callbacks.push_back(std::make_shared<StopOnInterrupt>());
  return fit;
}

struct RunResult {
  tinynet::History history;
  nlohmann::json json;
};

// K-fold cross-validation of a recipe on the training images.
RunResult run_kfold(const fashion_mnist::Recipe& recipe, const Options& options,
                    const tinynet::datasets::FashionMnist& data, int folds) {
  const int epochs = options.epochs.value_or(recipe.epochs);
  tinynet::FitOptions<float> fit = fit_options(recipe, options, data, epochs);
  fit.validation_split = 0;  // each fold validates on its held-out part
  fit.validation_data = {};
  std::cout << "Model " << recipe.name << ": " << folds << "-fold cross-validation on " << data.train.images.cols()
            << " images, " << epochs << " epochs per fold\n";
  int built = 0;
  auto make_model = [&] {
    fashion_mnist::Model m = recipe.build(options.seed + static_cast<std::uint64_t>(built++));
    fashion_mnist::compile(m, recipe, options.optimizer, options.learning_rate, options.label_smoothing);
    return m;
  };
  const auto start = std::chrono::steady_clock::now();
  fit.callbacks.clear();  // made again for every fold, below
  const tinynet::CrossValidationResult cv =
      tinynet::cross_validate(make_model, data.train.images, data.train.labels,
                              tinynet::KFoldOptions{.folds = folds, .shuffle = true, .seed = 42}, fit,
                              [&](int) { return fit_options(recipe, options, data, epochs).callbacks; });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RunResult result;
  result.json["model"] = recipe.name;
  result.json["kfold"] = folds;
  result.json["folds"] = nlohmann::json::array();
  std::vector<std::pair<std::string, tinynet::History>> curves;
  for (const auto& fold : cv.folds) {
    std::cout << std::fixed << std::setprecision(4) << "Fold " << fold.fold << ": accuracy " << fold.evaluation.accuracy
              << "  loss " << fold.evaluation.loss << '\n';
    result.json["folds"].push_back({{"fold", fold.fold},
                                    {"accuracy", fold.evaluation.accuracy},
                                    {"loss", fold.evaluation.loss},
                                    {"epochs", epochs_json(fold.history)}});
    curves.emplace_back("fold " + std::to_string(fold.fold), fold.history);
  }
  std::cout << "Cross-validation accuracy: " << cv.mean_accuracy << " ± " << cv.std_accuracy << "  loss "
            << cv.mean_loss << " ± " << cv.std_loss << std::setprecision(2) << "  (" << seconds << " s)\n";
  result.json["mean_accuracy"] = cv.mean_accuracy;
  result.json["std_accuracy"] = cv.std_accuracy;
  result.json["mean_loss"] = cv.mean_loss;
  result.json["std_loss"] = cv.std_loss;
  result.json["train_seconds"] = seconds;
  if (!options.plots_dir.empty()) {
    const std::string path = options.plots_dir + "/" + recipe.name + "-folds.png";
    tinynet::plot::compare_runs(curves, "val_accuracy", path, recipe.name + ": validation accuracy per fold");
    std::cout << "Wrote " << path << '\n';
  }
  return result;
}

// One ordinary run: train (or load), evaluate on the test set, report, plot, save.
RunResult run_one(const fashion_mnist::Recipe& recipe, const Options& options,
                  const tinynet::datasets::FashionMnist& data) {
  using Clock = std::chrono::steady_clock;
  const int epochs = options.epochs.value_or(recipe.epochs);
  tinynet::FitOptions<float> fit = fit_options(recipe, options, data, epochs);

  fashion_mnist::Model model = recipe.build(options.seed);
  if (!options.load_path.empty()) {
    model = tinynet::io::load_model<float>(options.load_path);
    std::cout << "Loaded " << options.load_path << '\n';
  }
  if (!options.resume_path.empty()) {  // the model, its optimizer state and the epochs it has done
    model = tinynet::io::load_model<float>(options.resume_path);
    const auto file = tinynet::io::read_safetensors(options.resume_path);
    const auto epoch = file.metadata.find("epoch");
    if (epoch == file.metadata.end()) fail("--resume: '" + options.resume_path + "' is not a --checkpoint file");
    fit.initial_epoch = std::stoi(epoch->second);
    if (fit.initial_epoch > epochs)
      fail("--resume: the checkpoint has done " + epoch->second + " epochs, more than --epochs");
    std::cout << "Resuming " << options.resume_path << " after epoch " << fit.initial_epoch << '\n';
  }
  if (!model.compiled())
    fashion_mnist::compile(model, recipe, options.optimizer, options.learning_rate, options.label_smoothing);
  std::cout << "Model " << recipe.name << ": " << recipe.description << "\n"
            << "Training on " << data.train.images.cols() << " images, " << epochs << " epochs, batch "
            << fit.batch_size << ", " << model.optimizer().type() << " lr " << std::defaultfloat
            << model.optimizer().learning_rate << ", " << tinynet::num_threads() << " thread(s)\n";
  if (options.summary) model.summary();

  const auto train_start = Clock::now();
  RunResult result;
  if (epochs > 0) result.history = model.fit(data.train.images, data.train.labels, fit);
  const double train_seconds = std::chrono::duration<double>(Clock::now() - train_start).count();
  const tinynet::Evaluation test = model.evaluate(data.test.images, data.test.labels);
  const std::vector<int> predicted = tinynet::argmax_columns(model.predict(data.test.images));
  const tinynet::ClassificationReport report(data.test.labels, predicted, 10, class_names());

  if (result.history.stopped_epoch > 0)
    std::cout << "EarlyStopping stopped training after epoch " << result.history.stopped_epoch << '\n';
  std::cout << '\n' << report.to_string({}, 4) << '\n';
  if (!result.history.stop_reason.empty()) std::cout << "Training stopped: " << result.history.stop_reason << '\n';
  if (interrupted) {
    std::cout << "Interrupted during epoch " << result.history.stopped_epoch << "; ";
    if (options.checkpoint_path.empty())
      std::cout << "nothing saved (--checkpoint PATH saves every epoch)\n";
    else
      std::cout << "'" << options.checkpoint_path << "' holds the last whole epoch: continue with --resume\n";
    return result;
  }
  std::cout << std::fixed << std::setprecision(4) << "Test loss: " << test.loss << "  Test accuracy: " << test.accuracy
            << std::setprecision(2) << "  (training " << train_seconds << " s)\n";

  result.json["model"] = recipe.name;
  result.json["epochs"] = epochs_json(result.history);
  result.json["stopped_epoch"] = result.history.stopped_epoch;
  result.json["test_loss"] = test.loss;
  result.json["test_accuracy"] = test.accuracy;
  result.json["train_seconds"] = train_seconds;
  result.json["threads"] = tinynet::num_threads();
  result.json["classification_report"] = report.to_json();

  if (!options.plots_dir.empty()) {
    const std::string prefix = options.plots_dir + "/" + recipe.name;
    if (!result.history.epochs.empty())
      tinynet::plot::training_curves(result.history, prefix + "-training.png", recipe.name + ": training history");
    tinynet::plot::confusion_heatmap(report.confusion(), class_names(), prefix + "-confusion.png",
                                     recipe.name + ": confusion matrix (test set)");
    tinynet::plot::image_grid(data.test.images, 28, 28, predicted, data.test.labels, class_names(),
                              prefix + "-predictions.png",
                              {.columns = 6,
                               .scale = 3,
                               .max_images = 24,
                               .indices = {},
                               .title = recipe.name + ": test images, predicted / true"});
    std::cout << "Wrote " << prefix << "-{training,confusion,predictions}.png\n";
  }
  if (!options.save_path.empty()) {
    tinynet::io::save_model(model, options.save_path, {.include_optimizer = options.save_optimizer});
    std::cout << "Saved " << options.save_path << '\n';
  }
  return result;
}

int run(const Options& options) {
  const auto program_start = std::chrono::steady_clock::now();
  std::vector<fashion_mnist::Recipe> recipes;
  for (const std::string& name : split_names(options.model)) recipes.push_back(fashion_mnist::find_recipe(name));
  if (recipes.empty()) fail("--model needs at least one name");
  // Every output path is checked now, not after a long training run.
  if (!options.plots_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.plots_dir, ec);
    tinynet::io::check_writable(options.plots_dir + "/check.png", "plot");
  }
  for (const auto& [path, what] : {std::pair{options.save_path, "model file (--save)"},
                                   std::pair{options.checkpoint_path, "checkpoint (--checkpoint)"},
                                   std::pair{options.json_path, "JSON file (--json)"}})
    if (!path.empty()) tinynet::io::check_writable(path, what);
  if (!options.resume_path.empty() && !std::filesystem::exists(options.resume_path))
    fail("--resume: '" + options.resume_path + "' does not exist");
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);

  auto data = tinynet::datasets::load_fashion_mnist(options.data_dir);
  if (options.limit > 0 && options.limit < data.train.images.cols()) {
    data.train.images = data.train.images.left(options.limit);
    data.train.labels.resize(static_cast<std::size_t>(options.limit));
  }

  nlohmann::json runs = nlohmann::json::array();
  std::vector<std::pair<std::string, tinynet::History>> histories;
  for (const auto& recipe : recipes) {
    const int used = tinynet::set_num_threads(options.threads > 0 ? options.threads : tinynet::hardware_threads());
    if (options.threads > used)
      std::cerr << "fashion_mnist: --threads " << options.threads << " is more than this machine's " << used
                << " hardware threads; using " << used << '\n';
    const int folds = options.kfold.value_or(recipe.kfold);
    RunResult r = folds > 1 ? run_kfold(recipe, options, data, folds) : run_one(recipe, options, data);
    runs.push_back(r.json);
    if (!r.history.epochs.empty()) histories.emplace_back(recipe.name, r.history);
    if (interrupted) return 130;  // as a shell reports a program ended by Ctrl-C
  }
  if (!options.plots_dir.empty() && histories.size() > 1) {
    const std::string path = options.plots_dir + "/comparison.png";
    tinynet::plot::compare_runs(histories, "accuracy", path, "Training accuracy comparison");
    std::cout << "Wrote " << path << '\n';
  }
  std::cout << std::fixed << std::setprecision(2)
            << "Whole run: " << std::chrono::duration<double>(std::chrono::steady_clock::now() - program_start).count()
            << " s\n";

  if (!options.json_path.empty()) {
    nlohmann::json j = runs.size() == 1 ? runs[0] : nlohmann::json{{"runs", runs}};
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
