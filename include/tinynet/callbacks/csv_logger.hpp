// CSVLogger: streams one row per epoch to a CSV file, as keras.callbacks.CSVLogger.
//
//   epoch,accuracy,learning_rate,loss,val_accuracy,val_loss
//   0,0.8123,0.001,0.5231,0.8410,0.4467
//
// As in Keras: the metric columns come in sorted order after "epoch", the epoch is counted
// from 0, the val_ columns appear when fit() has validation data (a missing value is written
// "NA"), and append = true continues an existing file without repeating its header.
// Values are written with the shortest decimal form that reads back to the same double.
//
// Safety: the file is opened when training begins (an unwritable path throws then, before any
// epoch is spent), every row is flushed as soon as it is written — a crashed or interrupted run
// leaves every finished epoch on disk, whole — and a failed write throws instead of passing
// silently. The file is closed when training ends.
#pragma once

#include <tinynet/errors.hpp>
#include <tinynet/model/sequential.hpp>
#include <tinynet/training/callback.hpp>

#include <array>
#include <charconv>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace tinynet {

template <typename T>
class CSVLogger : public Callback<T> {
 public:
  explicit CSVLogger(std::string path, char separator = ',', bool append = false)
      : path_(std::move(path)), separator_(separator), append_(append) {}

  void on_train_begin(const TrainBegin& info, Sequential<T>&) override {
    if (file_.is_open()) file_.close();
    bool write_header = true;
    if (append_) {
      std::ifstream existing(path_);
      std::string first_line;
      write_header = !(existing && std::getline(existing, first_line) && !first_line.empty());
    }
    file_.open(path_, append_ ? std::ios::out | std::ios::app : std::ios::out | std::ios::trunc);
    if (!file_) throw FileError("CSVLogger: cannot open '" + path_ + "' for writing", path_);
    columns_.clear();  // Keras's logs: every value but the epoch's seconds, val_ ones when validated
    for (std::string_view name : EpochLog::names)
      if (name != "seconds" && (info.has_validation || !name.starts_with("val_"))) columns_.emplace_back(name);
    if (write_header) {
      file_ << "epoch";
      for (const std::string& c : columns_) file_ << separator_ << c;
      file_ << '\n';
      flush();
    }
  }

  void on_epoch_end(const EpochLog& log, Sequential<T>&) override {
    if (!file_.is_open()) throw std::logic_error("CSVLogger: on_epoch_end before on_train_begin");
    file_ << (log.epoch - 1);  // Keras counts epochs from 0
    for (const std::string& c : columns_) file_ << separator_ << format(log.get(c));
    file_ << '\n';
    flush();
  }

  void on_train_end(const History&, Sequential<T>&) override {
    if (file_.is_open()) file_.close();
    if (file_.fail()) throw FileError("CSVLogger: closing '" + path_ + "' failed", path_);
  }

  const std::string& path() const { return path_; }

 private:
  // Shortest round-trip decimal ("0.1", "1e-05", "nan"), or "NA" for a missing value.
  static std::string format(const std::optional<double>& v) {
    if (!v) return "NA";
    std::array<char, 64> buffer{};
    const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), *v);
    if (error != std::errc{}) return "NA";
    return std::string(buffer.data(), end);
  }

  void flush() {
    file_.flush();
    if (!file_) throw FileError("CSVLogger: writing '" + path_ + "' failed", path_);
  }

  std::string path_;
  char separator_;
  bool append_;
  std::ofstream file_;
  std::vector<std::string> columns_;  // after "epoch", in sorted order
};

}  // namespace tinynet
