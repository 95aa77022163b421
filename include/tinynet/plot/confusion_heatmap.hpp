// A confusion matrix as a heatmap: a K×K grid of cells shaded from white (no samples) to dark
// blue (the largest count), each with its count written in it, true classes down the left,
// predicted classes along the bottom, and a colour bar that reads shades back as counts.
#pragma once

#include <tinynet/plot/canvas.hpp>
#include <tinynet/plot/ticks.hpp>
#include <tinynet/tensor.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynet::plot {

// The sequential "Blues" colour map (ColorBrewer's nine steps): t = 0 is near-white, t = 1 is
// dark blue, and brightness falls steadily in between.
inline Color blues(double t) {
  static constexpr std::array<Color, 9> kStops{{
      {247, 251, 255},
      {222, 235, 247},
      {198, 219, 239},
      {158, 202, 225},
      {107, 174, 214},
      {66, 146, 198},
      {33, 113, 181},
      {8, 81, 156},
      {8, 48, 107},
  }};
  t = std::clamp(t, 0.0, 1.0) * (kStops.size() - 1);
  const std::size_t i = std::min(static_cast<std::size_t>(t), kStops.size() - 2);
  return mix(kStops[i], kStops[i + 1], t - static_cast<double>(i));
}

// Where each part of the picture goes.
struct ConfusionMatrixLayout {
  int width = 0, height = 0;      // of the whole picture
  int classes = 0;                // K
  int cell = 0;                   // side of one cell in pixels
  int count_scale = 2;            // text scale of the counts; 0: counts do not fit and are left out
  bool vertical_columns = false;  // column labels turned a quarter turn (long class names)
  Rect matrix;                    // the K×K cells
  Rect colorbar;

  // The cell of samples of class `true_class` predicted as `predicted_class`.
  Rect cell_rect(int true_class, int predicted_class) const {
    return {matrix.x + predicted_class * cell, matrix.y + true_class * cell, cell, cell};
  }
};

namespace detail {

inline std::vector<std::string> class_labels(const std::vector<std::string>& names, int k, const char* who) {
  if (names.empty()) {
    std::vector<std::string> numbers;
    for (int i = 0; i < k; ++i) numbers.push_back(std::to_string(i));
    return numbers;
  }
  if (static_cast<int>(names.size()) != k)
    throw std::invalid_argument(std::string(who) + ": " + std::to_string(names.size()) + " class names for " +
                                std::to_string(k) + " classes");
  return names;
}

inline void check_counts(const Matrix<int>& counts) {
  if (counts.rows() != counts.cols() || counts.rows() == 0)
    throw std::invalid_argument("confusion_matrix plot: counts must be a non-empty square matrix, got " +
                                std::to_string(counts.rows()) + "x" + std::to_string(counts.cols()));
  for (Index j = 0; j < counts.cols(); ++j)
    for (Index i = 0; i < counts.rows(); ++i)
      if (counts(i, j) < 0)
        throw std::invalid_argument("confusion_matrix plot: negative count " + std::to_string(counts(i, j)) + " at (" +
                                    std::to_string(i) + ", " + std::to_string(j) + ")");
}

constexpr int kCmPad = 16;
constexpr int kCmBarWidth = 20;

}  // namespace detail

inline ConfusionMatrixLayout confusion_matrix_layout(const Matrix<int>& counts,
                                                     const std::vector<std::string>& class_names = {},
                                                     const std::string& title = "Confusion matrix") {
  detail::check_counts(counts);
  const int k = static_cast<int>(counts.rows());
  const std::vector<std::string> names = detail::class_labels(class_names, k, "confusion_matrix plot");
  const int th = Canvas::text_height();
  ConfusionMatrixLayout L;
  L.classes = k;

  // cells wide enough for the largest count at scale 2 (or 1 for many classes)
  const int widest_count = Canvas::text_width(std::to_string(counts.maxCoeff()), 2);
  L.cell = std::max(k <= 15 ? 44 : 24, widest_count + 14);
  if (k > 15) {
    L.cell = std::max(24, Canvas::text_width(std::to_string(counts.maxCoeff()), 1) + 8);
    L.count_scale = 1;
  }
  if (L.cell * k > 1600) {  // too many classes to write the counts: shade only
    L.cell = std::max(4, 1600 / k);
    L.count_scale = 0;
  }

  int widest_name = 0;
  for (const std::string& n : names) widest_name = std::max(widest_name, Canvas::text_width(n));
  L.vertical_columns = widest_name > L.cell - 6;  // horizontal while 6 pixels stay between labels
  const int column_labels_height = L.vertical_columns ? widest_name : th;

  const int left = detail::kCmPad + th + 14 + widest_name + 10;  // "True label", names, gap
  const int top = detail::kCmPad + (title.empty() ? 0 : th + 18);
  L.matrix = {left, top, L.cell * k, L.cell * k};
  L.colorbar = {L.matrix.right() + 24, top, detail::kCmBarWidth, L.matrix.height};

  int widest_tick = Canvas::text_width(std::to_string(counts.maxCoeff()));
  L.width =
      std::max(L.colorbar.right() + 8 + widest_tick + detail::kCmPad, Canvas::text_width(title) + 2 * detail::kCmPad);
  L.height = L.matrix.bottom() + 8 + column_labels_height + 14 + th + detail::kCmPad;
  return L;
}

inline Canvas render_confusion_heatmap(const Matrix<int>& counts, const std::vector<std::string>& class_names = {},
                                       const std::string& title = "Confusion matrix") {
  const ConfusionMatrixLayout L = confusion_matrix_layout(counts, class_names, title);
  const std::vector<std::string> names = detail::class_labels(class_names, L.classes, "confusion_matrix plot");
  const int th = Canvas::text_height();
  const double most = std::max(1, counts.maxCoeff());
  Canvas canvas(L.width, L.height);

  // cells and their counts
  for (int t = 0; t < L.classes; ++t) {
    for (int p = 0; p < L.classes; ++p) {
      const Rect r = L.cell_rect(t, p);
      const Color fill = blues(counts(t, p) / most);
      canvas.fill_rect(r, fill);
      if (L.count_scale > 0) {
        const Color ink = fill.luminance() < 0.5 ? colors::white : colors::text;
        canvas.draw_text(r.x + r.width / 2, r.y + (r.height - Canvas::text_height(L.count_scale)) / 2,
                         std::to_string(counts(t, p)), ink, L.count_scale, Align::center);
      }
    }
  }
  canvas.draw_rect({L.matrix.x - 1, L.matrix.y - 1, L.matrix.width + 2, L.matrix.height + 2}, colors::axis);

  // class names: true classes on the left, predicted ones below
  for (int i = 0; i < L.classes; ++i) {
    const std::string& name = names[static_cast<std::size_t>(i)];
    const Rect row = L.cell_rect(i, 0);
    canvas.draw_text(L.matrix.x - 10, row.y + (row.height - th) / 2, name, colors::text, Canvas::kTextScale,
                     Align::right);
    const Rect col = L.cell_rect(L.classes - 1, i);
    if (L.vertical_columns) {
      const int w = Canvas::text_width(name);
      canvas.draw_text_vertical(col.x + col.width / 2, L.matrix.bottom() + 8 + w / 2, name, colors::text);
    } else {
      canvas.draw_text(col.x + col.width / 2, L.matrix.bottom() + 8, name, colors::text, Canvas::kTextScale,
                       Align::center);
    }
  }
  int labels_height = th;
  if (L.vertical_columns)
    for (const std::string& n : names) labels_height = std::max(labels_height, Canvas::text_width(n));

  // axis labels and title
  const int cx = L.matrix.x + L.matrix.width / 2;
  canvas.draw_text(cx, L.matrix.bottom() + 8 + labels_height + 14, "Predicted label", colors::text, Canvas::kTextScale,
                   Align::center);
  canvas.draw_text_vertical(detail::kCmPad + th / 2, L.matrix.y + L.matrix.height / 2, "True label", colors::text);
  if (!title.empty()) {  // over the matrix, moved in where a long title would leave the picture
    const int tw = Canvas::text_width(title);
    const int tx = std::clamp(cx, detail::kCmPad + tw / 2,
                              std::max(detail::kCmPad + tw / 2, L.width - detail::kCmPad - tw / 2 - 1));
    canvas.draw_text(tx, detail::kCmPad, title, colors::text, Canvas::kTextScale, Align::center);
    canvas.draw_text(tx + 1, detail::kCmPad, title, colors::text, Canvas::kTextScale, Align::center);
  }

  // colour bar: 0 at the bottom, the largest count at the top
  const Rect bar = L.colorbar;
  for (int y = 0; y < bar.height; ++y)
    canvas.fill_rect({bar.x, bar.y + y, bar.width, 1},
                     blues(1.0 - static_cast<double>(y) / std::max(1, bar.height - 1)));
  canvas.draw_rect({bar.x - 1, bar.y - 1, bar.width + 2, bar.height + 2}, colors::axis);
  const Ticks ticks = nice_ticks(0.0, most, std::clamp(bar.height / 60, 2, 8), 1.0);
  for (double v : ticks.values) {
    const int py = bar.bottom() - 1 - static_cast<int>(std::lround(v / most * (bar.height - 1)));
    canvas.fill_rect({bar.right() + 1, py, 4, 1}, colors::axis);
    canvas.draw_text(bar.right() + 8, py - th / 2, format_number(v, 0), colors::text);
  }
  return canvas;
}

// Draws the heatmap and writes it to `path` as a PNG.
inline void confusion_heatmap(const Matrix<int>& counts, const std::vector<std::string>& class_names,
                              const std::string& path, const std::string& title = "Confusion matrix") {
  render_confusion_heatmap(counts, class_names, title).save_png(path);
}

}  // namespace tinynet::plot
