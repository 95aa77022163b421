// What EarlyStopping, ReduceLROnPlateau and ModelCheckpoint watch: one value of the epoch log
// (by its name, see model/history.hpp), and whether a new value of it counts as an improvement.
//
//   min mode:  improved ⇔ current < best − min_delta
//   max mode:  improved ⇔ current > best + min_delta
//
// "auto" picks max for accuracies (the name contains "acc", as Keras's heuristic) and min for
// everything else (losses).
#pragma once

#include <tinynet/model/history.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tinynet {

enum class MonitorMode { automatic, min, max };

namespace detail {

// Throws unless `name` is a value the epoch log carries; `who` names the callback.
inline void check_monitor(const std::string& name, const char* who) {
  try {
    (void)EpochLog{}.get(name);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(who) + ": cannot monitor " + e.what());
  }
}

// A val_ metric needs validation data: throws naming the callback and the metric otherwise.
inline void require_validation(const std::string& monitor, bool has_validation, const std::string& who) {
  if (monitor.starts_with("val_") && !has_validation)
    throw std::invalid_argument(who + " monitors " + monitor +
                                " but fit() has no validation data; pass validation_split or "
                                "validation_data, or monitor \"loss\"");
}

// True when a higher value is better.
inline bool maximizes(MonitorMode mode, const std::string& monitor) {
  if (mode == MonitorMode::automatic) return monitor.find("acc") != std::string::npos;
  return mode == MonitorMode::max;
}

inline bool improves(double current, double reference, double min_delta, bool maximize) {
  return maximize ? current > reference + min_delta : current < reference - min_delta;
}

}  // namespace detail
}  // namespace tinynet
