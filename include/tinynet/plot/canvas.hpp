// An RGB raster to draw charts on: filled rectangles, anti-aliased lines of any thickness,
// discs, text in stb_easy_font's bitmap font (horizontal or rotated a quarter turn), and a PNG
// writer that never leaves a half-written file behind.
//
// Coordinates: x grows to the right, y grows downwards, (0, 0) is the top-left pixel. Shapes
// given in double coordinates (lines, discs) put the centre of pixel (i, j) at (i, j), so a
// horizontal line at y = 100 lights row 100.
#pragma once

#include <tinynet/detail/stb.hpp>
#include <tinynet/io/atomic_file.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace tinynet::plot {

struct Color {
  std::uint8_t r = 0, g = 0, b = 0;

  bool operator==(const Color&) const = default;

  // Perceived brightness in [0, 1] (Rec. 601 weights): picks dark or light text on a fill.
  double luminance() const { return (0.299 * r + 0.587 * g + 0.114 * b) / 255.0; }
};

// (1 - t)·a + t·b, channel by channel, t clamped to [0, 1].
inline Color mix(Color a, Color b, double t) {
  t = std::clamp(t, 0.0, 1.0);
  auto channel = [t](std::uint8_t u, std::uint8_t v) {
    return static_cast<std::uint8_t>(std::lround((1.0 - t) * u + t * v));
  };
  return {channel(a.r, b.r), channel(a.g, b.g), channel(a.b, b.b)};
}

namespace colors {
inline constexpr Color white{255, 255, 255};
inline constexpr Color black{0, 0, 0};
inline constexpr Color text{34, 34, 34};     // near-black for labels
inline constexpr Color axis{68, 68, 68};     // frame and tick marks
inline constexpr Color grid{229, 229, 229};  // grid lines behind the data
inline constexpr Color legend_frame{204, 204, 204};
inline constexpr Color red{214, 39, 40};    // "wrong" (tab:red)
inline constexpr Color green{44, 160, 44};  // "right" (tab:green)
}  // namespace colors

// A fixed palette of ten colours that stay apart from each other (the tab10 colours of
// matplotlib's default cycle); series i gets palette(i), cycling after ten.
inline Color palette(std::size_t i) {
  static constexpr std::array<Color, 10> kColors{{
      {31, 119, 180},   // blue
      {255, 127, 14},   // orange
      {44, 160, 44},    // green
      {214, 39, 40},    // red
      {148, 103, 189},  // purple
      {140, 86, 75},    // brown
      {227, 119, 194},  // pink
      {127, 127, 127},  // gray
      {188, 189, 34},   // olive
      {23, 190, 207},   // cyan
  }};
  return kColors[i % kColors.size()];
}

// An axis-aligned rectangle of whole pixels: columns [x, x + width), rows [y, y + height).
struct Rect {
  int x = 0, y = 0, width = 0, height = 0;

  int right() const { return x + width; }    // one past the last column
  int bottom() const { return y + height; }  // one past the last row
  bool empty() const { return width <= 0 || height <= 0; }
  bool contains(int px, int py) const { return px >= x && px < right() && py >= y && py < bottom(); }
  bool operator==(const Rect&) const = default;

  Rect intersect(const Rect& o) const {
    const int x0 = std::max(x, o.x), y0 = std::max(y, o.y);
    const int x1 = std::min(right(), o.right()), y1 = std::min(bottom(), o.bottom());
    return {x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
  }
};

enum class Align { left, center, right };

class Canvas {
 public:
  // Text is drawn at this many pixels per font unit unless told otherwise: the font's capitals
  // are 7 units tall, so 14 pixels.
  static constexpr int kTextScale = 2;

  Canvas(int width, int height, Color background = colors::white) : width_(width), height_(height) {
    if (width <= 0 || height <= 0)
      throw std::invalid_argument("Canvas: size must be positive, got " + std::to_string(width) + "x" +
                                  std::to_string(height));
    pixels_.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
    clip_ = {0, 0, width, height};
    fill(background);
  }

  int width() const { return width_; }
  int height() const { return height_; }

  // Row-major RGB bytes, 3 per pixel, top row first: what the PNG holds.
  const std::vector<std::uint8_t>& rgb() const { return pixels_; }

  Color pixel(int x, int y) const {
    if (x < 0 || x >= width_ || y < 0 || y >= height_)
      throw std::out_of_range("Canvas::pixel: (" + std::to_string(x) + ", " + std::to_string(y) + ") is outside the " +
                              std::to_string(width_) + "x" + std::to_string(height_) + " canvas");
    const std::size_t i = offset(x, y);
    return {pixels_[i], pixels_[i + 1], pixels_[i + 2]};
  }

  // Drawing outside the clip rectangle (initially the whole canvas) does nothing.
  void set_clip(Rect r) { clip_ = r.intersect({0, 0, width_, height_}); }
  void reset_clip() { clip_ = {0, 0, width_, height_}; }
  Rect clip() const { return clip_; }

  void set_pixel(int x, int y, Color c) {
    if (!clip_.contains(x, y)) return;
    const std::size_t i = offset(x, y);
    pixels_[i] = c.r;
    pixels_[i + 1] = c.g;
    pixels_[i + 2] = c.b;
  }

  // Paints c over the pixel with the given coverage in [0, 1] (1: opaque).
  void blend_pixel(int x, int y, Color c, double coverage) {
    if (coverage <= 0.0 || !clip_.contains(x, y)) return;
    if (coverage >= 1.0) return set_pixel(x, y, c);
    const std::size_t i = offset(x, y);
    set_pixel(x, y, mix({pixels_[i], pixels_[i + 1], pixels_[i + 2]}, c, coverage));
  }

  void fill(Color c) {
    for (std::size_t i = 0; i < pixels_.size(); i += 3) {
      pixels_[i] = c.r;
      pixels_[i + 1] = c.g;
      pixels_[i + 2] = c.b;
    }
  }

  void fill_rect(Rect r, Color c) {
    const Rect v = r.intersect(clip_);
    for (int y = v.y; y < v.bottom(); ++y)
      for (int x = v.x; x < v.right(); ++x) set_pixel(x, y, c);
  }

  // The outline of r, `thickness` pixels wide, drawn inside r.
  void draw_rect(Rect r, Color c, int thickness = 1) {
    const int t = std::min({thickness, r.width, r.height});
    if (t <= 0) return;
    fill_rect({r.x, r.y, r.width, t}, c);
    fill_rect({r.x, r.bottom() - t, r.width, t}, c);
    fill_rect({r.x, r.y, t, r.height}, c);
    fill_rect({r.right() - t, r.y, t, r.height}, c);
  }

  // A segment `thickness` pixels wide with round ends. Each pixel's coverage is its distance d
  // from the segment against the half-width h: anti-aliased, coverage = clamp(h + 1/2 − d);
  // otherwise the pixel is painted when d ≤ h.
  void draw_line(double x0, double y0, double x1, double y1, Color c, double thickness = 1.0, bool antialias = true) {
    draw_polyline({{x0, y0}, {x1, y1}}, c, thickness, antialias);
  }

  // Connected segments through the points. Where segments meet, a pixel takes the largest of
  // their coverages, so joints are not painted twice.
  void draw_polyline(const std::vector<std::pair<double, double>>& points, Color c, double thickness = 1.0,
                     bool antialias = true) {
    if (points.empty()) return;
    const double h = std::max(thickness, 0.0) / 2.0;
    const double reach = h + 1.0;
    double min_x = points[0].first, max_x = min_x, min_y = points[0].second, max_y = min_y;
    for (const auto& [px, py] : points) {
      min_x = std::min(min_x, px), max_x = std::max(max_x, px);
      min_y = std::min(min_y, py), max_y = std::max(max_y, py);
    }
    const Rect box = Rect{static_cast<int>(std::floor(min_x - reach)), static_cast<int>(std::floor(min_y - reach)),
                          static_cast<int>(std::ceil(max_x - min_x + 2 * reach)) + 1,
                          static_cast<int>(std::ceil(max_y - min_y + 2 * reach)) + 1}
                         .intersect(clip_);
    if (box.empty()) return;
    std::vector<float> coverage(static_cast<std::size_t>(box.width) * static_cast<std::size_t>(box.height), 0.0f);
    auto accumulate = [&](double ax, double ay, double bx, double by) {
      const Rect seg = Rect{static_cast<int>(std::floor(std::min(ax, bx) - reach)),
                            static_cast<int>(std::floor(std::min(ay, by) - reach)),
                            static_cast<int>(std::ceil(std::abs(bx - ax) + 2 * reach)) + 1,
                            static_cast<int>(std::ceil(std::abs(by - ay) + 2 * reach)) + 1}
                           .intersect(box);
      const double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
      for (int y = seg.y; y < seg.bottom(); ++y) {
        for (int x = seg.x; x < seg.right(); ++x) {
          // distance from the pixel centre to the nearest point of the segment
          double t = len2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / len2 : 0.0;
          t = std::clamp(t, 0.0, 1.0);
          const double d = std::hypot(x - (ax + t * dx), y - (ay + t * dy));
          const double cov = antialias ? std::clamp(h + 0.5 - d, 0.0, 1.0) : (d <= h ? 1.0 : 0.0);
          float& slot = coverage[static_cast<std::size_t>((y - box.y) * box.width + (x - box.x))];
          slot = std::max(slot, static_cast<float>(cov));
        }
      }
    };
    if (points.size() == 1) accumulate(points[0].first, points[0].second, points[0].first, points[0].second);
    for (std::size_t i = 1; i < points.size(); ++i)
      accumulate(points[i - 1].first, points[i - 1].second, points[i].first, points[i].second);
    for (int y = box.y; y < box.bottom(); ++y)
      for (int x = box.x; x < box.right(); ++x)
        blend_pixel(x, y, c, coverage[static_cast<std::size_t>((y - box.y) * box.width + (x - box.x))]);
  }

  // A filled disc centred on (cx, cy).
  void fill_circle(double cx, double cy, double radius, Color c, bool antialias = true) {
    const int x0 = static_cast<int>(std::floor(cx - radius - 1)), x1 = static_cast<int>(std::ceil(cx + radius + 1));
    const int y0 = static_cast<int>(std::floor(cy - radius - 1)), y1 = static_cast<int>(std::ceil(cy + radius + 1));
    for (int y = y0; y <= y1; ++y) {
      for (int x = x0; x <= x1; ++x) {
        const double d = std::hypot(x - cx, y - cy);
        blend_pixel(x, y, c, antialias ? std::clamp(radius + 0.5 - d, 0.0, 1.0) : (d <= radius ? 1.0 : 0.0));
      }
    }
  }

  // ---- text -------------------------------------------------------------------------------
  // stb_easy_font draws ASCII 32..126 (anything else shows as '?') with capitals 7 font units
  // tall and descenders 2 units below the baseline; a unit becomes scale×scale pixels.

  // Width in pixels of the longest line of `text`, without the gap after the last letter.
  static int text_width(std::string_view text, int scale = kTextScale) {
    if (text.empty()) return 0;
    std::string s = printable(text);
    return std::max(0, ::tinynet::detail::stb::stb_easy_font_width(s.data()) - 1) * scale;
  }

  // Height in pixels from the top of the capitals to the baseline of a one-line text.
  static int text_height(int scale = kTextScale) { return 7 * scale; }

  // Draws `text` with the top of its capitals at row y; x is the left end, the centre or the
  // right end of the text as `align` says. '\n' starts a new line 12 units lower.
  void draw_text(int x, int y, std::string_view text, Color c, int scale = kTextScale, Align align = Align::left) {
    const int w = text_width(text, scale);
    const int left = align == Align::left ? x : align == Align::center ? x - w / 2 : x - w;
    for_each_glyph_quad(text, [&](int u0, int v0, int u1, int v1) {
      fill_rect({left + u0 * scale, y + v0 * scale, (u1 - u0) * scale, (v1 - v0) * scale}, c);
    });
  }

  // Draws `text` turned a quarter turn counter-clockwise (it reads upwards, as a y-axis label
  // does), centred on (cx, cy). The top of the capitals faces left.
  void draw_text_vertical(int cx, int cy, std::string_view text, Color c, int scale = kTextScale) {
    const int left = cx - text_height(scale) / 2;
    const int bottom = cy + text_width(text, scale) / 2;
    // font point (u along the line, v down the glyph) goes to pixel (left + v, bottom − u)
    for_each_glyph_quad(text, [&](int u0, int v0, int u1, int v1) {
      fill_rect({left + v0 * scale, bottom - u1 * scale, (v1 - v0) * scale, (u1 - u0) * scale}, c);
    });
  }

  // ---- PNG ----------------------------------------------------------------------------------

  // The canvas as PNG file contents (8-bit RGB).
  std::vector<std::uint8_t> encode_png() const {
    std::vector<std::uint8_t> bytes;
    auto append = [](void* context, void* data, int size) {
      auto* out = static_cast<std::vector<std::uint8_t>*>(context);
      const auto* first = static_cast<const std::uint8_t*>(data);
      out->insert(out->end(), first, first + size);
    };
    const int ok =
        ::tinynet::detail::stb::stbi_write_png_to_func(append, &bytes, width_, height_, 3, pixels_.data(), width_ * 3);
    if (!ok) throw std::runtime_error("Canvas::encode_png: stb_image_write failed");
    return bytes;
  }

  // Writes the PNG to a temporary file in the same directory, then renames it onto `path`, so
  // a reader never sees a half-written image. Throws std::runtime_error naming the path.
  void save_png(const std::string& path) const {
    namespace fs = std::filesystem;
    const std::vector<std::uint8_t> bytes = encode_png();
    const fs::path target(path);
    const fs::path dir = target.parent_path();
    std::error_code ec;
    if (!dir.empty() && !fs::is_directory(dir, ec))
      throw FileError("Canvas::save_png: cannot write '" + path + "': directory '" + dir.string() + "' does not exist",
                      path);
    io::write_file_atomically(
        path,
        [&](std::ostream& out) {
          out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        },
        "PNG file");
  }

 private:
  std::size_t offset(int x, int y) const {
    return (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)) * 3;
  }

  static std::string printable(std::string_view text) {
    std::string s(text);
    for (char& ch : s)
      if (ch != '\n' && (ch < 32 || ch > 126)) ch = '?';
    return s;
  }

  // Calls f(u0, v0, u1, v1) for every filled rectangle of the glyphs, in font units relative to
  // the text's top-left corner. stb_easy_font emits quads whose corners 0 and 2 are opposite.
  template <typename F>
  static void for_each_glyph_quad(std::string_view text, F&& f) {
    if (text.empty()) return;
    std::string s = printable(text);
    // 4 vertices of 16 bytes per quad; no glyph has more than 16 quads
    std::vector<char> buffer(s.size() * 16 * 64 + 64);
    const int quads = ::tinynet::detail::stb::stb_easy_font_print(0.0f, 0.0f, s.data(), nullptr, buffer.data(),
                                                                  static_cast<int>(buffer.size()));
    for (int q = 0; q < quads; ++q) {
      float a[2], b[2];
      std::memcpy(a, buffer.data() + q * 64, sizeof a);       // vertex 0: x, y
      std::memcpy(b, buffer.data() + q * 64 + 32, sizeof b);  // vertex 2: x, y
      f(static_cast<int>(std::lround(a[0])), static_cast<int>(std::lround(a[1])), static_cast<int>(std::lround(b[0])),
        static_cast<int>(std::lround(b[1])));
    }
  }

  int width_ = 0, height_ = 0;
  std::vector<std::uint8_t> pixels_;
  Rect clip_;
};

}  // namespace tinynet::plot
