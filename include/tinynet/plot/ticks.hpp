// Axis ticks at "nice" numbers (1, 2 or 5 times a power of ten) and their labels, shared by the
// line chart's axes and the confusion matrix's colour bar.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace tinynet::plot {

struct Ticks {
  std::vector<double> values;  // ascending, all inside the range asked for
  double step = 1.0;
  int decimals = 0;  // digits after the point that tell the ticks apart
};

// The smallest of 1, 2, 5, 10 times a power of ten that is ≥ x (x > 0).
inline double nice_step_at_least(double x) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(x)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= x * (1.0 - 1e-9)) return m * magnitude;
  return 10.0 * magnitude;
}

// The next nice step above `step` (1 → 2 → 5 → 10 ...).
inline double next_nice_step(double step) { return nice_step_at_least(step * 1.000001); }

// Ticks every `step` from the first multiple of step ≥ lo to the last one ≤ hi.
inline Ticks ticks_with_step(double lo, double hi, double step) {
  Ticks t;
  t.step = step;
  t.decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  const double first = std::ceil(lo / step - 1e-9);
  const double last = std::floor(hi / step + 1e-9);
  for (double k = first; k <= last && t.values.size() < 1000; k += 1.0) {
    double v = k * step;
    if (std::abs(v) < step * 1e-9) v = 0.0;  // no "-0.0"
    t.values.push_back(v);
  }
  return t;
}

// About `target` ticks inside [lo, hi], with a step never below min_step (1 for counts or
// epochs, 0 for no limit).
inline Ticks nice_ticks(double lo, double hi, int target, double min_step = 0.0) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return ticks_with_step(lo, lo, 1.0);
  double step = nice_step_at_least((hi - lo) / std::max(1, target));
  if (min_step > 0.0 && step < min_step) step = nice_step_at_least(min_step);
  return ticks_with_step(lo, hi, step);
}

// v with a fixed number of decimals ("0.85", "12").
inline std::string format_number(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

}  // namespace tinynet::plot
