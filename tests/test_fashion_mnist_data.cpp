// load_fashion_mnist on small fake directories written here (values, shapes, missing data,
// mismatched counts, the TINYNET_DATA lookup), on the real files when they are installed,
// and the MD5 check of scripts/download-fashion-mnist.sh.
#include "catch.hpp"

#include <tinynet/datasets/fashion_mnist.hpp>

#include <sys/wait.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using FileBytes = std::vector<std::uint8_t>;

constexpr const char* kRealDir = "/usr/share/datasets/fashion-mnist";

// A fresh, empty directory under the test tmpdir.
std::string fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(TINYNET_TEST_TMPDIR) / ("fashion_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

FileBytes idx_file_bytes(const std::vector<std::uint32_t>& dims, const FileBytes& values) {
  FileBytes b{0x00, 0x00, 0x08, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(d >> shift));
  b.insert(b.end(), values.begin(), values.end());
  return b;
}

void write_file(const std::string& path, const FileBytes& bytes, bool gz) {
  if (gz) {
    gzFile f = gzopen(path.c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
    REQUIRE(gzclose(f) == Z_OK);
  } else {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out.good());
  }
}

// Pixel (n, r, c) of a fake split; `salt` tells train from test.
std::uint8_t fake_pixel(int n, int r, int c, int salt) {
  return static_cast<std::uint8_t>((7 * n + 3 * r + c + salt) % 256);
}
int fake_label(int n, int salt) { return (n + salt) % 10; }

// Writes one split's image and label files: `images` images of side×side, `labels` labels.
void write_split(const std::string& dir, const std::string& prefix, int images, int labels, int salt, bool gz,
                 std::uint32_t side = 28) {
  FileBytes pixels;
  for (int n = 0; n < images; ++n)
    for (int r = 0; r < static_cast<int>(side); ++r)
      for (int c = 0; c < static_cast<int>(side); ++c) pixels.push_back(fake_pixel(n, r, c, salt));
  FileBytes ys;
  for (int n = 0; n < labels; ++n) ys.push_back(static_cast<std::uint8_t>(fake_label(n, salt)));
  const std::string ext = gz ? ".gz" : "";
  write_file(dir + "/" + prefix + "-images-idx3-ubyte" + ext,
             idx_file_bytes({static_cast<std::uint32_t>(images), side, side}, pixels), gz);
  write_file(dir + "/" + prefix + "-labels-idx1-ubyte" + ext, idx_file_bytes({static_cast<std::uint32_t>(labels)}, ys),
             gz);
}

// A complete fake data set: 12 training images (gzipped files), 5 test images (plain files).
std::string fake_dataset(const std::string& name) {
  const std::string dir = fresh_dir(name);
  write_split(dir, "train", 12, 12, 0, true);
  write_split(dir, "t10k", 5, 5, 100, false);
  return dir;
}

// Sets or unsets TINYNET_DATA for one scope and puts the old value back afterwards.
class ScopedDataEnv {
 public:
  explicit ScopedDataEnv(const char* value) {
    if (const char* old = std::getenv("TINYNET_DATA")) old_ = old;
    if (value)
      ::setenv("TINYNET_DATA", value, 1);
    else
      ::unsetenv("TINYNET_DATA");
  }
  ~ScopedDataEnv() {
    if (old_)
      ::setenv("TINYNET_DATA", old_->c_str(), 1);
    else
      ::unsetenv("TINYNET_DATA");
  }
  ScopedDataEnv(const ScopedDataEnv&) = delete;
  ScopedDataEnv& operator=(const ScopedDataEnv&) = delete;

 private:
  std::optional<std::string> old_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the download script with `args`; returns its exit status and its stdout+stderr
// (logged to a file named after `tag`, so that tests running in parallel do not share one).
struct ScriptRun {
  int status;
  std::string output;
};
ScriptRun run_download_script(const std::string& tag, const std::string& args) {
  const std::string log = std::string(TINYNET_TEST_TMPDIR) + "/fashion_script_" + tag + ".log";
  const std::string cmd = "bash '" + std::string(TINYNET_SOURCE_DIR) + "/scripts/download-fashion-mnist.sh' " + args +
                          " > '" + log + "' 2>&1";
  const int raw = std::system(cmd.c_str());
  REQUIRE(raw != -1);
  REQUIRE(WIFEXITED(raw));
  return {WEXITSTATUS(raw), slurp(log)};
}

bool script_tools_available() {
  return std::system(
             "command -v bash >/dev/null 2>&1 && command -v gzip >/dev/null 2>&1 && "
             "(command -v md5sum >/dev/null 2>&1 || command -v md5 >/dev/null 2>&1)") == 0;
}

}  // namespace

TEST_CASE("fashion_mnist_class_names lists the ten classes in label order", "[fashion_mnist]") {
  const auto& names = tinynet::datasets::fashion_mnist_class_names();
  REQUIRE(names.size() == 10);
  REQUIRE(names[0] == "T-shirt/top");
  REQUIRE(names[1] == "Trouser");
  REQUIRE(names[2] == "Pullover");
  REQUIRE(names[3] == "Dress");
  REQUIRE(names[4] == "Coat");
  REQUIRE(names[5] == "Sandal");
  REQUIRE(names[6] == "Shirt");
  REQUIRE(names[7] == "Sneaker");
  REQUIRE(names[8] == "Bag");
  REQUIRE(names[9] == "Ankle boot");
}

TEST_CASE("load_fashion_mnist reads a small directory of gzipped and plain files", "[fashion_mnist]") {
  const std::string dir = fake_dataset("ok");
  const tinynet::datasets::FashionMnist data = tinynet::datasets::load_fashion_mnist(dir);

  REQUIRE(data.train.images.rows() == 784);
  REQUIRE(data.train.images.cols() == 12);
  REQUIRE(data.test.images.rows() == 784);
  REQUIRE(data.test.images.cols() == 5);
  REQUIRE(data.train.image_shape == tinynet::Shape{28, 28, 1});
  REQUIRE(data.test.image_shape == tinynet::Shape{28, 28, 1});
  REQUIRE(data.train.labels.size() == 12);
  REQUIRE(data.test.labels.size() == 5);
  for (int n = 0; n < 12; ++n) REQUIRE(data.train.labels[static_cast<std::size_t>(n)] == fake_label(n, 0));
  for (int n = 0; n < 5; ++n) REQUIRE(data.test.labels[static_cast<std::size_t>(n)] == fake_label(n, 100));
  // Every pixel, at its channels-last position (r·28 + c) in its image's column, as the byte and
  // as the value byte / 255.
  const tinynet::Matrix<float> train = data.train.images.values(), test = data.test.images.values();
  for (int n = 0; n < 12; ++n)
    for (int r = 0; r < 28; ++r)
      for (int c = 0; c < 28; ++c) {
        REQUIRE(data.train.images.bytes()(r * 28 + c, n) == fake_pixel(n, r, c, 0));
        REQUIRE(train(r * 28 + c, n) == float(fake_pixel(n, r, c, 0)) / 255.0f);
      }
  for (int n = 0; n < 5; ++n)
    for (int r = 0; r < 28; ++r)
      for (int c = 0; c < 28; ++c) {
        REQUIRE(data.test.images.bytes()(r * 28 + c, n) == fake_pixel(n, r, c, 100));
        REQUIRE(test(r * 28 + c, n) == float(fake_pixel(n, r, c, 100)) / 255.0f);
      }
}

TEST_CASE("load_fashion_mnist names both files and both counts when they differ", "[fashion_mnist][errors]") {
  const std::string dir = fresh_dir("mismatch");
  write_split(dir, "train", 12, 11, 0, true);
  write_split(dir, "t10k", 5, 5, 100, true);
  REQUIRE_THROWS_AS(tinynet::datasets::load_fashion_mnist(dir), tinynet::datasets::DatasetError);
  REQUIRE_THROWS_WITH(tinynet::datasets::load_fashion_mnist(dir),
                      tinynet_test::contains(dir + "/train-images-idx3-ubyte.gz' holds 12 images"));
  REQUIRE_THROWS_WITH(tinynet::datasets::load_fashion_mnist(dir),
                      tinynet_test::contains(dir + "/train-labels-idx1-ubyte.gz' holds 11 labels"));

  const std::string test_dir = fresh_dir("mismatch_test");
  write_split(test_dir, "train", 12, 12, 0, false);
  write_split(test_dir, "t10k", 4, 5, 100, false);
  REQUIRE_THROWS_WITH(tinynet::datasets::load_fashion_mnist(test_dir),
                      tinynet_test::contains("t10k-images-idx3-ubyte' holds 4 images but '" + test_dir +
                                             "/t10k-labels-idx1-ubyte' holds 5 labels"));
}

TEST_CASE("load_fashion_mnist rejects images that are not 28x28", "[fashion_mnist][errors]") {
  const std::string dir = fresh_dir("size");
  write_split(dir, "train", 3, 3, 0, true, 10);
  write_split(dir, "t10k", 2, 2, 100, true);
  REQUIRE_THROWS_AS(tinynet::datasets::load_fashion_mnist(dir), tinynet::datasets::DatasetError);
  REQUIRE_THROWS_WITH(tinynet::datasets::load_fashion_mnist(dir),
                      tinynet_test::contains(dir + "/train-images-idx3-ubyte.gz' are 10x10 pixels: expected 28x28"));
}

TEST_CASE("load_fashion_mnist passes on the IDX reader's errors", "[fashion_mnist][errors]") {
  const std::string dir = fake_dataset("bad_label");
  write_file(dir + "/t10k-labels-idx1-ubyte", idx_file_bytes({5}, {0, 1, 2, 10, 4}), false);
  REQUIRE_THROWS_AS(tinynet::datasets::load_fashion_mnist(dir), tinynet::data::IdxError);
  REQUIRE_THROWS_WITH(tinynet::datasets::load_fashion_mnist(dir),
                      tinynet_test::contains("t10k-labels-idx1-ubyte': label out of range at index 3"));
}

TEST_CASE("load_fashion_mnist says where it looked for a missing directory and how to get the data",
          "[fashion_mnist][errors]") {
  const std::string dir = std::string(TINYNET_TEST_TMPDIR) + "/fashion_no_such_dir";
  fs::remove_all(dir);
  REQUIRE_THROWS_AS(tinynet::datasets::load_fashion_mnist(dir), tinynet::datasets::DatasetError);
  REQUIRE_THROWS_WITH(tinynet::datasets::load_fashion_mnist(dir), tinynet_test::contains("'" + dir + "'"));
  REQUIRE_THROWS_WITH(tinynet::datasets::load_fashion_mnist(dir),
                      tinynet_test::contains("chosen by the directory argument"));
  REQUIRE_THROWS_WITH(tinynet::datasets::load_fashion_mnist(dir),
                      tinynet_test::contains("sudo apt-get install dataset-fashion-mnist"));
  REQUIRE_THROWS_WITH(tinynet::datasets::load_fashion_mnist(dir),
                      tinynet_test::contains("scripts/download-fashion-mnist.sh DIR"));

  const ScopedDataEnv env(dir.c_str());
  REQUIRE_THROWS_WITH(tinynet::datasets::load_fashion_mnist(),
                      tinynet_test::contains("chosen by the TINYNET_DATA environment variable"));
  REQUIRE_THROWS_WITH(tinynet::datasets::load_fashion_mnist(), tinynet_test::contains(dir));
}

TEST_CASE("load_fashion_mnist lists both names it tried for each missing file", "[fashion_mnist][errors]") {
  const std::string dir = fake_dataset("missing_file");
  fs::remove(dir + "/train-labels-idx1-ubyte.gz");
  fs::remove(dir + "/t10k-images-idx3-ubyte");
  REQUIRE_THROWS_AS(tinynet::datasets::load_fashion_mnist(dir), tinynet::datasets::DatasetError);
  REQUIRE_THROWS_WITH(tinynet::datasets::load_fashion_mnist(dir),
                      tinynet_test::contains("looked for:\n  " + dir + "/train-labels-idx1-ubyte.gz\n  " + dir +
                                             "/train-labels-idx1-ubyte\n  " + dir + "/t10k-images-idx3-ubyte.gz\n  " +
                                             dir + "/t10k-images-idx3-ubyte\n"));
  REQUIRE_THROWS_WITH(tinynet::datasets::load_fashion_mnist(dir), tinynet_test::contains("dataset-fashion-mnist"));
  try {
    tinynet::datasets::load_fashion_mnist(dir);
  } catch (const tinynet::datasets::DatasetError& e) {
    // The files that are there are not reported missing.
    REQUIRE(std::string(e.what()).find("train-images") == std::string::npos);
  }
}

TEST_CASE("resolve_fashion_mnist_dir: argument, then TINYNET_DATA, then the Debian default", "[fashion_mnist]") {
  {
    const ScopedDataEnv env(nullptr);
    REQUIRE(tinynet::datasets::resolve_fashion_mnist_dir() == kRealDir);
    REQUIRE(tinynet::datasets::resolve_fashion_mnist_dir("/some/arg") == "/some/arg");
  }
  {
    const ScopedDataEnv env("");
    REQUIRE(tinynet::datasets::resolve_fashion_mnist_dir() == kRealDir);
  }
  {
    const ScopedDataEnv env("/from/env");
    REQUIRE(tinynet::datasets::resolve_fashion_mnist_dir() == "/from/env");
    REQUIRE(tinynet::datasets::resolve_fashion_mnist_dir("/some/arg") == "/some/arg");
  }
}

TEST_CASE("load_fashion_mnist() honours TINYNET_DATA and restores it", "[fashion_mnist]") {
  const char* before = std::getenv("TINYNET_DATA");
  const std::optional<std::string> saved = before ? std::optional<std::string>(before) : std::nullopt;
  {
    const std::string dir = fake_dataset("env");
    const ScopedDataEnv env(dir.c_str());
    const tinynet::datasets::FashionMnist data = tinynet::datasets::load_fashion_mnist();
    REQUIRE(data.train.images.cols() == 12);
    REQUIRE(data.test.images.cols() == 5);
    REQUIRE(data.test.labels[0] == fake_label(0, 100));
  }
  const char* after = std::getenv("TINYNET_DATA");
  REQUIRE(saved.has_value() == (after != nullptr));
  if (saved) REQUIRE(*saved == after);
}

TEST_CASE("load_fashion_mnist on the real data set", "[fashion_mnist][real]") {
  if (!fs::is_directory(kRealDir)) {
    WARN("skipped: " << kRealDir << " not found (sudo apt-get install dataset-fashion-mnist)");
    return;
  }
  const tinynet::datasets::FashionMnist data = tinynet::datasets::load_fashion_mnist(kRealDir);
  REQUIRE(data.train.images.rows() == 784);
  REQUIRE(data.train.images.cols() == 60000);
  REQUIRE(data.test.images.rows() == 784);
  REQUIRE(data.test.images.cols() == 10000);
  REQUIRE(data.train.labels.size() == 60000);
  REQUIRE(data.test.labels.size() == 10000);
  REQUIRE(data.train.image_shape == tinynet::Shape{28, 28, 1});

  std::array<int, 10> train_count{}, test_count{};
  for (int y : data.train.labels) {
    REQUIRE((y >= 0 && y <= 9));
    ++train_count[static_cast<std::size_t>(y)];
  }
  for (int y : data.test.labels) {
    REQUIRE((y >= 0 && y <= 9));
    ++test_count[static_cast<std::size_t>(y)];
  }
  for (std::size_t k = 0; k < 10; ++k) {
    REQUIRE(train_count[k] == 6000);
    REQUIRE(test_count[k] == 1000);
  }
  // The first image of both sets is an ankle boot.
  REQUIRE(data.train.labels[0] == 9);
  REQUIRE(data.test.labels[0] == 9);

  const tinynet::Matrix<float> train = data.train.images.values(), test = data.test.images.values();
  REQUIRE(train.minCoeff() == 0.0f);
  REQUIRE(train.maxCoeff() == 1.0f);
  REQUIRE(test.minCoeff() == 0.0f);
  REQUIRE(test.maxCoeff() == 1.0f);
  // Pixels checked against the raw bytes (read with Python's gzip module): two single
  // pixels, and the sum of all bytes of each set.
  REQUIRE(data.train.images.bytes()(14 * 28 + 14, 0) == 217);
  REQUIRE(train(14 * 28 + 14, 0) == 217.0f / 255.0f);
  REQUIRE(data.train.images.bytes()(10 * 28 + 20, 59999) == 19);
  const auto byte_sum = [](const tinynet::Images& x) { return x.bytes().cast<long long>().sum(); };
  REQUIRE(byte_sum(data.train.images) == 3431114169LL);
  REQUIRE(byte_sum(data.test.images) == 573469082LL);
}

TEST_CASE("download-fashion-mnist.sh rejects files whose MD5 does not match", "[fashion_mnist][script]") {
  if (!script_tools_available()) {
    WARN("skipped: bash, gzip and md5sum/md5 are needed to run the download script");
    return;
  }
  // A well-formed but fake data set: all four files fail, and nothing is fetched.
  const std::string dir = fake_dataset("script_fake");
  const ScriptRun fake = run_download_script("fake", "'" + dir + "'");
  INFO(fake.output);
  REQUIRE(fake.status == 1);
  REQUIRE(fake.output.find("have   train-images-idx3-ubyte (not fetched again)") != std::string::npos);
  REQUIRE(fake.output.find("fetch  http") == std::string::npos);  // no download tried
  REQUIRE(fake.output.find("MD5 MISMATCH " + dir +
                           "/train-images-idx3-ubyte.gz: expected "
                           "8d4fb7e6c68d591d4c3dfef9ec88bf0d") != std::string::npos);
  REQUIRE(fake.output.find("MD5 MISMATCH " + dir +
                           "/t10k-labels-idx1-ubyte: expected "
                           "15d484375f8d13e6eb1aabb0c3f46965") != std::string::npos);
  REQUIRE(fake.output.find("failed verification") != std::string::npos);

  const ScriptRun missing = run_download_script("empty", "--verify-only '" + fresh_dir("script_empty") + "'");
  REQUIRE(missing.status == 1);
  REQUIRE(missing.output.find("MISSING") != std::string::npos);

  const ScriptRun usage = run_download_script("usage", "");
  REQUIRE(usage.status == 2);
  REQUIRE(usage.output.find("usage:") != std::string::npos);
}

TEST_CASE("download-fashion-mnist.sh accepts the real files and rejects a corrupted copy",
          "[fashion_mnist][script][real]") {
  if (!script_tools_available() || !fs::is_directory(kRealDir)) {
    WARN("skipped: needs " << kRealDir << ", bash, gzip and md5sum/md5");
    return;
  }
  const ScriptRun real = run_download_script("real", "--verify-only '" + std::string(kRealDir) + "'");
  INFO(real.output);
  REQUIRE(real.status == 0);
  REQUIRE(std::count(real.output.begin(), real.output.end(), '\n') == 5);  // 4 × OK + summary
  REQUIRE(real.output.find("OK     " + std::string(kRealDir) + "/train-images-idx3-ubyte.gz") != std::string::npos);
  REQUIRE(real.output.find("OK     " + std::string(kRealDir) + "/t10k-labels-idx1-ubyte.gz") != std::string::npos);

  // Links to three real files and a copy of the fourth with one byte flipped.
  const std::string dir = fresh_dir("script_corrupt");
  for (const char* name : {"train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"})
    fs::create_symlink(fs::path(kRealDir) / name, fs::path(dir) / name);
  std::ifstream in(std::string(kRealDir) + "/train-labels-idx1-ubyte.gz", std::ios::binary);
  FileBytes labels((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(labels.size() > 1000);
  labels[labels.size() / 2] ^= 0x01;
  write_file(dir + "/train-labels-idx1-ubyte.gz", labels, false);
  const ScriptRun corrupt = run_download_script("corrupt", "--verify-only '" + dir + "'");
  INFO(corrupt.output);
  REQUIRE(corrupt.status == 1);
  REQUIRE(corrupt.output.find("MD5 MISMATCH " + dir +
                              "/train-labels-idx1-ubyte.gz: expected "
                              "25c81989df183df01b3e8a0aad5dffbe") != std::string::npos);
  REQUIRE(corrupt.output.find("OK     " + dir + "/train-images-idx3-ubyte.gz") != std::string::npos);

  // Debian's file is the published archive with a normalised gzip header: put back the
  // published header (flag FNAME, mtime 2017-08-31 10:50:06 UTC, the file name) and the
  // archive's own MD5 matches the published one.
  labels[labels.size() / 2] ^= 0x01;                                           // undo the flip
  REQUIRE(labels[3] == 0x00);                                                  // no FNAME in Debian's copy
  FileBytes published{0x1f, 0x8b, 0x08, 0x08, 0xde, 0xe9, 0xa7, 0x59};         // mtime 1504176606, little-endian
  published.insert(published.end(), labels.begin() + 8, labels.begin() + 10);  // XFL, OS
  const std::string name = "train-labels-idx1-ubyte";
  published.insert(published.end(), name.begin(), name.end());
  published.push_back(0);
  published.insert(published.end(), labels.begin() + 10, labels.end());
  write_file(dir + "/train-labels-idx1-ubyte.gz", published, false);
  const ScriptRun restored = run_download_script("restored", "--verify-only '" + dir + "'");
  INFO(restored.output);
  REQUIRE(restored.status == 0);
  REQUIRE(restored.output.find("OK     " + dir +
                               "/train-labels-idx1-ubyte.gz (md5 "
                               "25c81989df183df01b3e8a0aad5dffbe, as published)") != std::string::npos);
}
