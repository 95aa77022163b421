// Line charts: named (x, y) series on shared axes with nice ticks, grid lines, a legend, a title
// and axis labels; plus the two charts a training run asks for, training_curves (accuracy and
// loss per epoch, training and validation) and compare_runs (one metric of several runs).
#pragma once

#include <tinynet/model/history.hpp>
#include <tinynet/plot/canvas.hpp>
#include <tinynet/plot/ticks.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinynet::plot {

struct Series {
  std::string name;            // shown in the legend; an empty name stays out of it
  std::vector<double> x, y;    // same length; a non-finite value breaks the line
  std::optional<Color> color;  // default: palette(position of the series)
  double thickness = 2.0;      // line width in pixels
  bool markers = true;         // a dot on each point (charts of up to 60 points)
};

enum class LegendPosition {
  best,           // inside the axes, in the corner or side the data leave most empty
  outside_right,  // to the right of the axes, never over the data
  none,
};

// Where a chart goes on the canvas and how data map to pixels.
struct ChartLayout {
  Rect area;    // the whole chart
  Rect plot;    // inside the axes
  Rect legend;  // empty when there is no legend
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  Ticks x_ticks, y_ticks;

  // Pixel column / row of a data value (pixel centres are whole numbers).
  double to_px_x(double v) const { return plot.x + (v - x_min) / (x_max - x_min) * (plot.width - 1); }
  double to_px_y(double v) const { return plot.bottom() - 1 - (v - y_min) / (y_max - y_min) * (plot.height - 1); }
};

class LineChart {
 public:
  static constexpr int kPad = 12;  // empty border around the chart
  static constexpr int kTickLength = 5;
  static constexpr int kMaxMarkers = 60;  // more points than this: line only

  LineChart() = default;
  explicit LineChart(std::string title) : title_(std::move(title)) {}

  LineChart& title(std::string t) {
    title_ = std::move(t);
    return *this;
  }
  LineChart& x_label(std::string t) {
    x_label_ = std::move(t);
    return *this;
  }
  LineChart& y_label(std::string t) {
    y_label_ = std::move(t);
    return *this;
  }
  LineChart& legend(LegendPosition p) {
    legend_ = p;
    return *this;
  }
  // Ticks on whole numbers only (epochs, counts).
  LineChart& integer_x_ticks(bool on = true) {
    integer_x_ = on;
    return *this;
  }

  // Fixed axis ranges; without them the axes span the data plus 5% on each side.
  LineChart& x_limits(double lo, double hi) {
    x_limits_ = checked_limits("x_limits", lo, hi);
    return *this;
  }
  LineChart& y_limits(double lo, double hi) {
    y_limits_ = checked_limits("y_limits", lo, hi);
    return *this;
  }

  LineChart& add(Series s) {
    if (s.x.size() != s.y.size())
      throw std::invalid_argument("LineChart::add: series '" + s.name + "' has " + std::to_string(s.x.size()) +
                                  " x values but " + std::to_string(s.y.size()) + " y values");
    series_.push_back(std::move(s));
    return *this;
  }
  LineChart& add(std::string name, std::vector<double> x, std::vector<double> y) {
    Series s;
    s.name = std::move(name);
    s.x = std::move(x);
    s.y = std::move(y);
    return add(std::move(s));
  }
  // y against 1, 2, ..., n (epochs).
  LineChart& add(std::string name, std::vector<double> y) {
    std::vector<double> x(y.size());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i + 1);
    return add(std::move(name), std::move(x), std::move(y));
  }

  const std::vector<Series>& series() const { return series_; }
  Color color_of(std::size_t i) const { return series_.at(i).color.value_or(palette(i)); }

  ChartLayout layout(Rect area) const {
    const int th = Canvas::text_height();
    ChartLayout L;
    L.area = area;
    range(true, L.x_min, L.x_max);
    range(false, L.y_min, L.y_max);

    const int top = area.y + kPad + (title_.empty() ? 4 : th + 16);
    const int bottom = area.bottom() - kPad - (x_label_.empty() ? 0 : th + 12) - th - 8 - kTickLength;
    const int plot_height = std::max(10, bottom - top);
    L.y_ticks = nice_ticks(L.y_min, L.y_max, std::clamp(plot_height / 55, 2, 10));
    int y_label_width = 0;
    for (double v : L.y_ticks.values)
      y_label_width = std::max(y_label_width, Canvas::text_width(format_number(v, L.y_ticks.decimals)));
    const int left = area.x + kPad + (y_label_.empty() ? 0 : th + 12) + y_label_width + 6 + kTickLength;

    const bool has_legend = legend_ != LegendPosition::none && legend_rows() > 0;
    const int legend_width = has_legend ? legend_size().first : 0;
    int right = area.right() - kPad;
    if (has_legend && legend_ == LegendPosition::outside_right) right -= legend_width + 12;
    // room for half of the last x tick label, which is centred on the axis's right end
    right -= Canvas::text_width(format_number(L.x_max, 2)) / 2;
    L.plot = {left, top, std::max(10, right - left), plot_height};

    L.x_ticks = nice_ticks(L.x_min, L.x_max, std::clamp(L.plot.width / 90, 2, 12), integer_x_ ? 1.0 : 0.0);
    // widen the step until neighbouring x labels keep 12 pixels apart
    for (int guard = 0; guard < 20 && L.x_ticks.values.size() > 1; ++guard) {
      int widest = 0;
      for (double v : L.x_ticks.values)
        widest = std::max(widest, Canvas::text_width(format_number(v, L.x_ticks.decimals)));
      const double spacing = L.x_ticks.step / (L.x_max - L.x_min) * (L.plot.width - 1);
      if (spacing >= widest + 12) break;
      L.x_ticks = ticks_with_step(L.x_min, L.x_max, next_nice_step(L.x_ticks.step));
    }

    if (has_legend) L.legend = place_legend(L);
    return L;
  }

  void draw(Canvas& canvas, Rect area) const {
    const ChartLayout L = layout(area);
    const int th = Canvas::text_height();
    const Rect saved_clip = canvas.clip();
    canvas.set_clip(area.intersect(saved_clip));
    canvas.fill_rect(area, colors::white);

    // grid lines behind everything
    for (double v : L.y_ticks.values)
      canvas.fill_rect({L.plot.x, static_cast<int>(std::lround(L.to_px_y(v))), L.plot.width, 1}, colors::grid);
    for (double v : L.x_ticks.values)
      canvas.fill_rect({static_cast<int>(std::lround(L.to_px_x(v))), L.plot.y, 1, L.plot.height}, colors::grid);

    // the data, clipped to the axes
    canvas.set_clip(L.plot.intersect(saved_clip));
    for (std::size_t i = 0; i < series_.size(); ++i) draw_series(canvas, L, i);
    canvas.set_clip(area.intersect(saved_clip));

    // frame, tick marks and tick labels
    const Rect frame{L.plot.x - 1, L.plot.y - 1, L.plot.width + 2, L.plot.height + 2};
    canvas.draw_rect(frame, colors::axis, 1);
    for (double v : L.y_ticks.values) {
      const int py = static_cast<int>(std::lround(L.to_px_y(v)));
      canvas.fill_rect({frame.x - kTickLength, py, kTickLength, 1}, colors::axis);
      canvas.draw_text(frame.x - kTickLength - 6, py - th / 2, format_number(v, L.y_ticks.decimals), colors::text,
                       Canvas::kTextScale, Align::right);
    }
    for (double v : L.x_ticks.values) {
      const int px = static_cast<int>(std::lround(L.to_px_x(v)));
      canvas.fill_rect({px, frame.bottom(), 1, kTickLength}, colors::axis);
      canvas.draw_text(px, frame.bottom() + kTickLength + 6, format_number(v, L.x_ticks.decimals), colors::text,
                       Canvas::kTextScale, Align::center);
    }

    // title and axis labels
    const int cx = L.plot.x + L.plot.width / 2;
    if (!title_.empty()) {
      canvas.draw_text(cx, area.y + kPad, title_, colors::text, Canvas::kTextScale, Align::center);
      canvas.draw_text(cx + 1, area.y + kPad, title_, colors::text, Canvas::kTextScale, Align::center);
    }
    if (!x_label_.empty())
      canvas.draw_text(cx, frame.bottom() + kTickLength + 6 + th + 12, x_label_, colors::text, Canvas::kTextScale,
                       Align::center);
    if (!y_label_.empty())
      canvas.draw_text_vertical(area.x + kPad + th / 2, L.plot.y + L.plot.height / 2, y_label_, colors::text);

    if (!L.legend.empty()) draw_legend(canvas, L.legend);
    canvas.set_clip(saved_clip);
  }

  Canvas render(int width = 800, int height = 500) const {
    Canvas canvas(width, height);
    draw(canvas, {0, 0, width, height});
    return canvas;
  }

  void save_png(const std::string& path, int width = 800, int height = 500) const {
    render(width, height).save_png(path);
  }

 private:
  static std::pair<double, double> checked_limits(const char* what, double lo, double hi) {
    if (!(lo < hi) || !std::isfinite(lo) || !std::isfinite(hi))
      throw std::invalid_argument(std::string("LineChart::") + what + ": need finite lo < hi, got " +
                                  std::to_string(lo) + " and " + std::to_string(hi));
    return {lo, hi};
  }

  // The axis range: the fixed limits, else the finite data ±5% (a single value gets ±5% of
  // itself, or ±0.5 when it is 0; no data at all gives [0, 1]).
  void range(bool x_axis, double& lo, double& hi) const {
    const auto& limits = x_axis ? x_limits_ : y_limits_;
    if (limits) {
      lo = limits->first, hi = limits->second;
      return;
    }
    lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const Series& s : series_) {
      for (std::size_t i = 0; i < s.x.size(); ++i) {
        if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
        const double v = x_axis ? s.x[i] : s.y[i];
        lo = std::min(lo, v), hi = std::max(hi, v);
      }
    }
    if (lo > hi) {
      lo = 0.0, hi = 1.0;
      return;
    }
    double margin = 0.05 * (hi - lo);
    if (margin == 0.0) margin = lo == 0.0 ? 0.5 : 0.05 * std::abs(lo);
    lo -= margin, hi += margin;
  }

  int legend_rows() const {
    int n = 0;
    for (const Series& s : series_) n += s.name.empty() ? 0 : 1;
    return n;
  }

  // Legend box: 8 px padding, a 28 px line sample, 8 px gap, the names; one 24 px row per entry.
  std::pair<int, int> legend_size() const {
    int widest = 0;
    for (const Series& s : series_) widest = std::max(widest, Canvas::text_width(s.name));
    return {8 + 28 + 8 + widest + 10, 8 + 24 * legend_rows()};
  }

  bool show_markers(const Series& s) const { return s.markers && s.x.size() <= static_cast<std::size_t>(kMaxMarkers); }

  // Pixel positions of a series, split where a value is not finite.
  std::vector<std::vector<std::pair<double, double>>> runs_of(const ChartLayout& L, const Series& s) const {
    std::vector<std::vector<std::pair<double, double>>> runs(1);
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) {
        runs.back().emplace_back(L.to_px_x(s.x[i]), L.to_px_y(s.y[i]));
      } else if (!runs.back().empty()) {
        runs.emplace_back();
      }
    }
    return runs;
  }

  void draw_series(Canvas& canvas, const ChartLayout& L, std::size_t i) const {
    const Series& s = series_[i];
    const Color c = color_of(i);
    for (const auto& run : runs_of(L, s)) {
      if (run.size() > 1) canvas.draw_polyline(run, c, s.thickness);
      if (show_markers(s) || run.size() == 1)
        for (const auto& [px, py] : run) canvas.fill_circle(px, py, s.thickness + 1.5, c);
    }
  }

  // LegendPosition::best tries nine places inside the axes, in matplotlib's order, and takes
  // the first of those that cover the fewest sampled points of the lines.
  Rect place_legend(const ChartLayout& L) const {
    const auto [w, h] = legend_size();
    if (legend_ == LegendPosition::outside_right) return {L.plot.right() + 12, L.plot.y, w, h};
    const int inset = 8;
    const int x_left = L.plot.x + inset, x_right = L.plot.right() - inset - w;
    const int x_mid = L.plot.x + (L.plot.width - w) / 2;
    const int y_top = L.plot.y + inset, y_bottom = L.plot.bottom() - inset - h;
    const int y_mid = L.plot.y + (L.plot.height - h) / 2;
    const std::array<Rect, 9> candidates{{
        {x_right, y_top, w, h},
        {x_left, y_top, w, h},
        {x_left, y_bottom, w, h},
        {x_right, y_bottom, w, h},
        {x_right, y_mid, w, h},
        {x_left, y_mid, w, h},
        {x_mid, y_bottom, w, h},
        {x_mid, y_top, w, h},
        {x_mid, y_mid, w, h},
    }};
    // points every ~2 pixels along each line
    std::vector<std::pair<double, double>> samples;
    for (const Series& s : series_) {
      for (const auto& run : runs_of(L, s)) {
        for (std::size_t k = 0; k < run.size(); ++k) {
          samples.push_back(run[k]);
          if (k + 1 == run.size()) break;
          const double dx = run[k + 1].first - run[k].first, dy = run[k + 1].second - run[k].second;
          const int steps = static_cast<int>(std::hypot(dx, dy) / 2.0);
          for (int j = 1; j < steps; ++j)
            samples.emplace_back(run[k].first + dx * j / steps, run[k].second + dy * j / steps);
        }
      }
    }
    Rect best = candidates[0];
    std::size_t best_hits = std::numeric_limits<std::size_t>::max();
    for (const Rect& r : candidates) {
      const Rect grown{r.x - 6, r.y - 6, r.width + 12, r.height + 12};
      std::size_t hits = 0;
      for (const auto& [px, py] : samples)
        hits += grown.contains(static_cast<int>(std::lround(px)), static_cast<int>(std::lround(py))) ? 1u : 0u;
      if (hits < best_hits) best = r, best_hits = hits;
      if (hits == 0) break;
    }
    return best;
  }

  void draw_legend(Canvas& canvas, Rect box) const {
    const int th = Canvas::text_height();
    canvas.fill_rect(box, colors::white);
    canvas.draw_rect(box, colors::legend_frame, 1);
    int row = 0;
    for (std::size_t i = 0; i < series_.size(); ++i) {
      const Series& s = series_[i];
      if (s.name.empty()) continue;
      const int cy = box.y + 4 + 24 * row + 12;
      const Color c = color_of(i);
      canvas.draw_line(box.x + 8, cy, box.x + 8 + 28, cy, c, s.thickness);
      if (show_markers(s)) canvas.fill_circle(box.x + 8 + 14, cy, s.thickness + 1.5, c);
      canvas.draw_text(box.x + 8 + 28 + 8, cy - th / 2, s.name, colors::text);
      ++row;
    }
  }

  std::string title_, x_label_, y_label_;
  std::vector<Series> series_;
  std::optional<std::pair<double, double>> x_limits_, y_limits_;
  LegendPosition legend_ = LegendPosition::best;
  bool integer_x_ = false;
};

// ---- charts of training runs -------------------------------------------------------------------

// A logged name as a chart labels it: "val_accuracy" → "Validation accuracy", "learning_rate" →
// "Learning rate" (the prefix spelled out, underscores as spaces, the first letter capital).
inline std::string metric_label(std::string_view metric) {
  std::string label;
  if (metric.starts_with("val_")) {
    label = "validation ";
    metric.remove_prefix(4);
  }
  label += metric;
  std::replace(label.begin(), label.end(), '_', ' ');
  if (!label.empty() && label[0] >= 'a' && label[0] <= 'z') label[0] = static_cast<char>(label[0] - 'a' + 'A');
  return label;
}

namespace detail {

// Epoch numbers of a history (1, 2, ... when the log left them 0).
inline std::vector<double> epoch_numbers(const History& history) {
  std::vector<double> x;
  for (std::size_t i = 0; i < history.epochs.size(); ++i)
    x.push_back(history.epochs[i].epoch > 0 ? history.epochs[i].epoch : static_cast<double>(i + 1));
  return x;
}

// One panel of training_curves: a metric ("accuracy", "loss") in training and, where recorded,
// on the validation data.
inline LineChart training_panel(const History& history, std::string_view metric) {
  const std::vector<double> epochs = epoch_numbers(history);
  Series train, val;
  train.name = "training";
  train.color = palette(0);
  val.name = "validation";
  val.color = palette(1);
  for (std::size_t i = 0; i < history.epochs.size(); ++i) {
    const EpochLog& e = history.epochs[i];
    train.x.push_back(epochs[i]);
    train.y.push_back(*e.get(metric));
    if (const std::optional<double> v = e.get("val_" + std::string(metric))) {
      val.x.push_back(epochs[i]);
      val.y.push_back(*v);
    }
  }
  LineChart chart(metric_label(metric));
  chart.x_label("Epoch").y_label(metric_label(metric)).integer_x_ticks();
  chart.add(std::move(train));
  if (!val.x.empty()) chart.add(std::move(val));
  return chart;
}

}  // namespace detail

// A panel per metric the model measures (EpochLog::metric_names: accuracy left, loss right) per
// epoch, training and validation, side by side under one title. Throws std::invalid_argument on a history without epochs.
inline Canvas render_training_curves(const History& history, const std::string& title = "Training history",
                                     int width = 1200, int height = 500) {
  if (history.epochs.empty()) throw std::invalid_argument("training_curves: the history has no epochs");
  Canvas canvas(width, height);
  const int title_band = title.empty() ? 0 : Canvas::text_height(3) + 20;
  if (!title.empty()) {
    canvas.draw_text(width / 2, 14, title, colors::text, 3, Align::center);
    canvas.draw_text(width / 2 + 1, 14, title, colors::text, 3, Align::center);
  }
  const int panels = static_cast<int>(EpochLog::metric_names.size());
  for (int i = 0; i < panels; ++i) {
    const int left = width * i / panels, right = width * (i + 1) / panels;
    detail::training_panel(history, EpochLog::metric_names[static_cast<std::size_t>(i)])
        .draw(canvas, {left, title_band, right - left, height - title_band});
  }
  return canvas;
}

inline void training_curves(const History& history, const std::string& path, std::string title = "Training history") {
  render_training_curves(history, title).save_png(path);
}

// One metric ("accuracy", "val_loss", ... as History::metric names them) of several runs on one
// chart, a line per run named in the legend: runs of different models, or the folds of a k-fold
// cross-validation. Throws std::invalid_argument on no runs or a metric a run did not record.
inline Canvas render_compare_runs(const std::vector<std::pair<std::string, History>>& runs, const std::string& metric,
                                  const std::string& title = "", int width = 900, int height = 550) {
  if (runs.empty()) throw std::invalid_argument("compare_runs: no runs to compare");
  LineChart chart(title.empty() ? metric_label(metric) + " by epoch" : title);
  chart.x_label("Epoch").y_label(metric_label(metric)).integer_x_ticks();
  if (runs.size() > 6) chart.legend(LegendPosition::outside_right);
  for (const auto& [name, history] : runs) {
    std::vector<double> values;
    try {
      values = history.metric(metric);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("compare_runs: run '" + name + "': " + e.what());
    }
    chart.add(name, detail::epoch_numbers(history), std::move(values));
  }
  return chart.render(width, height);
}

inline void compare_runs(const std::vector<std::pair<std::string, History>>& runs, const std::string& metric,
                         const std::string& path, std::string title = "") {
  render_compare_runs(runs, metric, title).save_png(path);
}

}  // namespace tinynet::plot
