// A grid of grayscale images (one per column of a matrix, e.g. Fashion-MNIST's 28×28), each
// enlarged, with its predicted and true class printed below it: green frame and text when the
// prediction is right, red when it is wrong.
#pragma once

#include <tinynet/data/images.hpp>
#include <tinynet/plot/canvas.hpp>
#include <tinynet/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tinynet::plot {

struct ImageGridOptions {
  int columns = 5;           // images per row
  int scale = 3;             // each image pixel becomes scale×scale pixels
  int max_images = 25;       // without `indices`: show the first max_images columns
  std::vector<int> indices;  // the columns to show (say, the misclassified ones), in order
  std::string title;
};

// Where each part of the grid goes.
struct ImageGridLayout {
  int width = 0, height = 0;  // of the whole picture
  int rows = 0, columns = 0;
  std::vector<Rect> images;  // the enlarged image of each shown sample, in order
};

namespace detail {

constexpr int kGridPad = 16;   // border around the grid
constexpr int kGridGap = 14;   // between tiles
constexpr int kGridFrame = 3;  // frame width around each image

// The text lines under a tile: "pred: <name>" and/or "true: <name>".
inline std::vector<std::string> tile_lines(std::size_t column, const std::vector<int>& predicted,
                                           const std::vector<int>& true_labels,
                                           const std::vector<std::string>& class_names) {
  auto name = [&](int label) {
    return label >= 0 && static_cast<std::size_t>(label) < class_names.size()
               ? class_names[static_cast<std::size_t>(label)]
               : std::to_string(label);
  };
  std::vector<std::string> lines;
  if (!predicted.empty()) lines.push_back("pred: " + name(predicted[column]));
  if (!true_labels.empty()) lines.push_back("true: " + name(true_labels[column]));
  return lines;
}

inline std::vector<int> shown_columns(Index available, const ImageGridOptions& options) {
  std::vector<int> shown = options.indices;
  if (shown.empty()) {
    const Index n = std::min<Index>(available, std::max(0, options.max_images));
    for (Index i = 0; i < n; ++i) shown.push_back(static_cast<int>(i));
  }
  for (std::size_t i = 0; i < shown.size(); ++i)
    if (shown[i] < 0 || shown[i] >= available)
      throw std::invalid_argument("image_grid: indices[" + std::to_string(i) + "] = " + std::to_string(shown[i]) +
                                  " is outside the " + std::to_string(available) + " images");
  return shown;
}

}  // namespace detail

// The layout for `count` images of image_height×image_width pixels with `lines` text lines
// under each, at most `widest_line` pixels wide.
inline ImageGridLayout image_grid_layout(int count, int image_height, int image_width, int lines, int widest_line,
                                         const ImageGridOptions& options = {}) {
  if (options.columns <= 0 || options.scale <= 0)
    throw std::invalid_argument("image_grid: columns and scale must be positive, got " +
                                std::to_string(options.columns) + " and " + std::to_string(options.scale));
  const int th = Canvas::text_height();
  const int image_w = image_width * options.scale + 2 * detail::kGridFrame;
  const int image_h = image_height * options.scale + 2 * detail::kGridFrame;
  const int tile_w = std::max(image_w, widest_line);
  const int tile_h = image_h + (lines > 0 ? 8 + lines * (th + 8) - 8 : 0);

  ImageGridLayout L;
  L.columns = std::max(1, std::min(options.columns, count));
  L.rows = (count + L.columns - 1) / L.columns;
  const int top = detail::kGridPad + (options.title.empty() ? 0 : th + 18);
  L.width = std::max(2 * detail::kGridPad + L.columns * tile_w + (L.columns - 1) * detail::kGridGap,
                     2 * detail::kGridPad + Canvas::text_width(options.title));
  L.height = top + L.rows * tile_h + std::max(0, L.rows - 1) * (detail::kGridGap + 6) + detail::kGridPad;
  for (int k = 0; k < count; ++k) {
    const int r = k / L.columns, c = k % L.columns;
    const int tile_x = detail::kGridPad + c * (tile_w + detail::kGridGap);
    const int tile_y = top + r * (tile_h + detail::kGridGap + 6);
    L.images.push_back({tile_x + (tile_w - image_w) / 2 + detail::kGridFrame, tile_y + detail::kGridFrame,
                        image_width * options.scale, image_height * options.scale});
  }
  return L;
}

namespace detail {

// The value of pixel i of image j: a matrix's entry, or an Images byte / 255.
template <typename Matrix>
double pixel(const Matrix& images, Index i, Index j) {
  return static_cast<double>(images(i, j));
}
inline double pixel(const Images& images, Index i, Index j) { return Images::value<double>(images.bytes()(i, j)); }

}  // namespace detail

// images: (image_height·image_width × N), one image per column (a matrix, or Images), row-major pixels in [0, 1]
// (0 black, 1 white; values outside are clamped). predicted / true_labels: empty, or one label
// per column of images; class_names: empty (labels print as numbers) or one name per class.
template <typename Pixels>
Canvas render_image_grid(const Pixels& images, int image_height, int image_width,
                         const std::vector<int>& predicted = {}, const std::vector<int>& true_labels = {},
                         const std::vector<std::string>& class_names = {}, const ImageGridOptions& options = {}) {
  if (image_height <= 0 || image_width <= 0 || images.rows() != static_cast<Index>(image_height) * image_width)
    throw std::invalid_argument("image_grid: images have " + std::to_string(images.rows()) +
                                " rows, expected image_height*image_width = " + std::to_string(image_height) + "*" +
                                std::to_string(image_width));
  for (const auto* labels : {&predicted, &true_labels})
    if (!labels->empty() && static_cast<Index>(labels->size()) != images.cols())
      throw std::invalid_argument(std::string("image_grid: ") + (labels == &predicted ? "predicted" : "true_labels") +
                                  " has " + std::to_string(labels->size()) + " labels for " +
                                  std::to_string(images.cols()) + " images");
  const std::vector<int> shown = detail::shown_columns(images.cols(), options);
  if (shown.empty()) throw std::invalid_argument("image_grid: no images to show");

  int lines = 0, widest = 0;
  for (int column : shown) {
    const auto text = detail::tile_lines(static_cast<std::size_t>(column), predicted, true_labels, class_names);
    lines = std::max(lines, static_cast<int>(text.size()));
    for (const std::string& s : text) widest = std::max(widest, Canvas::text_width(s));
  }
  const ImageGridLayout L =
      image_grid_layout(static_cast<int>(shown.size()), image_height, image_width, lines, widest, options);
  const int th = Canvas::text_height();
  Canvas canvas(L.width, L.height);
  if (!options.title.empty()) {
    canvas.draw_text(L.width / 2, detail::kGridPad, options.title, colors::text, Canvas::kTextScale, Align::center);
    canvas.draw_text(L.width / 2 + 1, detail::kGridPad, options.title, colors::text, Canvas::kTextScale, Align::center);
  }

  for (std::size_t k = 0; k < shown.size(); ++k) {
    const auto column = static_cast<std::size_t>(shown[k]);
    const Rect r = L.images[k];
    const bool judged = !predicted.empty() && !true_labels.empty();
    const bool right = judged && predicted[column] == true_labels[column];
    const Color mark = !judged ? colors::grid : right ? colors::green : colors::red;
    canvas.draw_rect({r.x - detail::kGridFrame, r.y - detail::kGridFrame, r.width + 2 * detail::kGridFrame,
                      r.height + 2 * detail::kGridFrame},
                     mark, detail::kGridFrame);
    for (int y = 0; y < image_height; ++y) {
      for (int x = 0; x < image_width; ++x) {
        const double v = detail::pixel(images, static_cast<Index>(y) * image_width + x, static_cast<Index>(column));
        const auto g = static_cast<std::uint8_t>(std::lround(255.0 * std::clamp(std::isfinite(v) ? v : 0.0, 0.0, 1.0)));
        canvas.fill_rect({r.x + x * options.scale, r.y + y * options.scale, options.scale, options.scale}, {g, g, g});
      }
    }
    const Color ink = !judged ? colors::text : right ? colors::green : colors::red;
    const auto text = detail::tile_lines(column, predicted, true_labels, class_names);
    int y = r.bottom() + detail::kGridFrame + 8;
    for (const std::string& s : text) {
      canvas.draw_text(r.x + r.width / 2, y, s, ink, Canvas::kTextScale, Align::center);
      y += th + 8;
    }
  }
  return canvas;
}

// Draws the grid and writes it to `path` as a PNG.
template <typename Pixels>
void image_grid(const Pixels& images, int image_height, int image_width, const std::vector<int>& predicted,
                const std::vector<int>& true_labels, const std::vector<std::string>& class_names,
                const std::string& path, const ImageGridOptions& options = {}) {
  render_image_grid(images, image_height, image_width, predicted, true_labels, class_names, options).save_png(path);
}

}  // namespace tinynet::plot
