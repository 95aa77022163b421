// Pictures: the canvas's drawing and PNG writing, line charts, the confusion-matrix heatmap and
// the image grid, checked pixel by pixel and by decoding the PNG files with stb_image.
#include "catch.hpp"
#include "test_files.hpp"

// A user's own stb, in the same translation unit as tinynet's private copy: stb_easy_font before
// tinynet, stb_image_write (with its implementation) after it. Neither may clash.
#include <stb_easy_font.h>

#include <tinynet/plot/canvas.hpp>
#include <tinynet/plot/confusion_heatmap.hpp>
#include <tinynet/plot/image_grid.hpp>
#include <tinynet/plot/line_chart.hpp>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using tinynet::plot::Canvas;
using tinynet::plot::Color;
using tinynet::plot::Rect;
namespace colors = tinynet::plot::colors;

namespace {

fs::path plot_dir(const std::string& name) { return tinynet_test::scratch_dir("plot", name); }

struct Decoded {
  int width = 0, height = 0, channels = 0;
  std::vector<unsigned char> pixels;
  Color at(int x, int y) const {
    const std::size_t i = (static_cast<std::size_t>(y) * width + x) * channels;
    return {pixels[i], pixels[i + 1], pixels[i + 2]};
  }
};

Decoded decode_png(const fs::path& path) {
  Decoded d;
  std::unique_ptr<unsigned char, void (*)(void*)> data(
      stbi_load(path.string().c_str(), &d.width, &d.height, &d.channels, 0), stbi_image_free);
  REQUIRE(data != nullptr);
  d.pixels.assign(data.get(), data.get() + static_cast<std::size_t>(d.width) * d.height * d.channels);
  return d;
}

std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
  return n;
}

// Non-background pixels of the canvas inside / outside a rectangle.
std::pair<int, int> ink_inside_outside(const Canvas& c, Rect r, Color background = colors::white) {
  int inside = 0, outside = 0;
  for (int y = 0; y < c.height(); ++y)
    for (int x = 0; x < c.width(); ++x)
      if (!(c.pixel(x, y) == background)) (r.contains(x, y) ? inside : outside) += 1;
  return {inside, outside};
}

tinynet::History made_up_history(int epochs, bool validation) {
  tinynet::History h;
  for (int e = 1; e <= epochs; ++e) {
    tinynet::EpochLog log;
    log.epoch = e;
    log.accuracy = 0.9 - 0.3 / e;
    log.loss = 0.2 + 0.5 / e;
    if (validation) {
      log.val_accuracy = 0.85 - 0.3 / e;
      log.val_loss = 0.3 + 0.5 / e;
    }
    h.epochs.push_back(log);
  }
  return h;
}

}  // namespace

TEST_CASE("Canvas fills, clips and reads pixels", "[plot]") {
  Canvas c(40, 30, colors::white);
  REQUIRE(c.width() == 40);
  REQUIRE(c.height() == 30);
  REQUIRE(c.rgb().size() == 40u * 30u * 3u);
  c.fill_rect({5, 5, 10, 10}, Color{10, 20, 30});
  CHECK(c.pixel(5, 5) == Color{10, 20, 30});
  CHECK(c.pixel(14, 14) == Color{10, 20, 30});
  CHECK(c.pixel(15, 14) == colors::white);
  CHECK(c.pixel(4, 5) == colors::white);

  c.set_clip({0, 0, 20, 30});
  c.fill_rect({0, 20, 40, 5}, colors::black);  // only its left half lands
  CHECK(c.pixel(19, 22) == colors::black);
  CHECK(c.pixel(20, 22) == colors::white);
  c.reset_clip();
  c.set_pixel(-1, 0, colors::black);  // outside: ignored
  c.set_pixel(40, 29, colors::black);

  REQUIRE_THROWS_AS(c.pixel(40, 0), std::out_of_range);
  REQUIRE_THROWS_WITH(Canvas(0, 10), tinynet_test::contains("0x10"));
}

TEST_CASE("Canvas lines have the thickness asked for", "[plot]") {
  SECTION("one pixel, not anti-aliased: exactly one row") {
    Canvas c(50, 30);
    c.draw_line(5, 10, 45, 10, colors::black, 1.0, false);
    for (int x = 5; x <= 45; ++x) CHECK(c.pixel(x, 10) == colors::black);
    CHECK(c.pixel(20, 9) == colors::white);
    CHECK(c.pixel(20, 11) == colors::white);
    CHECK(c.pixel(47, 10) == colors::white);
  }
  SECTION("three pixels, anti-aliased: three solid rows on a whole-pixel centre") {
    Canvas c(50, 30);
    c.draw_line(5, 15, 45, 15, colors::black, 3.0, true);
    CHECK(c.pixel(20, 14) == colors::black);
    CHECK(c.pixel(20, 15) == colors::black);
    CHECK(c.pixel(20, 16) == colors::black);
    CHECK(c.pixel(20, 13) == colors::white);
    CHECK(c.pixel(20, 17) == colors::white);
  }
  SECTION("two pixels, anti-aliased: a solid core and half-covered edges") {
    Canvas c(50, 30);
    c.draw_line(5, 15, 45, 15, colors::black, 2.0, true);
    CHECK(c.pixel(20, 15) == colors::black);
    // rows 14 and 16 lie 1 pixel from the centre line: coverage 1 + 1/2 - 1 = 1/2
    CHECK(c.pixel(20, 14) == Color{128, 128, 128});
    CHECK(c.pixel(20, 16) == Color{128, 128, 128});
    CHECK(c.pixel(20, 17) == colors::white);
  }
  SECTION("a diagonal polyline joins its segments without gaps") {
    Canvas c(40, 40);
    c.draw_polyline({{2, 2}, {20, 20}, {38, 2}}, colors::black, 2.0);
    for (int i = 2; i <= 20; ++i) CHECK(c.pixel(i, i).r < 128);
    for (int i = 20; i <= 38; ++i) CHECK(c.pixel(i, 40 - i).r < 128);
  }
  SECTION("discs") {
    Canvas c(20, 20);
    c.fill_circle(10, 10, 4, colors::black);
    CHECK(c.pixel(10, 10) == colors::black);
    CHECK(c.pixel(13, 10) == colors::black);
    CHECK(c.pixel(10, 16) == colors::white);
  }
}

TEST_CASE("Canvas text stays in the box its metrics give", "[plot]") {
  CHECK(Canvas::text_height() == 14);
  CHECK(Canvas::text_width("") == 0);
  CHECK(Canvas::text_width("AB", 2) > Canvas::text_width("A", 2));
  CHECK(Canvas::text_width("AB", 3) == Canvas::text_width("AB", 1) * 3);

  const std::string text = "Epoch 10";
  const int w = Canvas::text_width(text), h = Canvas::text_height();
  SECTION("horizontal, centred") {
    Canvas c(200, 60);
    c.draw_text(100, 20, text, colors::black, 2, tinynet::plot::Align::center);
    const auto [inside, outside] = ink_inside_outside(c, {100 - w / 2, 20, w + 1, h + 4});
    CHECK(inside > 20);
    CHECK(outside == 0);
  }
  SECTION("rotated a quarter turn") {
    Canvas c(60, 200);
    c.draw_text_vertical(30, 100, text, colors::black);
    const auto [inside, outside] = ink_inside_outside(c, {30 - h / 2, 100 - w / 2 - 1, h + 5, w + 2});
    CHECK(inside > 20);
    CHECK(outside == 0);
  }
  SECTION("characters outside ASCII print as '?' instead of reading out of bounds") {
    Canvas c(100, 30);
    c.draw_text(2, 2, "\xc3\xa9\t", colors::black);
    CHECK(Canvas::text_width("\xc3\xa9") == Canvas::text_width("??"));
  }
}

TEST_CASE("save_png writes a PNG through a temporary file", "[plot]") {
  const fs::path dir = plot_dir("save_png");
  Canvas c(31, 17, Color{1, 2, 3});
  c.fill_rect({0, 0, 10, 5}, Color{200, 100, 50});
  const fs::path path = dir / "canvas.png";
  c.save_png(path.string());

  const Decoded d = decode_png(path);
  CHECK(d.width == 31);
  CHECK(d.height == 17);
  CHECK(d.channels == 3);
  CHECK(d.at(0, 0) == Color{200, 100, 50});
  CHECK(d.at(30, 16) == Color{1, 2, 3});
  CHECK(files_in(dir) == 1);  // no temporary file left behind

  // overwriting an existing file replaces it
  Canvas(8, 9).save_png(path.string());
  CHECK(decode_png(path).width == 8);
  CHECK(files_in(dir) == 1);

  SECTION("a missing directory throws naming the path") {
    const std::string bad = (dir / "missing" / "x.png").string();
    REQUIRE_THROWS_AS(c.save_png(bad), std::runtime_error);
    REQUIRE_THROWS_WITH(c.save_png(bad), tinynet_test::contains(bad));
    CHECK(!fs::exists(dir / "missing"));
  }
  SECTION("a directory in the way of the file throws naming the path") {
    fs::create_directories(dir / "taken.png");
    fs::create_directories(dir / "taken.png" / "inside");
    const std::string taken = (dir / "taken.png").string();
    REQUIRE_THROWS_WITH(c.save_png(taken), tinynet_test::contains(taken));
    CHECK(files_in(dir) == 2);  // canvas.png and the directory: the temporary file was removed
  }
}

TEST_CASE("a user's own stb_image_write lives beside tinynet's copy", "[plot]") {
  const fs::path dir = plot_dir("user_stb");
  const unsigned char red[3] = {255, 0, 0};
  REQUIRE(stbi_write_png((dir / "user.png").string().c_str(), 1, 1, 3, red, 3) != 0);
  CHECK(decode_png(dir / "user.png").at(0, 0) == Color{255, 0, 0});
  char text[] = "A";
  static char vertices[1024];
  CHECK(stb_easy_font_print(0, 0, text, nullptr, vertices, sizeof vertices) > 0);
}

TEST_CASE("nice ticks", "[plot]") {
  using tinynet::plot::nice_ticks;
  const auto t = nice_ticks(0.0, 1.0, 5);
  CHECK(t.step == Catch::Approx(0.2));
  CHECK(t.decimals == 1);
  REQUIRE(t.values.size() == 6);
  CHECK(t.values.front() == Catch::Approx(0.0));
  CHECK(t.values.back() == Catch::Approx(1.0));

  const auto epochs = nice_ticks(0.55, 10.45, 6, 1.0);
  CHECK(epochs.step == Catch::Approx(2.0));
  CHECK(epochs.values == std::vector<double>{2, 4, 6, 8, 10});

  CHECK(nice_ticks(0.0, 3.0, 10, 1.0).step == Catch::Approx(1.0));  // never below the minimum step
  CHECK(nice_ticks(-0.03, 0.03, 4).values.size() >= 3);
  CHECK(tinynet::plot::format_number(nice_ticks(-1.0, 1.0, 4).values[1], 1) == "-0.5");
  CHECK(tinynet::plot::format_number(0.0, 2) == "0.00");
}

TEST_CASE("a line chart puts known data on known pixels", "[plot]") {
  using namespace tinynet::plot;
  LineChart chart("Known data");
  Series flat;
  flat.name = "flat";
  flat.x = {0, 10};
  flat.y = {0.5, 0.5};
  flat.markers = false;
  Series low;
  low.name = "low";
  low.x = {0, 10};
  low.y = {0.25, 0.25};
  low.markers = false;
  chart.add(flat).add(low).x_limits(0, 10).y_limits(0, 1).x_label("x").y_label("y").legend(LegendPosition::none);

  const Canvas c = chart.render(800, 500);
  const ChartLayout L = chart.layout({0, 0, 800, 500});
  REQUIRE(L.plot.width > 500);
  REQUIRE(L.plot.height > 300);
  CHECK(L.y_ticks.values.front() == Catch::Approx(0.0));
  CHECK(L.y_ticks.values.back() == Catch::Approx(1.0));

  const int x_mid = static_cast<int>(std::lround(L.to_px_x(5.3)));
  CHECK(c.pixel(x_mid, static_cast<int>(std::lround(L.to_px_y(0.5)))) == palette(0));
  CHECK(c.pixel(x_mid, static_cast<int>(std::lround(L.to_px_y(0.25)))) == palette(1));
  // halfway between two grid lines, far from both lines: background
  const double between = (L.y_ticks.values[L.y_ticks.values.size() - 2] + L.y_ticks.values.back()) / 2;
  CHECK(c.pixel(x_mid, static_cast<int>(std::lround(L.to_px_y(between)))) == colors::white);
  // a grid line at a tick
  CHECK(c.pixel(x_mid, static_cast<int>(std::lround(L.to_px_y(L.y_ticks.values.back())))) == colors::grid);
  // the axes' frame
  CHECK(c.pixel(L.plot.x - 1, L.plot.y + L.plot.height / 2) == colors::axis);

  SECTION("the PNG decodes to the size asked for") {
    const fs::path dir = plot_dir("line_chart");
    chart.save_png((dir / "chart.png").string(), 640, 400);
    const Decoded d = decode_png(dir / "chart.png");
    CHECK(d.width == 640);
    CHECK(d.height == 400);
    CHECK(d.channels == 3);
  }
}

TEST_CASE("the legend keeps off the data", "[plot]") {
  using namespace tinynet::plot;
  LineChart high, low;
  high.add("a", {1, 2, 3, 4, 5}, {0.9, 0.92, 0.95, 0.96, 0.97})
      .add("b", {1, 2, 3, 4, 5}, {0.9, 0.91, 0.93, 0.95, 0.97});
  high.y_limits(0, 1);
  low.add("a", {1, 2, 3, 4, 5}, {0.1, 0.05, 0.04, 0.03, 0.02}).y_limits(0, 1);
  const ChartLayout hl = high.layout({0, 0, 800, 500});
  const ChartLayout ll = low.layout({0, 0, 800, 500});
  REQUIRE(!hl.legend.empty());
  CHECK(hl.legend.y > hl.plot.y + hl.plot.height / 2);         // data at the top: legend below
  CHECK(ll.legend.bottom() < ll.plot.y + ll.plot.height / 2);  // data at the bottom: legend above

  LineChart outside;
  outside.add("a", {1, 2}, {1, 2}).legend(LegendPosition::outside_right);
  const ChartLayout ol = outside.layout({0, 0, 800, 500});
  CHECK(ol.legend.x >= ol.plot.right());
  CHECK(ol.legend.right() <= 800);

  LineChart none;
  none.add("a", {1, 2}, {1, 2}).legend(LegendPosition::none);
  CHECK(none.layout({0, 0, 800, 500}).legend.empty());
}

TEST_CASE("line chart input errors", "[plot]") {
  using namespace tinynet::plot;
  LineChart chart;
  REQUIRE_THROWS_WITH(chart.add("bad", {1, 2, 3}, {1, 2}), tinynet_test::contains("'bad' has 3 x values but 2"));
  REQUIRE_THROWS_WITH(chart.y_limits(1, 1), tinynet_test::contains("lo < hi"));
  // no data, a single point, non-finite values: still a picture
  CHECK(LineChart().render(300, 200).width() == 300);
  LineChart odd;
  odd.add("nan", {1, 2, 3, 4}, {0.5, std::nan(""), 0.7, INFINITY}).add("one", {2}, {0.6});
  CHECK(odd.render(300, 200).height() == 200);
}

TEST_CASE("training_curves and compare_runs write PNGs", "[plot]") {
  using namespace tinynet::plot;
  const fs::path dir = plot_dir("training");
  const tinynet::History h = made_up_history(8, true);

  training_curves(h, (dir / "curves.png").string(), "Training");
  Decoded d = decode_png(dir / "curves.png");
  CHECK(d.width == 1200);
  CHECK(d.height == 500);
  CHECK(d.channels == 3);
  // both panels hold the training colour and the validation colour
  const Canvas canvas = render_training_curves(h, "Training");
  int left_train = 0, left_val = 0, right_train = 0, right_val = 0;
  for (int y = 0; y < canvas.height(); ++y) {
    for (int x = 0; x < canvas.width(); ++x) {
      const Color p = canvas.pixel(x, y);
      const bool left = x < canvas.width() / 2;
      if (p == palette(0)) ++(left ? left_train : right_train);
      if (p == palette(1)) ++(left ? left_val : right_val);
    }
  }
  CHECK(left_train > 100);
  CHECK(left_val > 100);
  CHECK(right_train > 100);
  CHECK(right_val > 100);

  // without validation data: training curves only
  CHECK_NOTHROW(render_training_curves(made_up_history(3, false)));

  std::vector<std::pair<std::string, tinynet::History>> runs{{"adam", made_up_history(10, true)},
                                                             {"sgd", made_up_history(6, true)}};
  compare_runs(runs, "val_accuracy", (dir / "compare.png").string(), "Validation accuracy");
  d = decode_png(dir / "compare.png");
  CHECK(d.width == 900);
  CHECK(d.height == 550);
  CHECK(files_in(dir) == 2);

  REQUIRE_THROWS_WITH(render_training_curves(tinynet::History{}), tinynet_test::contains("no epochs"));
  REQUIRE_THROWS_WITH(render_compare_runs({}, "loss"), tinynet_test::contains("no runs"));
  REQUIRE_THROWS_WITH(render_compare_runs(runs, "recall"), tinynet_test::contains("unknown metric 'recall'"));
  runs.push_back({"no-val", made_up_history(4, false)});
  REQUIRE_THROWS_WITH(render_compare_runs(runs, "val_loss"), tinynet_test::contains("run 'no-val'"));
}

TEST_CASE("confusion-matrix heatmap: darker cells for larger counts", "[plot]") {
  using namespace tinynet::plot;
  tinynet::Matrix<int> counts(3, 3);
  counts << 80, 10, 0,  //
      20, 70, 30,       //
      40, 50, 60;
  const std::vector<std::string> names{"cat", "dog", "bird"};
  const Canvas c = render_confusion_heatmap(counts, names, "Pets");
  const ConfusionMatrixLayout L = confusion_matrix_layout(counts, names, "Pets");
  CHECK(c.width() == L.width);
  CHECK(c.height() == L.height);

  // the shade of each cell, sampled in a corner clear of the count's digits
  std::vector<std::pair<int, double>> shade;
  for (int t = 0; t < 3; ++t) {
    for (int p = 0; p < 3; ++p) {
      const Rect r = L.cell_rect(t, p);
      const Color fill = c.pixel(r.x + 2, r.y + 2);
      CHECK(fill == blues(counts(t, p) / 80.0));
      shade.emplace_back(counts(t, p), fill.luminance());
    }
  }
  std::sort(shade.begin(), shade.end());
  for (std::size_t i = 1; i < shade.size(); ++i) CHECK(shade[i].second < shade[i - 1].second);

  // the count is written in a contrasting colour: white on the darkest cell, dark on the lightest
  auto has_ink = [&](Rect r, Color ink) {
    for (int y = r.y; y < r.bottom(); ++y)
      for (int x = r.x; x < r.right(); ++x)
        if (c.pixel(x, y) == ink) return true;
    return false;
  };
  CHECK(has_ink(L.cell_rect(0, 0), colors::white));
  CHECK(has_ink(L.cell_rect(0, 2), colors::text));

  const fs::path dir = plot_dir("confusion");
  confusion_heatmap(counts, names, (dir / "cm.png").string());
  const Decoded d = decode_png(dir / "cm.png");
  CHECK(d.width == L.width);
  CHECK(d.channels == 3);

  REQUIRE_THROWS_WITH(render_confusion_heatmap(counts, {"a", "b"}), tinynet_test::contains("2 class names for 3"));
  REQUIRE_THROWS_WITH(render_confusion_heatmap(tinynet::Matrix<int>(2, 3)), tinynet_test::contains("2x3"));
  tinynet::Matrix<int> negative = tinynet::Matrix<int>::Zero(2, 2);
  negative(1, 0) = -1;
  REQUIRE_THROWS_WITH(render_confusion_heatmap(negative), tinynet_test::contains("negative count -1 at (1, 0)"));
  CHECK(render_confusion_heatmap(tinynet::Matrix<int>::Zero(2, 2)).width() > 0);  // all zero: no division by 0
}

TEST_CASE("image grid: rows × columns of enlarged images, marked right or wrong", "[plot]") {
  using namespace tinynet::plot;
  const int h = 28, w = 28, n = 12;
  tinynet::Matrix<float> images(h * w, n);
  for (int k = 0; k < n; ++k)
    for (int i = 0; i < h * w; ++i) images(i, k) = static_cast<float>((i % w) / (w - 1.0));  // dark → light ramp
  images(0, 0) = 1.0f;  // top-left pixel of image 0: white
  std::vector<int> truth(n), predicted(n);
  for (int k = 0; k < n; ++k) {
    truth[static_cast<std::size_t>(k)] = k % 3;
    predicted[static_cast<std::size_t>(k)] = k % 4 == 1 ? (k + 1) % 3 : k % 3;  // images 1, 5, 9 wrong
  }
  ImageGridOptions options;
  options.columns = 4;
  options.scale = 3;
  const std::vector<std::string> names{"zero", "one", "two"};
  const Canvas c = render_image_grid(images, h, w, predicted, truth, names, options);

  int widest = 0;
  for (int k = 0; k < n; ++k) {
    widest = std::max(
        widest, Canvas::text_width("pred: " + names[static_cast<std::size_t>(predicted[static_cast<std::size_t>(k)])]));
    widest = std::max(
        widest, Canvas::text_width("true: " + names[static_cast<std::size_t>(truth[static_cast<std::size_t>(k)])]));
  }
  const ImageGridLayout L = image_grid_layout(n, h, w, 2, widest, options);
  CHECK(L.rows == 3);
  CHECK(L.columns == 4);
  REQUIRE(L.images.size() == 12u);
  CHECK(c.width() == L.width);
  CHECK(c.height() == L.height);
  for (const Rect& r : L.images) {
    CHECK(r.width == 84);
    CHECK(r.height == 84);
  }
  // tiles run left to right, then down
  CHECK(L.images[1].x > L.images[0].x);
  CHECK(L.images[1].y == L.images[0].y);
  CHECK(L.images[4].y > L.images[0].y);
  CHECK(L.images[4].x == L.images[0].x);

  // pixels land where they belong: image 0's top-left 3×3 block is white, the next is black
  const Rect r0 = L.images[0];
  CHECK(c.pixel(r0.x, r0.y) == colors::white);
  CHECK(c.pixel(r0.x + 2, r0.y + 2) == colors::white);
  CHECK(c.pixel(r0.x, r0.y + 3) == colors::black);
  CHECK(c.pixel(r0.x + 3, r0.y + 3) == Color{9, 9, 9});       // 1/27 of white
  CHECK(c.pixel(r0.right() - 1, r0.y + 5) == colors::white);  // ramp ends white on the right
  // frames: green around a right prediction, red around a wrong one
  CHECK(c.pixel(r0.x - 1, r0.y + 40) == colors::green);
  const Rect r1 = L.images[1];
  CHECK(c.pixel(r1.x - 1, r1.y + 40) == colors::red);

  const fs::path dir = plot_dir("image_grid");
  image_grid(images, h, w, predicted, truth, names, (dir / "grid.png").string(), options);
  const Decoded d = decode_png(dir / "grid.png");
  CHECK(d.width == L.width);
  CHECK(d.height == L.height);

  SECTION("chosen columns, no labels") {
    ImageGridOptions pick;
    pick.columns = 2;
    pick.indices = {1, 5, 9};
    const Canvas p = render_image_grid(images, h, w, {}, {}, {}, pick);
    const ImageGridLayout pl = image_grid_layout(3, h, w, 0, 0, pick);
    CHECK(pl.rows == 2);
    CHECK(p.width() == pl.width);
    CHECK(p.height() == pl.height);
  }
  SECTION("bad input") {
    REQUIRE_THROWS_WITH(render_image_grid(images, 28, 27), tinynet_test::contains("784 rows"));
    REQUIRE_THROWS_WITH(render_image_grid(images, h, w, {1, 2}),
                        tinynet_test::contains("predicted has 2 labels for 12"));
    ImageGridOptions bad;
    bad.indices = {0, 12};
    REQUIRE_THROWS_WITH(render_image_grid(images, h, w, {}, {}, {}, bad), tinynet_test::contains("indices[1] = 12"));
  }
}
