// ModelCheckpoint: saves the model during training, as keras.callbacks.ModelCheckpoint.
//
//   ModelCheckpoint<float>({.path = "ckpt-{epoch:02d}.safetensors", .save_best_only = true})
//
// At the end of every epoch e (1-based) that ran to its last batch (an epoch that a callback or a
// non-finite step cut short is not saved, so the last file always holds whole epochs):
//
//   save_best_only = false:   save to path(e)
//   save_best_only = true:    if the monitored metric improves on the best value so far
//                             (min mode: current < best, max mode: current > best; "auto" picks
//                             max for accuracies, see monitor.hpp), best ← current and save
//
// path(e) is `path` with every "{epoch}" replaced by e, and "{epoch:0Nd}" by e padded with
// zeros to N digits (Keras's format). Without a placeholder the file is overwritten each time.
// Files are written by io::save_model (io/model_file.hpp) — atomically, so a crash mid-save leaves
// the previous checkpoint intact — with the epoch in the metadata key "epoch", and with the
// optimizer's state when include_optimizer is set, so that training can resume:
//
//   auto model = io::load_model<float>(path);
//   int done = std::stoi(io::read_safetensors(path).metadata.at("epoch"));
//   model.fit(x, y, {.epochs = 20, .initial_epoch = done, ...});
//
// The best value persists across fit() calls on the same callback, as in Keras; a new callback
// starts from initial_value_threshold (±∞ if unset). With save_best_only, a val_* metric
// requires validation data: on_train_begin throws otherwise (it would never save).
#pragma once

#include <tinynet/io/model_file.hpp>
#include <tinynet/model/sequential.hpp>
#include <tinynet/training/callback.hpp>
#include <tinynet/callbacks/monitor.hpp>

#include <iostream>
#include <limits>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>

namespace tinynet {

struct ModelCheckpointOptions {  // in Keras's argument order
  std::string path;              // may contain {epoch} or {epoch:02d}
  std::string monitor = "val_loss";
  int verbose = 0;  // 1: print a line whenever a file is saved
  bool save_best_only = false;
  MonitorMode mode = MonitorMode::automatic;
  bool include_optimizer = false;                   // save the optimizer's state as well (to resume)
  std::optional<double> initial_value_threshold{};  // the value the first save must beat
  std::ostream* out = &std::cout;                   // where verbose messages go
};

namespace detail {

// "ckpt-{epoch:03d}.safetensors", 7 → "ckpt-007.safetensors". Throws std::invalid_argument
// for any other "{...}" placeholder.
inline std::string checkpoint_path(const std::string& pattern, int epoch) {
  std::string out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    const std::size_t open = pattern.find('{', i);
    if (open == std::string::npos) {
      out += pattern.substr(i);
      break;
    }
    out += pattern.substr(i, open - i);
    const std::size_t close = pattern.find('}', open);
    const std::string field = pattern.substr(open, close == std::string::npos ? std::string::npos : close - open + 1);
    std::size_t width = 0;
    bool valid = field == "{epoch}";
    if (!valid && field.starts_with("{epoch:") && field.ends_with("d}")) {  // {epoch:0Nd}, {epoch:d}
      const std::string spec = field.substr(7, field.size() - 9);
      valid = spec.empty() || (spec.size() <= 3 && spec.find_first_not_of("0123456789") == std::string::npos);
      if (valid && !spec.empty()) width = std::stoul(spec);
    }
    if (!valid)
      throw std::invalid_argument("ModelCheckpoint: path placeholder '" + field +
                                  "' is not supported (use {epoch} or {epoch:02d})");
    const std::string number = std::to_string(epoch);
    if (number.size() < width) out += std::string(width - number.size(), '0');
    out += number;
    i = close + 1;
  }
  return out;
}

}  // namespace detail

template <typename T>
class ModelCheckpoint : public Callback<T> {
 public:
  explicit ModelCheckpoint(ModelCheckpointOptions options) : options_(std::move(options)) {
    if (options_.path.empty()) throw std::invalid_argument("ModelCheckpoint: path is empty");
    (void)detail::checkpoint_path(options_.path, 1);  // reject a bad placeholder now, not after an epoch
    detail::check_monitor(options_.monitor, "ModelCheckpoint");
    maximize_ = detail::maximizes(options_.mode, options_.monitor);
    best_ = options_.initial_value_threshold.value_or(maximize_ ? -std::numeric_limits<double>::infinity()
                                                                : std::numeric_limits<double>::infinity());
  }

  void on_train_begin(const TrainBegin& info, Sequential<T>&) override {
    if (options_.save_best_only)
      detail::require_validation(options_.monitor, info.has_validation, "ModelCheckpoint (save_best_only)");
  }

  void on_epoch_end(const EpochLog& log, Sequential<T>& model) override {
    if (log.interrupted) return;  // an epoch cut short is not saved as done
    const std::string path = detail::checkpoint_path(options_.path, log.epoch);
    if (options_.save_best_only) {
      const std::optional<double> current = log.get(options_.monitor);
      if (!current || !detail::improves(*current, best_, 0, maximize_)) {
        if (options_.verbose > 0 && options_.out && current)
          *options_.out << "Epoch " << log.epoch << ": " << options_.monitor << " did not improve from " << best_
                        << "\n";
        return;
      }
      if (options_.verbose > 0 && options_.out)
        *options_.out << "Epoch " << log.epoch << ": " << options_.monitor << " improved from " << best_ << " to "
                      << *current << ", saving model to " << path << "\n";
      best_ = *current;
    } else if (options_.verbose > 0 && options_.out) {
      *options_.out << "Epoch " << log.epoch << ": saving model to " << path << "\n";
    }
    io::save_model(
        model, path,
        {.include_optimizer = options_.include_optimizer, .metadata = {{"epoch", std::to_string(log.epoch)}}});
    last_path_ = path;
    ++saves_;
  }

  // The best monitored value so far (save_best_only), ±∞ or the threshold before any.
  double best() const { return best_; }
  // The file most recently written ("" before any), and how many files were written.
  const std::string& last_path() const { return last_path_; }
  int saves() const { return saves_; }
  const ModelCheckpointOptions& options() const { return options_; }

 private:
  ModelCheckpointOptions options_;
  bool maximize_ = false;
  double best_ = 0;
  std::string last_path_;
  int saves_ = 0;
};

}  // namespace tinynet
