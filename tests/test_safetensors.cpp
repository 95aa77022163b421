// The safetensors format: round trips, the exact bytes on disk, every kind of damaged file,
// and the atomic write.
#include "catch.hpp"
#include "test_files.hpp"

#include <tinynet/io/safetensors.hpp>

#include <nlohmann/json.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using tinynet::Matrix;
using tinynet::Vector;
using namespace tinynet::io;

namespace {

fs::path safetensors_dir(const std::string& name) { return tinynet_test::scratch_dir("safetensors", name); }
using tinynet_test::read_bytes;
using tinynet_test::write_bytes;

std::string le64(std::uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return s;
}

std::uint64_t header_length(const std::string& file) {
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(file[i]);
  return n;
}

// A file made by hand: the length prefix, the header text as given, `data_bytes` bytes of data.
std::string crafted(const std::string& header, std::size_t data_bytes) {
  return le64(header.size()) + header + std::string(data_bytes, '\x01');
}

// The header of a file on disk, parsed independently of the reader under test.
nlohmann::json header_of(const std::string& file) { return nlohmann::json::parse(file.substr(8, header_length(file))); }

Matrix<float> sample_float(Eigen::Index rows, Eigen::Index cols) {
  Matrix<float> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = std::sin(0.37f * static_cast<float>(i)) / 3.0f;
  return m;
}

// Bit-for-bit equality of two records' contents.
void require_same(const TensorRecord& a, const TensorRecord& b) {
  REQUIRE(a.name == b.name);
  REQUIRE(a.dtype == b.dtype);
  REQUIRE(a.shape == b.shape);
  REQUIRE(a.data == b.data);
}

}  // namespace

TEST_CASE("safetensors: tensors round-trip bit for bit", "[safetensors]") {
  const fs::path path = safetensors_dir("round_trip") / "model.safetensors";

  Matrix<float> wf = sample_float(3, 4);
  wf(0, 0) = -0.0f;
  wf(1, 1) = std::numeric_limits<float>::denorm_min();
  wf(2, 3) = std::numeric_limits<float>::infinity();
  wf(2, 2) = std::numeric_limits<float>::quiet_NaN();
  Matrix<double> wd(2, 5);
  for (Eigen::Index i = 0; i < wd.size(); ++i) wd.data()[i] = 1.0 / (3.0 + static_cast<double>(i));
  Vector<float> bf = Vector<float>::LinSpaced(7, -1.0f, 2.0f);
  Vector<double> bd(1);
  bd << 1e-300;
  Matrix<double> empty(0, 3);
  const TensorRecord step = from_scalar<std::int64_t>("optimizer.step", -42);

  const std::vector<TensorRecord> records = {from_matrix("dense.W", wf),  from_matrix("dense2.W", wd),
                                             from_vector("dense.b", bf),  from_vector("dense2.b", bd),
                                             from_matrix("empty", empty), step};
  write_safetensors(path.string(), records, {});

  const SafetensorsFile file = read_safetensors(path.string());
  REQUIRE(file.metadata.empty());
  REQUIRE_FALSE(header_of(read_bytes(path)).contains("__metadata__"));
  REQUIRE(file.tensors.size() == records.size());
  for (const TensorRecord& r : records) require_same(file.at(r.name), r);

  const Matrix<float> wf2 = to_matrix<float>(file.at("dense.W"));
  REQUIRE(wf2.rows() == 3);
  REQUIRE(wf2.cols() == 4);
  REQUIRE(std::memcmp(wf2.data(), wf.data(), sizeof(float) * 12) == 0);  // NaN and −0 included
  REQUIRE(to_matrix<double>(file.at("dense2.W")) == wd);
  REQUIRE(to_vector<float>(file.at("dense.b")) == bf);
  REQUIRE(to_vector<double>(file.at("dense2.b")) == bd);
  REQUIRE(to_matrix<double>(file.at("empty")).rows() == 0);
  REQUIRE(to_matrix<double>(file.at("empty")).cols() == 3);
  REQUIRE(file.at("optimizer.step").shape.empty());
  REQUIRE(file.at("optimizer.step").numel() == 1);
  REQUIRE(to_scalar<std::int64_t>(file.at("optimizer.step")) == -42);
  REQUIRE_THROWS_WITH(to_scalar<double>(file.at("optimizer.step")),
                      tinynet_test::contains("cannot read dtype I64 as F64"));
  REQUIRE_THROWS_WITH(to_scalar<double>(file.at("dense2.b")), tinynet_test::contains("expected a scalar"));

  REQUIRE(file.find("nope") == nullptr);
  REQUIRE_THROWS_AS(file.at("nope"), std::out_of_range);
  REQUIRE_THROWS_WITH(file.at("nope"), tinynet_test::contains("no tensor named 'nope'"));
}

TEST_CASE("safetensors: a file with no tensors round-trips", "[safetensors]") {
  const fs::path path = safetensors_dir("no_tensors") / "empty.safetensors";
  write_safetensors(path.string(), {});
  const std::string bytes = read_bytes(path);
  REQUIRE(bytes.size() == 16);  // "{}" padded to 8
  const SafetensorsFile file = read_safetensors(path.string());
  REQUIRE(file.tensors.empty());
  REQUIRE(file.metadata.empty());
}

TEST_CASE("safetensors: metadata round-trips as strings", "[safetensors]") {
  const fs::path path = safetensors_dir("metadata") / "m.safetensors";
  const std::map<std::string, std::string> metadata = {
      {"format", "tinynet"},
      {"config", R"({"layers": [{"class": "Dense", "units": 10}]})"},  // JSON inside a string
      {"empty", ""},
      {"unicode", "größe · 大小"}};
  write_safetensors(path.string(), {from_vector("b", Vector<float>::Ones(3).eval())}, metadata);
  REQUIRE(read_safetensors(path.string()).metadata == metadata);
  const nlohmann::json header = header_of(read_bytes(path));
  REQUIRE(header["__metadata__"]["config"].is_string());
}

TEST_CASE("safetensors: the header is padded with spaces to a multiple of 8", "[safetensors]") {
  const fs::path dir = safetensors_dir("padding");
  for (std::size_t length = 1; length <= 12; ++length) {
    const fs::path path = dir / "p.safetensors";
    write_safetensors(path.string(), {from_vector(std::string(length, 'x'), Vector<double>::Zero(2).eval())});
    const std::string bytes = read_bytes(path);
    const std::uint64_t n = header_length(bytes);
    CAPTURE(length, n);
    REQUIRE(n % 8 == 0);
    REQUIRE(bytes.size() == 8 + n + 16);
    const std::string header = bytes.substr(8, n);
    const std::size_t close = header.rfind('}');
    REQUIRE(header.find_first_not_of(' ', close + 1) == std::string::npos);
    REQUIRE(n - close - 1 < 8);
  }
}

TEST_CASE("safetensors: a matrix is stored row-major with shape (rows, cols)", "[safetensors]") {
  const fs::path path = safetensors_dir("row_major") / "m.safetensors";
  Matrix<float> m(2, 3);
  m << 1, 2, 3, 4, 5, 6;
  write_safetensors(path.string(), {from_matrix("m", m)});

  const std::string bytes = read_bytes(path);
  const std::uint64_t n = header_length(bytes);
  const nlohmann::json entry = header_of(bytes)["m"];
  REQUIRE(entry["dtype"] == "F32");
  REQUIRE(entry["shape"] == nlohmann::json::array({2, 3}));
  REQUIRE(entry["data_offsets"] == nlohmann::json::array({0, 24}));
  // The data block, decoded by hand as little-endian IEEE floats, reads 1 2 3 4 5 6.
  for (int i = 0; i < 6; ++i) {
    std::uint32_t bits = 0;
    for (int b = 3; b >= 0; --b) bits = (bits << 8) | static_cast<unsigned char>(bytes[8 + n + 4 * i + b]);
    REQUIRE(std::bit_cast<float>(bits) == static_cast<float>(i + 1));
  }
}

TEST_CASE("safetensors: tensors are ordered so that each is aligned to its element size", "[safetensors]") {
  const fs::path path = safetensors_dir("alignment") / "a.safetensors";
  TensorRecord bytes3{"u8", "U8", {3}, std::vector<std::byte>(3)};
  write_safetensors(path.string(), {bytes3, from_vector("f", Vector<float>::Ones(3).eval()),
                                    from_vector("d", Vector<double>::Ones(2).eval())});
  const nlohmann::json header = header_of(read_bytes(path));
  REQUIRE(header["d"]["data_offsets"] == nlohmann::json::array({0, 16}));
  REQUIRE(header["f"]["data_offsets"] == nlohmann::json::array({16, 28}));
  REQUIRE(header["u8"]["data_offsets"] == nlohmann::json::array({28, 31}));
  const SafetensorsFile file = read_safetensors(path.string());
  REQUIRE(file.tensors[0].name == "d");  // in data-block order
  REQUIRE(file.tensors[2].name == "u8");
}

TEST_CASE("safetensors: to_matrix converts F32 and F64 and refuses anything else", "[safetensors]") {
  Matrix<double> d(1, 2);
  d << 0.1, 1.0 / 3.0;
  const TensorRecord rd = from_matrix("d", d);
  const Matrix<float> as_float = to_matrix<float>(rd);
  REQUIRE(as_float(0, 0) == 0.1f);
  REQUIRE(as_float(0, 1) == static_cast<float>(1.0 / 3.0));
  const Matrix<float> f = sample_float(2, 2);
  REQUIRE(to_matrix<double>(from_matrix("f", f)) == f.cast<double>());

  REQUIRE_THROWS_WITH(to_matrix<float>(from_vector("v", Vector<float>::Ones(3).eval())),
                      tinynet_test::contains("expected a matrix (rank 2), got shape [3]"));
  REQUIRE_THROWS_WITH(to_vector<float>(rd), tinynet_test::contains("expected a vector (rank 1), got shape [1, 2]"));
  const TensorRecord ints{"i", "I64", {1, 1}, std::vector<std::byte>(8)};
  REQUIRE_THROWS_AS(to_matrix<float>(ints), FormatError);
  REQUIRE_THROWS_WITH(to_matrix<float>(ints), tinynet_test::contains("cannot read dtype I64 as F32"));
  const TensorRecord short_data{"s", "F32", {2, 2}, std::vector<std::byte>(12)};
  REQUIRE_THROWS_WITH(to_matrix<float>(short_data), tinynet_test::contains("expects 16 bytes, got 12"));
}

TEST_CASE("safetensors: a truncated file is rejected wherever it is cut", "[safetensors]") {
  const fs::path dir = safetensors_dir("truncated");
  const fs::path good = dir / "good.safetensors";
  write_safetensors(good.string(),
                    {from_matrix("W", sample_float(3, 2)), from_vector("b", Vector<float>::Ones(3).eval())},
                    {{"k", "v"}});
  const std::string bytes = read_bytes(good);
  const std::uint64_t n = header_length(bytes);
  const fs::path cut = dir / "cut.safetensors";
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    CAPTURE(length);
    write_bytes(cut, bytes.substr(0, length));
    const std::string keyword = length < 8       ? "shorter than the 8-byte header length"
                                : length < 8 + n ? "is larger than the"
                                                 : "run out of the data block";
    REQUIRE_THROWS_AS(read_safetensors(cut.string()), FormatError);
    REQUIRE_THROWS_WITH(read_safetensors(cut.string()),
                        tinynet_test::contains(keyword) && tinynet_test::contains(cut.string()));
  }
  write_bytes(cut, bytes.substr(0, 20));  // both numbers are named
  REQUIRE_THROWS_WITH(read_safetensors(cut.string()),
                      tinynet_test::contains("header length " + std::to_string(n) +
                                             " is larger than the 12 bytes that follow it (file size 20)"));
}

TEST_CASE("safetensors: a damaged header is rejected", "[safetensors]") {
  const fs::path dir = safetensors_dir("damaged");
  const fs::path good = dir / "good.safetensors";
  write_safetensors(good.string(), {from_matrix("W", sample_float(2, 2))}, {{"k", "v"}});
  const std::string bytes = read_bytes(good);
  const std::uint64_t n = header_length(bytes);
  const fs::path bad = dir / "bad.safetensors";

  SECTION("any header byte set to 0xFF breaks the JSON") {
    for (std::size_t i = 8; i < 8 + n; ++i) {
      CAPTURE(i);
      std::string flipped = bytes;
      flipped[i] = '\xFF';
      write_bytes(bad, flipped);
      REQUIRE_THROWS_WITH(read_safetensors(bad.string()),
                          tinynet_test::contains("header is not valid JSON") && tinynet_test::contains("parse error"));
    }
  }
  SECTION("a flipped byte in the length prefix") {
    std::string flipped = bytes;
    flipped[3] = '\x01';
    write_bytes(bad, flipped);
    REQUIRE_THROWS_WITH(read_safetensors(bad.string()), tinynet_test::contains("is larger than the"));
    flipped = bytes;
    const std::size_t close = bytes.substr(8, n).rfind('}');
    flipped[0] = static_cast<char>(close);  // the header now ends just before its closing '}'
    flipped[1] = '\0';
    write_bytes(bad, flipped);
    REQUIRE_THROWS_WITH(read_safetensors(bad.string()), tinynet_test::contains("not valid JSON"));
  }
}

TEST_CASE("safetensors: every broken rule of a hand-made header is named", "[safetensors]") {
  const fs::path path = safetensors_dir("crafted") / "bad.safetensors";
  auto rejects = [&](const std::string& header, std::size_t data_bytes, const std::string& keyword) {
    CAPTURE(header, keyword);
    write_bytes(path, crafted(header, data_bytes));
    REQUIRE_THROWS_AS(read_safetensors(path.string()), FormatError);
    REQUIRE_THROWS_WITH(read_safetensors(path.string()),
                        tinynet_test::contains(keyword) && tinynet_test::contains(path.string()));
  };
  // The baseline is a valid file: both forms are read.
  write_bytes(path, crafted(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 8));
  REQUIRE(read_safetensors(path.string()).tensors.size() == 1);
  write_bytes(path, crafted(R"({})", 0));
  REQUIRE(read_safetensors(path.string()).tensors.empty());

  rejects("", 0, "header is not valid JSON");
  rejects(R"({"a": )", 0, "header is not valid JSON");
  rejects(R"([1, 2])", 0, "header is not a JSON object (it is array)");
  rejects(R"("text")", 0, "header is not a JSON object (it is string)");

  rejects(R"({"a": 3})", 0, "tensor 'a': entry is not a JSON object");
  rejects(R"({"a": {"shape": [2], "data_offsets": [0, 8]}})", 8, "tensor 'a': missing \"dtype\"");
  rejects(R"({"a": {"dtype": "F32", "data_offsets": [0, 8]}})", 8, "tensor 'a': missing \"shape\"");
  rejects(R"({"a": {"dtype": "F32", "shape": [2]}})", 8, "tensor 'a': missing \"data_offsets\"");
  rejects(R"({"a": {"dtype": 32, "shape": [2], "data_offsets": [0, 8]}})", 8, "dtype is not a string");
  rejects(R"({"a": {"dtype": "F33", "shape": [2], "data_offsets": [0, 8]}})", 8, "unknown dtype 'F33'");
  rejects(R"({"a": {"dtype": "F32", "shape": 2, "data_offsets": [0, 8]}})", 8, "shape is not an array");
  rejects(R"({"a": {"dtype": "F32", "shape": ["2"], "data_offsets": [0, 8]}})", 8, "expected a list of integers");
  rejects(R"({"a": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}})", 8, "expected a list of integers");
  rejects(R"({"a": {"dtype": "F32", "shape": [-2, -1], "data_offsets": [0, 8]}})", 8, "negative dimension");
  rejects(R"({"a": {"dtype": "F64", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]}})", 8, "is too large");
  rejects(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0]}})", 8, "expected two non-negative integers");
  rejects(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [-8, 0]}})", 8, "expected two non-negative integers");
  rejects(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": "0-8"}})", 8, "expected two non-negative integers");

  rejects(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}})", 8, "have begin > end");
  rejects(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})", 8,
          "run out of the data block, which is 8 bytes");
  rejects(R"({"a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 16]}})", 16, "expects 24 bytes, got 16");
  rejects(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
              "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
          12, "overlaps tensor 'a'");
  rejects(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
              "b": {"dtype": "F32", "shape": [2], "data_offsets": [12, 20]}})",
          20, "gap in the data block: bytes [8, 12)");
  rejects(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})", 12,
          "gap in the data block: bytes [0, 4)");
  rejects(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 12,
          "4 trailing bytes after the last tensor");
  rejects(R"({})", 3, "3 trailing bytes");
  rejects(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
              "a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})",
          16, "duplicate tensor name 'a'");

  rejects(R"({"__metadata__": ["x"]})", 0, "__metadata__ is not a JSON object");
  rejects(R"({"__metadata__": {"epochs": 10}})", 0, "__metadata__ value of 'epochs' is not a string");
}

TEST_CASE("safetensors: the writer refuses invalid records and writes nothing", "[safetensors]") {
  const fs::path dir = safetensors_dir("invalid_records");
  const std::string path = (dir / "x.safetensors").string();
  const TensorRecord ok = from_vector("a", Vector<float>::Ones(2).eval());
  TensorRecord renamed = ok;
  renamed.name = "__metadata__";
  TensorRecord unknown = ok;
  unknown.dtype = "F12";
  TensorRecord wrong_size = ok;
  wrong_size.shape = {3};
  REQUIRE_THROWS_WITH(write_safetensors(path, {ok, ok}), tinynet_test::contains("duplicate tensor name 'a'"));
  REQUIRE_THROWS_WITH(write_safetensors(path, {renamed}), tinynet_test::contains("'__metadata__' is reserved"));
  REQUIRE_THROWS_WITH(write_safetensors(path, {unknown}), tinynet_test::contains("unknown dtype 'F12'"));
  REQUIRE_THROWS_WITH(write_safetensors(path, {wrong_size}), tinynet_test::contains("expects 12 bytes, got 8"));
  REQUIRE(fs::is_empty(dir));
}

TEST_CASE("safetensors: writing is atomic", "[safetensors]") {
  const fs::path dir = safetensors_dir("atomic");
  auto leftovers = [&] {
    int n = 0;
    for (const auto& e : fs::directory_iterator(dir))
      n += e.path().filename().string().find(".tmp-") != std::string::npos;
    return n;
  };

  SECTION("into a directory that does not exist: throws, creates nothing") {
    const fs::path missing = dir / "no_such_dir" / "m.safetensors";
    REQUIRE_THROWS_AS(write_safetensors(missing.string(), {}), std::runtime_error);
    REQUIRE_THROWS_WITH(write_safetensors(missing.string(), {}), tinynet_test::contains(missing.string()));
    REQUIRE_FALSE(fs::exists(dir / "no_such_dir"));
    REQUIRE(fs::is_empty(dir));
  }
  SECTION("over an existing file: the new content replaces the old, no temporary file remains") {
    const fs::path path = dir / "m.safetensors";
    write_safetensors(path.string(), {from_vector("old", Vector<float>::Ones(4).eval())});
    write_safetensors(path.string(), {from_vector("new", Vector<double>::Zero(2).eval())}, {{"v", "2"}});
    const SafetensorsFile file = read_safetensors(path.string());
    REQUIRE(file.tensors.size() == 1);
    REQUIRE(file.tensors[0].name == "new");
    REQUIRE(file.metadata.at("v") == "2");
    REQUIRE(leftovers() == 0);
  }
  SECTION("a write that fails at the end leaves the old content and no temporary file") {
    const fs::path path = dir / "m.safetensors";
    write_safetensors(path.string(), {from_vector("old", Vector<float>::Ones(4).eval())});
    const std::string before = read_bytes(path);
    // A rename onto a non-empty directory fails after the temporary file is complete.
    const fs::path blocked = dir / "blocked.safetensors";
    fs::create_directories(blocked / "inside");
    REQUIRE_THROWS_WITH(write_safetensors(blocked.string(), {from_vector("new", Vector<float>::Zero(4).eval())}),
                        tinynet_test::contains("renaming") && tinynet_test::contains(blocked.string()));
    REQUIRE(fs::is_directory(blocked / "inside"));
    REQUIRE(read_bytes(path) == before);
    REQUIRE(leftovers() == 0);
  }
  SECTION("reading a file that does not exist, or a directory, names it") {
    const fs::path path = dir / "absent.safetensors";
    REQUIRE_THROWS_WITH(read_safetensors(path.string()),
                        tinynet_test::contains("cannot open") && tinynet_test::contains(path.string()));
    REQUIRE_THROWS_WITH(read_safetensors(dir.string()),
                        tinynet_test::contains("cannot") && tinynet_test::contains(dir.string()));
  }
}
