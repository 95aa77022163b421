// What fit() returns: one record per epoch, as Keras's History callback keeps it.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tinynet {

struct EpochLog {
  int epoch = 0;                        // 1-based
  double loss = 0;                      // mean training loss over the epoch (with regularization)
  double accuracy = 0;                  // training accuracy over the epoch
  double seconds = 0;                   // wall time of the epoch's training steps
  double learning_rate = 0;             // the optimizer's learning rate during the epoch
  std::optional<double> val_loss;       // set when fit() had validation data
  std::optional<double> val_accuracy;
};

struct History {
  std::vector<EpochLog> epochs;
  int stopped_epoch = 0;  // epoch at which a callback stopped training (0: ran all epochs)

  // One metric across epochs: "loss", "accuracy", "val_loss", "val_accuracy", "seconds",
  // "learning_rate". Throws on an unknown name or a metric the run did not record.
  std::vector<double> metric(std::string_view name) const {
    std::vector<double> values;
    values.reserve(epochs.size());
    for (const EpochLog& e : epochs) {
      if (name == "loss") values.push_back(e.loss);
      else if (name == "accuracy") values.push_back(e.accuracy);
      else if (name == "seconds") values.push_back(e.seconds);
      else if (name == "learning_rate") values.push_back(e.learning_rate);
      else if (name == "val_loss" || name == "val_accuracy") {
        const std::optional<double>& v = name == "val_loss" ? e.val_loss : e.val_accuracy;
        if (!v) throw std::invalid_argument("History::metric: '" + std::string(name) +
                                            "' was not recorded (fit had no validation data)");
        values.push_back(*v);
      } else {
        throw std::invalid_argument("History::metric: unknown metric '" + std::string(name) +
                                    "' (expected loss, accuracy, val_loss, val_accuracy, "
                                    "seconds or learning_rate)");
      }
    }
    return values;
  }
};

}  // namespace tinynet
