// ProgressBar: training progress, as Keras's fit(verbose=...) prints it.
//
// verbose 0: nothing.
// verbose 1 on a terminal: the "Epoch k/N" header, then a bar redrawn in place ('\r', at most once
// every `interval` seconds) with the elapsed time, the time per step, the ETA and the running
// metrics; when the epoch ends the bar gives way to the final line, with validation metrics:
//
//   Epoch 3/10
//   412/938 ━━━━━━━━──────────── 2s 5ms/step - ETA: 3s - accuracy: 0.8399 - loss: 0.4664      (running)
//   938/938 ━━━━━━━━━━━━━━━━━━━━ 5s 5ms/step - accuracy: 0.8399 - loss: 0.4664 - val_accuracy: 0.8500 - val_loss: 0.4100
//
// verbose 2, or output that is not a terminal (a file, a pipe, CI logs): one line per epoch.
//
//   Epoch 3/10 - 938/938 - 5s - 5ms/step - accuracy: 0.8399 - loss: 0.4664 - val_accuracy: 0.8500 - val_loss: 0.4100
//
// A stream is a terminal when it is std::cout (std::cerr, std::clog) and that file descriptor is a
// tty; any other std::ostream is not. ProgressOptions::terminal forces either mode.
// Durations read "5s", "1m 23s", "1h 02m 03s"; the time per step "5ms/step", "120us/step",
// "2s/step"; metric values have 4 decimals, or are written "5.0000e-04" when |v| ≤ 1e-3 (Keras).
#pragma once

#include <tinynet/training/callback.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <ostream>
#include <string>

#if defined(_WIN32)
#include <io.h>
#else
#include <unistd.h>
#endif

namespace tinynet {

enum class Terminal { detect, yes, no };

struct ProgressOptions {
  Terminal terminal = Terminal::detect;  // detect: std::cout / std::cerr writing to a tty
  bool ascii = false;                    // "[=======>......]" instead of "━━━━━━━━──────"
  int width = 20;                        // bar width, characters
  double interval = 0.1;                 // least time between two redraws of the bar, seconds
};

namespace detail {

// True when `out` is std::cout (or std::cerr, std::clog) and its file descriptor is a terminal.
inline bool stream_is_terminal(const std::ostream& out) {
  std::FILE* file = nullptr;
  if (&out == &std::cout)
    file = stdout;
  else if (&out == &std::cerr || &out == &std::clog)
    file = stderr;
  if (!file) return false;
#if defined(_WIN32)
  return _isatty(_fileno(file)) != 0;
#else
  return isatty(fileno(file)) != 0;
#endif
}

// Whole seconds, rounded: "0s", "59s", "1m 00s", "1h 02m 03s".
inline std::string format_duration(double seconds) {
  const long long total = std::llround(std::max(0.0, seconds));  // NaN → 0
  const long long h = total / 3600, m = total / 60 % 60, s = total % 60;
  char text[64];
  if (h > 0)
    std::snprintf(text, sizeof text, "%lldh %02lldm %02llds", h, m, s);
  else if (m > 0)
    std::snprintf(text, sizeof text, "%lldm %02llds", m, s);
  else
    std::snprintf(text, sizeof text, "%llds", s);
  return text;
}

// The time of one step in the largest unit that reads ≥ 1 after rounding: "120us/step",
// "5ms/step", "2s/step".
inline std::string format_step_time(double seconds) {
  seconds = std::max(0.0, seconds);
  char text[64];
  if (const long long us = std::llround(seconds * 1e6); us < 1000)
    std::snprintf(text, sizeof text, "%lldus/step", us);
  else if (const long long ms = std::llround(seconds * 1e3); ms < 1000)
    std::snprintf(text, sizeof text, "%lldms/step", ms);
  else
    std::snprintf(text, sizeof text, "%llds/step", std::llround(seconds));
  return text;
}

// A metric value as Keras writes it: "0.4664", or "5.0000e-04" when |v| ≤ 1e-3.
inline std::string format_metric(double value) {
  char text[64];
  std::snprintf(text, sizeof text, std::abs(value) > 1e-3 ? "%.4f" : "%.4e", value);
  return text;
}

// " 12/938": the step count right-aligned to the width of the total, as Keras.
inline std::string format_step_count(Index step, Index total) {
  char text[64];
  const int digits = static_cast<int>(std::to_string(total).size());
  std::snprintf(text, sizeof text, "%*lld/%lld", digits, static_cast<long long>(step), static_cast<long long>(total));
  return text;
}

// The bar: `width` characters, step/total of them filled.
//   Unicode: "━━━━━━━━────────────"   ASCII (Keras 2): "[=======>............]"
inline std::string format_bar(Index step, Index total, int width, bool ascii) {
  width = std::max(width, 0);
  const Index filled = total > 0 ? std::clamp<Index>(step * width / total, 0, width) : width;
  std::string bar;
  if (ascii) {
    bar += '[';
    if (filled > 0) bar += std::string(static_cast<std::size_t>(filled - 1), '=') + (step < total ? '>' : '=');
    bar += std::string(static_cast<std::size_t>(width - filled), '.');
    bar += ']';
  } else {
    for (Index i = 0; i < width; ++i) bar += i < filled ? "━" : "─";
  }
  return bar;
}

// Characters on screen: UTF-8 bytes that do not continue a code point.
inline std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace detail

template <typename T>
class ProgressBar : public Callback<T> {
 public:
  explicit ProgressBar(int verbose = 1, std::ostream& out = std::cout, ProgressOptions options = {})
      : verbose_(verbose),
        out_(out),
        options_(options),
        in_place_(verbose == 1 && (options.terminal == Terminal::detect ? detail::stream_is_terminal(out)
                                                                        : options.terminal == Terminal::yes)) {}

  // True when the bar is redrawn in place; false for one line per epoch (or for verbose 0).
  bool in_place() const { return in_place_; }

  void on_train_begin(const TrainBegin& info, Sequential<T>&) override {
    epochs_ = info.epochs;
    steps_ = info.steps_per_epoch;
  }

  void on_epoch_begin(int epoch, Sequential<T>&) override {
    step_ = 0;
    last_draw_ = -std::numeric_limits<double>::infinity();
    shown_width_ = 0;
    if (verbose_ > 0 && in_place_) out_ << "Epoch " << epoch << '/' << epochs_ << '\n' << std::flush;
  }

  void on_batch_end(const BatchEnd& batch, Sequential<T>&) override {
    step_ = batch.step;
    steps_ = batch.steps_per_epoch;
    if (verbose_ <= 0 || !in_place_) return;
    if (batch.seconds - last_draw_ < options_.interval) return;  // throttled (the first step always draws)
    last_draw_ = batch.seconds;
    const double per_step = batch.seconds / static_cast<double>(std::max<Index>(1, step_));
    const std::string eta = detail::format_duration(per_step * static_cast<double>(steps_ - step_));
    redraw(detail::format_step_count(step_, steps_) + ' ' + bar(step_) + ' ' + detail::format_duration(batch.seconds) +
               ' ' + detail::format_step_time(per_step) + " - ETA: " + eta + metrics(running(batch)),
           false);
  }

  void on_epoch_end(const EpochLog& log, Sequential<T>&) override {
    if (verbose_ <= 0) return;
    const Index done = step_ > 0 ? step_ : steps_;  // fewer than steps_ when a callback stopped the epoch
    const std::string count = detail::format_step_count(done, steps_);
    const std::string seconds = detail::format_duration(log.seconds);
    const std::string per_step = detail::format_step_time(log.seconds / static_cast<double>(std::max<Index>(1, done)));
    const std::string values = metrics(log);
    if (in_place_)
      redraw(count + ' ' + bar(done) + ' ' + seconds + ' ' + per_step + values, true);
    else
      out_ << "Epoch " << log.epoch << '/' << epochs_ << " - " << count << " - " << seconds << " - " << per_step
           << values << std::endl;
  }

 private:
  // The epoch's running means as a log, for metrics().
  static EpochLog running(const BatchEnd& batch) {
    EpochLog log;
    log.loss = batch.loss;
    log.accuracy = batch.accuracy;
    return log;
  }

  std::string bar(Index step) const { return detail::format_bar(step, steps_, options_.width, options_.ascii); }

  // " - accuracy: 0.8399 - loss: 0.4664 - val_accuracy: …", every metric the log carries, in Keras's order.
  static std::string metrics(const EpochLog& log) {
    std::string text;
    for (const auto& [name, value] : log.metrics())
      text += " - " + std::string(name) + ": " + detail::format_metric(value);
    return text;
  }

  // '\r', the line, spaces over what is left of a longer previous line; '\n' when the epoch is done.
  void redraw(const std::string& line, bool finished) {
    const std::size_t width = detail::display_width(line);
    out_ << '\r' << line;
    if (width < shown_width_) out_ << std::string(shown_width_ - width, ' ');
    shown_width_ = finished ? 0 : width;
    if (finished) out_ << '\n';
    out_.flush();
  }

  int verbose_;
  std::ostream& out_;
  ProgressOptions options_;
  bool in_place_;
  int epochs_ = 0;
  Index steps_ = 0;              // steps per epoch
  Index step_ = 0;               // last step seen in this epoch
  double last_draw_ = 0;         // BatchEnd::seconds of the last redraw
  std::size_t shown_width_ = 0;  // characters of the line on screen
};

}  // namespace tinynet
