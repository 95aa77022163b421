// Progress output (ProgressBar): the time and number formats, one line per epoch when the output
// is not a terminal, a bar redrawn in place with '\r' when it is, the redraw throttle, and
// silence at verbose 0. The bar's lines are driven by hand with chosen times so that every
// character can be checked; fit() runs check that the printed values are those of the History.
#include "catch.hpp"
#include "gradient_check.hpp"

#include <tinynet/training/progress_bar.hpp>
#include <tinynet/layers/dense.hpp>
#include <tinynet/layers/relu.hpp>
#include <tinynet/layers/softmax.hpp>
#include <tinynet/optimizers/sgd.hpp>
#include <tinynet/sequential.hpp>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using tinynet::Matrix;
using tinynet::ProgressBar;
using tinynet::ProgressOptions;
using tinynet::Sequential;
using tinynet::Terminal;

namespace {

Sequential<double> progress_model() {
  Sequential<double> model({4}, 5);
  model.add<tinynet::Dense>(6).add<tinynet::ReLU>().add<tinynet::Dense>(3).add<tinynet::Softmax>();
  model.compile(tinynet::SGD{.learning_rate = 0.1}, tinynet::SparseCategoricalCrossentropy{});
  return model;
}

std::vector<int> progress_labels(tinynet::Index n) {
  std::vector<int> y;
  for (tinynet::Index i = 0; i < n; ++i) y.push_back(static_cast<int>((i * 7 + 3) % 3));
  return y;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The one line that fit() prints for an epoch outside a terminal, built from the History.
std::string expected_line(const tinynet::EpochLog& e, int epochs, const std::string& count, tinynet::Index steps) {
  using namespace tinynet::detail;
  std::string line = "Epoch " + std::to_string(e.epoch) + "/" + std::to_string(epochs) + " - " + count + " - " +
                     format_duration(e.seconds) + " - " + format_step_time(e.seconds / static_cast<double>(steps)) +
                     " - accuracy: " + format_metric(e.accuracy) + " - loss: " + format_metric(e.loss);
  if (e.val_accuracy) line += " - val_accuracy: " + format_metric(*e.val_accuracy);
  if (e.val_loss) line += " - val_loss: " + format_metric(*e.val_loss);
  return line;
}

}  // namespace

TEST_CASE("Progress: durations read 5s, 1m 23s, 1h 02m 03s, rounded to whole seconds", "[progress]") {
  using tinynet::detail::format_duration;
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(0.4) == "0s");
  CHECK(format_duration(4.6) == "5s");
  CHECK(format_duration(59.4) == "59s");
  CHECK(format_duration(59.6) == "1m 00s");
  CHECK(format_duration(83) == "1m 23s");
  CHECK(format_duration(3599.4) == "59m 59s");
  CHECK(format_duration(3723) == "1h 02m 03s");
  CHECK(format_duration(36000 + 60) == "10h 01m 00s");
  CHECK(format_duration(-3) == "0s");
}

TEST_CASE("Progress: time per step in us, ms or s, whichever reads at least 1", "[progress]") {
  using tinynet::detail::format_step_time;
  CHECK(format_step_time(0.005) == "5ms/step");
  CHECK(format_step_time(0.0051) == "5ms/step");
  CHECK(format_step_time(0.000123) == "123us/step");
  CHECK(format_step_time(0) == "0us/step");
  CHECK(format_step_time(0.0009996) == "1ms/step");  // 999.6 us rounds to 1000 us: written as ms
  CHECK(format_step_time(0.9996) == "1s/step");
  CHECK(format_step_time(0.25) == "250ms/step");
  CHECK(format_step_time(2.4) == "2s/step");
}

TEST_CASE("Progress: metrics have 4 decimals, small ones scientific, counts are right-aligned", "[progress]") {
  using namespace tinynet::detail;
  CHECK(format_metric(0.46641) == "0.4664");
  CHECK(format_metric(1.5) == "1.5000");
  CHECK(format_metric(12.34567) == "12.3457");
  CHECK(format_metric(0.0005) == "5.0000e-04");
  CHECK(format_metric(0) == "0.0000e+00");
  CHECK(format_step_count(3, 938) == "  3/938");
  CHECK(format_step_count(938, 938) == "938/938");
  CHECK(format_bar(1, 4, 20, false) == "━━━━━───────────────");
  CHECK(format_bar(4, 4, 8, false) == "━━━━━━━━");
  CHECK(format_bar(0, 4, 8, false) == "────────");
  CHECK(format_bar(2, 4, 10, true) == "[====>.....]");
  CHECK(format_bar(4, 4, 10, true) == "[==========]");
  CHECK(format_bar(0, 4, 10, true) == "[..........]");
  CHECK(format_bar(2, 4, 0, true) == "[]");
  CHECK(format_bar(2, 4, -3, false).empty());
  CHECK(display_width("━━─ ab") == 6);
}

TEST_CASE("Progress: a string stream is not a terminal unless forced", "[progress]") {
  std::ostringstream out;
  CHECK_FALSE(tinynet::detail::stream_is_terminal(out));
  CHECK_FALSE(ProgressBar<double>(1, out).in_place());
  CHECK(ProgressBar<double>(1, out, {.terminal = Terminal::yes}).in_place());
  CHECK_FALSE(ProgressBar<double>(1, out, {.terminal = Terminal::no}).in_place());
  CHECK_FALSE(ProgressBar<double>(2, out, {.terminal = Terminal::yes}).in_place());  // verbose 2: one line per epoch
  CHECK_FALSE(ProgressBar<double>(0, out, {.terminal = Terminal::yes}).in_place());
}

TEST_CASE("Progress: outside a terminal fit() prints exactly one line per epoch, with the History's values",
          "[progress][fit]") {
  Sequential<double> model = progress_model();
  const Matrix<double> x = tinynet_test::random_matrix(4, 40, 3);
  std::ostringstream out;
  const auto history = model.fit(x, progress_labels(40), {.epochs = 3, .batch_size = 10, .out = &out});

  const std::string text = out.str();
  CHECK(text.find('\r') == std::string::npos);
  REQUIRE(!text.empty());
  CHECK(text.back() == '\n');
  const auto lines = split_lines(text);
  REQUIRE(lines.size() == 3);
  REQUIRE(history.epochs.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("epoch " << i + 1 << ": " << lines[i]);
    CHECK(lines[i] == expected_line(history.epochs[i], 3, "4/4", 4));
    CHECK(lines[i].rfind("Epoch " + std::to_string(i + 1) + "/3 - 4/4 - ", 0) == 0);
    CHECK(lines[i].find("val_") == std::string::npos);
  }
}

TEST_CASE("Progress: with validation data the line carries val_accuracy and val_loss", "[progress][fit]") {
  Sequential<double> model = progress_model();
  const Matrix<double> x = tinynet_test::random_matrix(4, 50, 8);
  std::ostringstream out;
  const auto history = model.fit(x, progress_labels(50),
                                 {.epochs = 2, .batch_size = 16, .verbose = 2, .validation_split = 0.2, .out = &out});
  const auto lines = split_lines(out.str());
  REQUIRE(lines.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    INFO(lines[i]);
    REQUIRE(history.epochs[i].val_loss.has_value());
    CHECK(lines[i] == expected_line(history.epochs[i], 2, "3/3", 3));  // 40 training samples, batches of 16
    CHECK(lines[i].find(" - val_accuracy: " + tinynet::detail::format_metric(*history.epochs[i].val_accuracy) +
                        " - val_loss: " + tinynet::detail::format_metric(*history.epochs[i].val_loss)) !=
          std::string::npos);
  }
}

TEST_CASE("Progress: verbose 0 prints nothing, from fit() or from the callback itself", "[progress][fit]") {
  Sequential<double> model = progress_model();
  const Matrix<double> x = tinynet_test::random_matrix(4, 20, 2);
  std::ostringstream out;
  auto silent =
      std::make_shared<ProgressBar<double>>(0, out, ProgressOptions{.terminal = Terminal::yes, .interval = 0});
  model.fit(x, progress_labels(20),
            {.epochs = 2, .batch_size = 5, .verbose = 0, .validation_split = 0.2, .callbacks = {silent}, .out = &out});
  CHECK(out.str().empty());
}

TEST_CASE("Progress: on a terminal the bar is redrawn in place (carriage returns), then the final line", "[progress]") {
  // Driven by hand: 4 steps of 0.2 s each, no throttle.
  std::ostringstream out;
  ProgressBar<double> bar(1, out, {.terminal = Terminal::yes, .interval = 0});
  Sequential<double> model = progress_model();
  bar.on_train_begin({.epochs = 2, .initial_epoch = 0, .samples = 40, .steps_per_epoch = 4, .has_validation = true},
                     model);
  bar.on_epoch_begin(1, model);
  const double loss[4] = {12.5, 1.0, 0.75, 0.5};
  for (int step = 1; step <= 4; ++step)
    bar.on_batch_end({.epoch = 1,
                      .step = step,
                      .steps_per_epoch = 4,
                      .loss = loss[step - 1],
                      .accuracy = step / 8.0,
                      .seconds = step * 0.2},
                     model);
  tinynet::EpochLog log;
  log.epoch = 1;
  log.loss = 0.5;
  log.accuracy = 0.5;
  log.seconds = 0.8;
  log.val_loss = 0.0004;
  log.val_accuracy = 0.75;
  bar.on_epoch_end(log, model);

  const std::string expected =
      "Epoch 1/2\n"
      "\r1/4 ━━━━━─────────────── 0s 200ms/step - ETA: 1s - accuracy: 0.1250 - loss: 12.5000"
      "\r2/4 ━━━━━━━━━━────────── 0s 200ms/step - ETA: 0s - accuracy: 0.2500 - loss: 1.0000 "  // one space over "12.5000"
      "\r3/4 ━━━━━━━━━━━━━━━───── 1s 200ms/step - ETA: 0s - accuracy: 0.3750 - loss: 0.7500"
      "\r4/4 ━━━━━━━━━━━━━━━━━━━━ 1s 200ms/step - ETA: 0s - accuracy: 0.5000 - loss: 0.5000"
      "\r4/4 ━━━━━━━━━━━━━━━━━━━━ 1s 200ms/step - accuracy: 0.5000 - loss: 0.5000"
      " - val_accuracy: 0.7500 - val_loss: 4.0000e-04\n";
  CHECK(out.str() == expected);
}

TEST_CASE("Progress: the bar is redrawn at most once per interval", "[progress]") {
  // 100 steps of 1/32 s, interval 1/8 s (exact in binary): draws at steps 1, 5, 9, ..., 97.
  std::ostringstream out;
  ProgressBar<double> bar(1, out, {.terminal = Terminal::yes, .interval = 0.125});
  Sequential<double> model = progress_model();
  bar.on_train_begin({.epochs = 1, .steps_per_epoch = 100}, model);
  bar.on_epoch_begin(1, model);
  for (int step = 1; step <= 100; ++step)
    bar.on_batch_end(
        {.epoch = 1, .step = step, .steps_per_epoch = 100, .loss = 1, .accuracy = 0.5, .seconds = step / 32.0}, model);
  const std::string running = out.str();
  CHECK(std::count(running.begin(), running.end(), '\r') == 25);
  CHECK(running.find("\r  1/100 ") != std::string::npos);
  CHECK(running.find("\r  5/100 ") != std::string::npos);
  CHECK(running.find("\r 97/100 ") != std::string::npos);
  CHECK(running.find("\r  2/100 ") == std::string::npos);
  CHECK(running.find("\r 98/100 ") == std::string::npos);
  CHECK(running.find('\n') == running.find("Epoch 1/1\n") + 9);  // only the header's newline so far

  tinynet::EpochLog log;
  log.epoch = 1;
  log.loss = 1;
  log.accuracy = 0.5;
  log.seconds = 100 / 32.0;
  bar.on_epoch_end(log, model);  // the final line is never throttled
  const std::string text = out.str();
  CHECK(std::count(text.begin(), text.end(), '\r') == 26);
  CHECK(text.substr(text.rfind('\r')) ==
        "\r100/100 ━━━━━━━━━━━━━━━━━━━━ 3s 31ms/step - accuracy: 0.5000 - loss: 1.0000" + std::string(10, ' ') +
            "\n");  // spaces over the 10 characters of " - ETA: 0s"
}

TEST_CASE("Progress: forced-terminal fit() redraws in place and ends every epoch on N/N", "[progress][fit]") {
  Sequential<double> model = progress_model();
  const Matrix<double> x = tinynet_test::random_matrix(4, 60, 6);
  std::ostringstream out;
  auto bar = std::make_shared<ProgressBar<double>>(1, out, ProgressOptions{.terminal = Terminal::yes, .interval = 0});
  const auto history =
      model.fit(x, progress_labels(60),
                {.epochs = 3, .batch_size = 10, .verbose = 0, .validation_split = 0.5, .callbacks = {bar}});
  const std::string text = out.str();
  // Per epoch: the header line, then 3 redraws and the final line, all on one line.
  CHECK(std::count(text.begin(), text.end(), '\r') == 3 * 4);
  const auto lines = split_lines(text);
  REQUIRE(lines.size() == 6);
  for (std::size_t i = 0; i < 3; ++i) {
    const tinynet::EpochLog& e = history.epochs[i];
    CHECK(lines[2 * i] == "Epoch " + std::to_string(i + 1) + "/3");
    const std::string& drawn = lines[2 * i + 1];
    INFO(drawn);
    CHECK(drawn.rfind("\r1/3 ━━━━━━─────────────", 0) == 0);
    CHECK(std::count(drawn.begin(), drawn.end(), '\r') == 4);
    const std::string last = drawn.substr(drawn.rfind('\r') + 1);
    CHECK(last.rfind("3/3 ━━━━━━━━━━━━━━━━━━━━ " + tinynet::detail::format_duration(e.seconds) + " ", 0) == 0);
    CHECK(last.find("ETA") == std::string::npos);
    CHECK(last.find(" - accuracy: " + tinynet::detail::format_metric(e.accuracy) +
                    " - loss: " + tinynet::detail::format_metric(e.loss) +
                    " - val_accuracy: " + tinynet::detail::format_metric(*e.val_accuracy) +
                    " - val_loss: " + tinynet::detail::format_metric(*e.val_loss)) != std::string::npos);
  }
}

TEST_CASE("Progress: the ASCII bar uses no Unicode", "[progress]") {
  std::ostringstream out;
  ProgressBar<double> bar(1, out, {.terminal = Terminal::yes, .ascii = true, .width = 10, .interval = 0});
  Sequential<double> model = progress_model();
  bar.on_train_begin({.epochs = 1, .steps_per_epoch = 2}, model);
  bar.on_epoch_begin(1, model);
  bar.on_batch_end({.epoch = 1, .step = 1, .steps_per_epoch = 2, .loss = 1, .accuracy = 0.5, .seconds = 1}, model);
  tinynet::EpochLog log;
  log.epoch = 1;
  log.loss = 1;
  log.accuracy = 0.5;
  log.seconds = 2;
  bar.on_batch_end({.epoch = 1, .step = 2, .steps_per_epoch = 2, .loss = 1, .accuracy = 0.5, .seconds = 2}, model);
  bar.on_epoch_end(log, model);
  CHECK(out.str() ==
        "Epoch 1/1\n"
        "\r1/2 [====>.....] 1s 1s/step - ETA: 1s - accuracy: 0.5000 - loss: 1.0000"
        "\r2/2 [==========] 2s 1s/step - ETA: 0s - accuracy: 0.5000 - loss: 1.0000"
        "\r2/2 [==========] 2s 1s/step - accuracy: 0.5000 - loss: 1.0000" +
            std::string(10, ' ') + "\n");
}
