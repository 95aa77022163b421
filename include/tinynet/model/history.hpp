// What fit() records: one EpochLog per epoch, as Keras's History callback keeps its `logs`.
//
// The names of the logged values are written here once. Everything that shows or watches a
// metric — History::metric, the progress bar, CSVLogger, EarlyStopping and friends, the charts
// — asks the log by name or loops over EpochLog::logs(); none spells the list out again.
#pragma once

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinynet {

struct EpochLog {
  int epoch = 0;                   // 1-based
  double loss = 0;                 // mean training loss over the epoch (with regularization)
  double accuracy = 0;             // training accuracy over the epoch
  double seconds = 0;              // wall time of the epoch's training steps
  double learning_rate = 0;        // the optimizer's learning rate during the epoch
  std::optional<double> val_loss;  // set when fit() had validation data
  std::optional<double> val_accuracy;
  // The epoch ended before its last batch (a callback or a non-finite step stopped training):
  // ModelCheckpoint does not save such an epoch as done.
  bool interrupted = false;

  // The metrics the model measures; each is also logged as "val_" + name on validation data.
  static constexpr std::array<std::string_view, 2> metric_names{"accuracy", "loss"};

  // Every name a log may carry, in Keras's (sorted) order of its logs dictionary.
  static constexpr std::array<std::string_view, 6> names{"accuracy", "learning_rate", "loss",
                                                         "seconds",  "val_accuracy",  "val_loss"};

  // The value logged under `name`, or nothing for a val_ metric of a run without validation.
  // Throws std::invalid_argument for a name that is not in `names`.
  std::optional<double> get(std::string_view name) const {
    if (name == "accuracy") return accuracy;
    if (name == "learning_rate") return learning_rate;
    if (name == "loss") return loss;
    if (name == "seconds") return seconds;
    if (name == "val_accuracy") return val_accuracy;
    if (name == "val_loss") return val_loss;
    std::string known;
    for (std::string_view n : names) known += (known.empty() ? "" : ", ") + std::string(n);
    throw std::invalid_argument("unknown metric '" + std::string(name) + "' (expected one of " + known + ")");
  }

  // The metrics of this epoch that were recorded — accuracy, loss, then val_accuracy, val_loss
  // when validated — as (name, value), in Keras's order.
  std::vector<std::pair<std::string_view, double>> metrics() const {
    std::vector<std::pair<std::string_view, double>> out;
    for (std::string_view name : names)
      if (is_metric(name))
        if (const std::optional<double> v = get(name)) out.emplace_back(name, *v);
    return out;
  }

  // True for "accuracy", "loss", "val_accuracy", "val_loss"; false for the run's bookkeeping
  // ("learning_rate", "seconds").
  static bool is_metric(std::string_view name) {
    if (name.starts_with("val_")) name.remove_prefix(4);
    for (std::string_view m : metric_names)
      if (name == m) return true;
    return false;
  }
};

struct History {
  std::vector<EpochLog> epochs;
  int stopped_epoch = 0;    // epoch at which training stopped early (0: ran all epochs)
  std::string stop_reason;  // why it stopped early ("" when it did not), e.g. a non-finite loss

  // One logged value across epochs (see EpochLog::names). Throws std::invalid_argument for an
  // unknown name or a val_ metric the run did not record.
  std::vector<double> metric(std::string_view name) const {
    std::vector<double> values;
    values.reserve(epochs.size());
    for (const EpochLog& e : epochs) {
      const std::optional<double> v = e.get(name);
      if (!v)
        throw std::invalid_argument("History::metric: '" + std::string(name) +
                                    "' was not recorded (fit had no validation data)");
      values.push_back(*v);
    }
    return values;
  }
};

}  // namespace tinynet
