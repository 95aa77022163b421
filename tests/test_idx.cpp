// The IDX reader on small files written here, gzipped and plain: values, shapes, and every
// kind of malformed file (magic, type, header, truncation, trailing bytes, labels, gzip).
#include "catch.hpp"

#include <tinynet/data/idx.hpp>

#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Bytes = std::vector<std::uint8_t>;

std::string tmp_file(const std::string& name) { return std::string(TINYNET_TEST_TMPDIR) + "/test_idx_" + name; }

// An IDX file's bytes: 0x00 0x00 type ndims, the dims big-endian, then the values.
Bytes idx_bytes(const std::vector<std::uint32_t>& dims, const Bytes& values, std::uint8_t type = 0x08) {
  Bytes b{0x00, 0x00, type, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(d >> shift));
  b.insert(b.end(), values.begin(), values.end());
  return b;
}

void write_plain(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

void write_gz(const std::string& path, const Bytes& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  if (!bytes.empty())
    REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  REQUIRE(gzclose(f) == Z_OK);
}

// Writes the bytes gzipped (name + ".gz") or plain, and returns the path.
std::string write_idx(const std::string& name, const Bytes& bytes, bool gz) {
  const std::string path = tmp_file(name) + (gz ? ".gz" : "");
  if (gz)
    write_gz(path, bytes);
  else
    write_plain(path, bytes);
  return path;
}

Bytes read_plain(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// 3 images of 2 rows × 3 columns; pixel (n, r, c) = 50n + 10r + c, except one pixel at 255.
constexpr int kImages = 3, kRows = 2, kCols = 3;
int pixel_value(int n, int r, int c) { return (n == 2 && r == 1 && c == 2) ? 255 : 50 * n + 10 * r + c; }
Bytes small_image_values() {
  Bytes v;
  for (int n = 0; n < kImages; ++n)
    for (int r = 0; r < kRows; ++r)
      for (int c = 0; c < kCols; ++c) v.push_back(static_cast<std::uint8_t>(pixel_value(n, r, c)));
  return v;
}

}  // namespace

TEMPLATE_TEST_CASE("read_idx_images puts one image per column, row-major, scaled to 0..1", "[idx]", float, double) {
  const bool gz = GENERATE(false, true);
  const std::string path = write_idx("images_ok_" + std::to_string(sizeof(TestType)),
                                     idx_bytes({kImages, kRows, kCols}, small_image_values()), gz);
  const tinynet::Matrix<TestType> x = tinynet::data::read_idx_images<TestType>(path);
  REQUIRE(x.rows() == kRows * kCols);
  REQUIRE(x.cols() == kImages);
  for (int n = 0; n < kImages; ++n)
    for (int r = 0; r < kRows; ++r)
      for (int c = 0; c < kCols; ++c) REQUIRE(x(r * kCols + c, n) == TestType(pixel_value(n, r, c)) / TestType(255));
  REQUIRE(x(0, 0) == TestType(0));
  REQUIRE(x(1 * kCols + 2, 2) == TestType(1));
}

TEST_CASE("read_idx returns the dims and the raw bytes of gzipped and plain files", "[idx]") {
  const bool gz = GENERATE(false, true);
  const Bytes values{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 200, 201, 202, 203, 204, 205, 206, 255, 17, 18, 19, 20};
  const std::string path = write_idx("raw4d", idx_bytes({2, 3, 2, 2}, values), gz);
  const tinynet::data::IdxArray a = tinynet::data::read_idx(path);
  REQUIRE(a.path == path);
  REQUIRE(a.type == 0x08);
  REQUIRE(a.dims == std::vector<std::size_t>{2, 3, 2, 2});
  REQUIRE(a.data == values);
  REQUIRE(a.data_offset() == 4 + 4 * 4);
}

TEST_CASE("read_idx_labels reads labels and accepts every class in range", "[idx]") {
  const bool gz = GENERATE(false, true);
  const std::string path = write_idx("labels_ok", idx_bytes({10}, {9, 0, 1, 2, 3, 4, 5, 6, 7, 8}), gz);
  REQUIRE(tinynet::data::read_idx_labels(path) == std::vector<int>{9, 0, 1, 2, 3, 4, 5, 6, 7, 8});
}

TEST_CASE("read_idx rejects a wrong magic number", "[idx][errors]") {
  const bool gz = GENERATE(false, true);
  Bytes bytes = idx_bytes({2}, {1, 2});
  bytes[1] = 0x01;  // 0x00 0x01 0x08 0x01
  const std::string path = write_idx("bad_magic", bytes, gz);
  REQUIRE_THROWS_AS(tinynet::data::read_idx(path), tinynet::data::IdxError);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path), tinynet_test::contains(path));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path),
                      tinynet_test::contains("wrong magic number at byte offset 0: expected 0x00 "
                                             "0x00 TYPE NDIMS, got 0x00 0x01 0x08 0x01"));

  const std::string text = write_idx("not_idx", Bytes{'h', 'e', 'l', 'l', 'o', '\n'}, gz);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(text), tinynet_test::contains("got 0x68 0x65 0x6c 0x6c"));
}

TEST_CASE("read_idx names the unsupported data type", "[idx][errors]") {
  const std::string path = write_idx("float_type", idx_bytes({1}, {0, 0, 0, 0}, 0x0D), false);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path), tinynet_test::contains(path));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path),
                      tinynet_test::contains("unsupported data type at byte offset 2: expected 0x08 "
                                             "(unsigned byte), got 0x0d (float32)"));
}

TEST_CASE("read_idx rejects a zero dimension count and a header cut short", "[idx][errors]") {
  const bool gz = GENERATE(false, true);
  const std::string zero = write_idx("zero_dims", Bytes{0, 0, 8, 0}, gz);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(zero),
                      tinynet_test::contains("bad dimension count at byte offset 3: expected at least 1, got 0"));

  const std::string empty = write_idx("empty", Bytes{}, gz);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(empty), tinynet_test::contains(empty));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(empty), tinynet_test::contains("file ends at byte offset 0"));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(empty), tinynet_test::contains("expected 4 bytes, got 0"));

  Bytes cut = idx_bytes({3, 2, 3}, {});
  cut.resize(8);  // magic + the first of three dims
  const std::string header = write_idx("cut_header", cut, gz);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(header), tinynet_test::contains(header));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(header), tinynet_test::contains("file ends at byte offset 8"));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(header),
                      tinynet_test::contains("3 dimensions need 16 header bytes, got 8"));
}

TEST_CASE("read_idx reports a truncated file with the offset and expected vs got bytes", "[idx][errors]") {
  const bool gz = GENERATE(false, true);
  Bytes values = small_image_values();  // 18 bytes
  values.resize(10);
  const std::string path = write_idx("truncated", idx_bytes({kImages, kRows, kCols}, values), gz);
  REQUIRE_THROWS_AS(tinynet::data::read_idx(path), tinynet::data::IdxError);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path), tinynet_test::contains(path));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path),
                      tinynet_test::contains("truncated: data ran out at byte offset 26"));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path), tinynet_test::contains("dims 3x2x3 need 18 data bytes, got 10"));
  if (gz) REQUIRE_THROWS_WITH(tinynet::data::read_idx(path), tinynet_test::contains("of the decompressed data"));
  REQUIRE_THROWS_AS(tinynet::data::read_idx_images(path), tinynet::data::IdxError);
}

TEST_CASE("read_idx reports a gzip stream that is cut off", "[idx][errors]") {
  std::mt19937 rng(42);
  Bytes values(20000);
  for (auto& v : values) v = static_cast<std::uint8_t>(rng());
  const std::string path = write_idx("cut_stream", idx_bytes({200, 10, 10}, values), true);
  Bytes gz = read_plain(path);
  REQUIRE(gz.size() > 10000);
  gz.resize(gz.size() / 2);
  write_plain(path, gz);
  REQUIRE_THROWS_AS(tinynet::data::read_idx(path), tinynet::data::IdxError);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path), tinynet_test::contains(path));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path), tinynet_test::contains("truncated: data ran out"));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path), tinynet_test::contains("need 20000 data bytes"));
}

TEST_CASE("read_idx reports corrupt gzip data", "[idx][errors]") {
  std::mt19937 rng(7);
  Bytes values(5000);
  for (auto& v : values) v = static_cast<std::uint8_t>(rng());
  const std::string path = write_idx("corrupt_stream", idx_bytes({5000}, values), true);
  Bytes gz = read_plain(path);
  gz[gz.size() / 2] ^= 0xFF;  // random bytes are stored uncompressed: the CRC catches this
  write_plain(path, gz);
  REQUIRE_THROWS_AS(tinynet::data::read_idx(path), tinynet::data::IdxError);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path), tinynet_test::contains(path));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path), tinynet_test::contains("corrupt or unreadable data"));
}

TEST_CASE("read_idx rejects trailing bytes after the data", "[idx][errors]") {
  const bool gz = GENERATE(false, true);
  Bytes values = small_image_values();
  values.insert(values.end(), {1, 2, 3, 4, 5});
  const std::string path = write_idx("trailing", idx_bytes({kImages, kRows, kCols}, values), gz);
  REQUIRE_THROWS_AS(tinynet::data::read_idx(path), tinynet::data::IdxError);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path), tinynet_test::contains(path));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path),
                      tinynet_test::contains("5 trailing byte(s) after the data at byte offset 34"));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path), tinynet_test::contains("imply 34 bytes in total, got 39"));
}

TEST_CASE("read_idx refuses a header that claims more than its limit, and reports a short file as truncated",
          "[idx][errors]") {
  const std::string path = write_idx("huge_claim", idx_bytes({1u << 31, 1u << 16}, {1, 2, 3, 4}), false);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path),
                      tinynet_test::contains("dimensions 2147483648x65536 at byte offset 4: the data is more than the "
                                             "limit of 1073741824 bytes (IdxLimits::max_bytes"));
  // Within a raised limit, the claim is checked against the bytes that are there.
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(path, {.max_bytes = std::size_t{1} << 48}),
                      tinynet_test::contains("need 140737488355328 data bytes, got 4"));
  const std::string overflow = write_idx("overflow", idx_bytes({0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, {}), false);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(overflow), tinynet_test::contains("one item is more than the limit"));
  // A count of 0 does not hide an item of 2^64 bytes (the fuzzer's 16-byte find).
  const std::string empty_huge = write_idx("empty_huge", idx_bytes({0u, 0xFFFFFFFFu, 0xFFFFFFFFu}, {}), false);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(empty_huge), tinynet_test::contains("one item is more than the limit"));
  tinynet::data::IdxArray hand_made{"hand-made", 0x08, {0, 0xFFFFFFFFu, 0xFFFFFFFFu}, {}};
  REQUIRE_THROWS_AS(tinynet::data::images_from_idx<float>(hand_made), tinynet::data::IdxError);
}

TEST_CASE("read_idx_labels names the file, index, offset and value of a bad label", "[idx][errors]") {
  const bool gz = GENERATE(false, true);
  const std::string path = write_idx("labels_bad", idx_bytes({4}, {1, 2, 10, 3}), gz);
  REQUIRE_THROWS_AS(tinynet::data::read_idx_labels(path), tinynet::data::IdxError);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx_labels(path), tinynet_test::contains(path));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx_labels(path),
                      tinynet_test::contains("label out of range at index 2 (byte offset 10): "
                                             "expected a class in [0, 10), got 10"));
  // With 11 classes the same file is fine; with 3 classes the first bad label is at index 2 too.
  REQUIRE(tinynet::data::read_idx_labels(path, 11) == std::vector<int>{1, 2, 10, 3});
  REQUIRE_THROWS_WITH(tinynet::data::read_idx_labels(path, 3),
                      tinynet_test::contains("index 2 (byte offset 10): expected a class in [0, 3), got 10"));
  REQUIRE_THROWS_AS(tinynet::data::read_idx_labels(path, 0), std::invalid_argument);
}

TEST_CASE("images and labels need 3 and 1 dimensions", "[idx][errors]") {
  const std::string labels = write_idx("dims_labels", idx_bytes({4}, {1, 2, 3, 4}), false);
  const std::string images = write_idx("dims_images", idx_bytes({kImages, kRows, kCols}, small_image_values()), false);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx_images(labels),
                      tinynet_test::contains("images need 3 dimensions (count x rows x cols), got 1 (4)"));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx_labels(images),
                      tinynet_test::contains("labels need 1 dimension (count), got 3 (3x2x3)"));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx_labels(images), tinynet_test::contains(images));
}

TEST_CASE("read_idx says when the file is missing or is a directory", "[idx][errors]") {
  const std::string missing = tmp_file("does_not_exist.gz");
  std::filesystem::remove(missing);
  REQUIRE_THROWS_AS(tinynet::data::read_idx(missing), tinynet::data::IdxError);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(missing), tinynet_test::contains(missing));
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(missing), tinynet_test::contains("no such file"));
  const std::string dir = tmp_file("a_directory");
  std::filesystem::create_directories(dir);
  REQUIRE_THROWS_WITH(tinynet::data::read_idx(dir), tinynet_test::contains("is a directory"));
}
