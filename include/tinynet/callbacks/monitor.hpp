// What EarlyStopping and ReduceLROnPlateau watch: one metric of the epoch log, and whether a
// new value of it counts as an improvement.
//
//   min mode:  improved ⇔ current < best − min_delta
//   max mode:  improved ⇔ current > best + min_delta
//
// "auto" picks max for accuracies (the name contains "acc", as Keras's heuristic) and min for
// everything else (losses).
#pragma once

#include "../history.hpp"

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tinynet {

enum class MonitorMode { automatic, min, max };

namespace detail {

// The monitored metric's value in `log`, or nothing when the log lacks it (val_* without
// validation data).
inline std::optional<double> monitored_value(const EpochLog& log, std::string_view name) {
  if (name == "loss") return log.loss;
  if (name == "accuracy") return log.accuracy;
  if (name == "learning_rate") return log.learning_rate;
  if (name == "val_loss") return log.val_loss;
  if (name == "val_accuracy") return log.val_accuracy;
  throw std::invalid_argument("unknown metric '" + std::string(name) +
                              "' (expected loss, accuracy, val_loss, val_accuracy or learning_rate)");
}

// Throws unless `name` is a metric the epoch log carries; `who` names the callback.
inline void check_monitor(const std::string& name, const char* who) {
  try {
    (void)monitored_value(EpochLog{}, name);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(who) + ": cannot monitor " + e.what());
  }
}

// True when a higher value is better.
// A val_ metric needs validation data: throws naming the callback and the metric otherwise.
inline void require_validation(const std::string& monitor, bool has_validation, const std::string& who) {
  if (monitor.starts_with("val_") && !has_validation)
    throw std::invalid_argument(who + " monitors " + monitor +
                                " but fit() has no validation data; pass validation_split or "
                                "validation_data, or monitor \"loss\"");
}

inline bool maximizes(MonitorMode mode, const std::string& monitor) {
  if (mode == MonitorMode::automatic) return monitor.find("acc") != std::string::npos;
  return mode == MonitorMode::max;
}

inline bool improves(double current, double reference, double min_delta, bool maximize) {
  return maximize ? current > reference + min_delta : current < reference - min_delta;
}

}  // namespace detail
}  // namespace tinynet
