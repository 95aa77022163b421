// Reads IDX files, the format of MNIST and Fashion-MNIST, gzipped or plain (zlib reads both).
//
//   byte 0          0x00 0x00 TYPE NDIMS      magic number; TYPE 0x08 = unsigned byte
//   byte 4          NDIMS × uint32, big-endian  the size of each dimension, e.g. 60000 28 28
//   byte 4+4·NDIMS  the values, row-major (last dimension varies fastest)
//
// Offsets are counted in the uncompressed bytes. Only unsigned bytes (0x08) are supported.
// Every malformed file raises tinynet::data::IdxError (a tinynet::FileError), whose message
// names the file, the byte offset and what was expected vs what was found.
//
// The file is untrusted: its header says how many bytes follow, and that size must be at most
// IdxLimits::max_bytes (1 GiB unless the caller raises it; Fashion-MNIST's largest file holds
// 47 MB) before anything is read. The data then must match it exactly, so a small gzip stream
// cannot inflate into more memory than its header declared and the limit allows.
#pragma once

#include <tinynet/data/images.hpp>
#include <tinynet/errors.hpp>
#include <tinynet/tensor.hpp>

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tinynet::data {

// A malformed or unreadable IDX file.
class IdxError : public FileError {
 public:
  using FileError::FileError;
};

// How much an IDX file may make read_idx allocate.
struct IdxLimits {
  std::size_t max_bytes = std::size_t{1} << 30;  // values in the file, i.e. product(dims)
};

// The contents of one IDX file: its dimensions and its values as raw bytes.
struct IdxArray {
  std::string path;
  std::uint8_t type = 0x08;        // 0x08 = unsigned byte, the only type read
  std::vector<std::size_t> dims;   // e.g. {60000, 28, 28}
  std::vector<std::uint8_t> data;  // product(dims) values, row-major

  // Where the values start, in uncompressed bytes: the 4-byte magic plus 4 bytes per dim.
  std::size_t data_offset() const { return 4 + 4 * dims.size(); }
};

namespace detail {

inline std::string idx_type_name(std::uint8_t type) {
  switch (type) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "int16";
    case 0x0C:
      return "int32";
    case 0x0D:
      return "float32";
    case 0x0E:
      return "float64";
    default:
      return "unknown type";
  }
}

inline std::string hex_byte(unsigned v) {
  const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[(v >> 4) & 0xF] + digits[v & 0xF];
}

inline std::string dims_string(const std::vector<std::size_t>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(dims[i]);
  }
  return s.empty() ? "(none)" : s;
}

inline std::string idx_where(const std::string& path) { return "IDX file '" + path + "'"; }

// Owns a zlib file handle; gzread passes plain (uncompressed) files through unchanged.
class GzReader {
 public:
  explicit GzReader(const std::string& path) : path_(path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw IdxError(idx_where(path) + ": cannot open: no such file");
    if (std::filesystem::is_directory(path, ec))
      throw IdxError(idx_where(path) + ": cannot open: it is a directory, expected a file");
    file_ = gzopen(path.c_str(), "rb");
    if (!file_) throw IdxError(idx_where(path) + ": cannot open for reading");
    gzbuffer(file_, 1 << 18);  // fewer, larger reads of the compressed file
  }
  ~GzReader() {
    if (file_) gzclose(file_);
  }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  // Reads up to n bytes into dst and returns how many arrived (fewer only at end of data).
  // A corrupt gzip stream throws; a gzip stream that simply stops early returns short.
  std::size_t read(std::uint8_t* dst, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      // gzread takes an unsigned length and returns an int: read at most 1 GiB per call.
      const unsigned ask = static_cast<unsigned>(std::min<std::size_t>(n - got, std::size_t{1} << 30));
      const int r = gzread(file_, dst + got, ask);
      if (r < 0) throw_zlib_error(offset_ + got);
      got += static_cast<std::size_t>(r);
      if (r == 0) break;
    }
    offset_ += got;
    return got;
  }

  // " of the decompressed data" for a gzipped file, "" for a plain one, for error messages.
  std::string offset_note() { return gzdirect(file_) ? "" : " of the decompressed data"; }

  // Why the data stopped early, when zlib knows: a truncated gzip stream says so here.
  std::string short_read_note() {
    int errnum = Z_OK;
    const char* msg = gzerror(file_, &errnum);
    if (errnum == Z_OK || !msg || !*msg) return "";
    return " (gzip: " + std::string(msg) + ")";
  }

 private:
  [[noreturn]] void throw_zlib_error(std::size_t offset) {
    int errnum = Z_OK;
    const char* msg = gzerror(file_, &errnum);
    throw IdxError(idx_where(path_) + ": corrupt or unreadable data at byte offset " + std::to_string(offset) +
                   offset_note() + ": " + (errnum == Z_ERRNO ? "read error" : std::string(msg ? msg : "zlib error")));
  }

  std::string path_;
  gzFile file_ = nullptr;
  std::size_t offset_ = 0;  // uncompressed bytes consumed so far
};

inline std::size_t read_be_u32(const std::uint8_t* p) {
  return (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | std::size_t{p[3]};
}

}  // namespace detail

// Reads a whole IDX file, checking the magic number, the dimensions, and that the file holds
// exactly product(dims) values: no fewer (truncated) and no more (trailing bytes).
inline IdxArray read_idx(const std::string& path, const IdxLimits& limits = {}) {
  using detail::idx_where;
  detail::GzReader in(path);
  IdxArray out;
  out.path = path;

  // Magic number: 0x00 0x00 TYPE NDIMS.
  std::array<std::uint8_t, 4> magic{};
  const std::size_t got_magic = in.read(magic.data(), 4);
  if (got_magic < 4)
    throw IdxError(idx_where(path) + ": file ends at byte offset " + std::to_string(got_magic) + in.offset_note() +
                   " inside the magic number: expected 4 bytes, got " + std::to_string(got_magic));
  if (magic[0] != 0 || magic[1] != 0)
    throw IdxError(idx_where(path) +
                   ": wrong magic number at byte offset 0: expected 0x00 0x00 "
                   "TYPE NDIMS, got " +
                   detail::hex_byte(magic[0]) + " " + detail::hex_byte(magic[1]) + " " + detail::hex_byte(magic[2]) +
                   " " + detail::hex_byte(magic[3]) + " (not an IDX file)");
  out.type = magic[2];
  if (out.type != 0x08)
    throw IdxError(idx_where(path) +
                   ": unsupported data type at byte offset 2: expected 0x08 "
                   "(unsigned byte), got " +
                   detail::hex_byte(out.type) + " (" + detail::idx_type_name(out.type) +
                   "); only unsigned byte IDX files are supported");
  const std::size_t ndims = magic[3];
  if (ndims == 0)
    throw IdxError(idx_where(path) +
                   ": bad dimension count at byte offset 3: expected at least 1, "
                   "got 0");

  // Dimensions: NDIMS big-endian uint32.
  std::vector<std::uint8_t> header(4 * ndims);
  const std::size_t got_header = in.read(header.data(), header.size());
  if (got_header < header.size())
    throw IdxError(idx_where(path) + ": file ends at byte offset " + std::to_string(4 + got_header) + in.offset_note() +
                   " inside the header: " + std::to_string(ndims) + " dimensions need " +
                   std::to_string(4 + header.size()) + " header bytes, got " + std::to_string(4 + got_header) +
                   in.short_read_note());
  // The size of one item (the dimensions after the first) and of the whole file, each checked
  // against the limit (an item is checked on its own, so that a count of 0 does not hide a
  // 2^64-byte image).
  std::size_t expected = 1, item = 1;
  for (std::size_t i = 0; i < ndims; ++i) out.dims.push_back(detail::read_be_u32(header.data() + 4 * i));
  auto too_large = [&](const std::string& what) {
    return IdxError(idx_where(path) + ": dimensions " + detail::dims_string(out.dims) + " at byte offset 4: " + what +
                        " is more than the limit of " + std::to_string(limits.max_bytes) +
                        " bytes (IdxLimits::max_bytes; raise it to read larger files)",
                    path);
  };
  for (std::size_t i = 1; i < ndims; ++i) {
    if (out.dims[i] != 0 && item > limits.max_bytes / out.dims[i]) throw too_large("one item");
    item *= out.dims[i];
  }
  if (item != 0 && out.dims[0] > limits.max_bytes / item) throw too_large("the data");
  expected = out.dims[0] * item;

  // Values: exactly product(dims) bytes. The buffer grows as data arrives, so a header that
  // claims more than the file holds is reported as truncated rather than exhausting memory.
  const std::size_t offset = out.data_offset();
  std::size_t got = 0;
  out.data.resize(std::min<std::size_t>(expected, std::size_t{1} << 26));  // 64 MiB, then doubling
  while (got < expected) {
    if (got == out.data.size()) out.data.resize(std::min(expected, 2 * out.data.size()));
    const std::size_t want = out.data.size() - got;
    const std::size_t n = in.read(out.data.data() + got, want);
    got += n;
    if (n < want) break;
  }
  if (got < expected)
    throw IdxError(idx_where(path) + ": truncated: data ran out at byte offset " + std::to_string(offset + got) +
                   in.offset_note() + ": dims " + detail::dims_string(out.dims) + " need " + std::to_string(expected) +
                   " data bytes, got " + std::to_string(got) + in.short_read_note());

  // Nothing may follow the data. Reading on to the end also makes zlib check the gzip CRC.
  // Counting stops after 1 MiB of them, so that a gzip bomb behind a small header costs no time.
  std::array<std::uint8_t, 1 << 16> scratch{};
  constexpr std::size_t most_counted = std::size_t{1} << 20;
  std::size_t extra = 0;
  for (std::size_t n; extra <= most_counted && (n = in.read(scratch.data(), scratch.size())) > 0;) extra += n;
  if (extra > most_counted)
    throw IdxError(idx_where(path) + ": more than " + std::to_string(most_counted) +
                   " trailing bytes after the data at byte offset " + std::to_string(offset + expected) +
                   in.offset_note() + ": dims " + detail::dims_string(out.dims) + " imply " +
                   std::to_string(offset + expected) + " bytes in total");
  if (extra > 0)
    throw IdxError(idx_where(path) + ": " + std::to_string(extra) + " trailing byte(s) after the data at byte offset " +
                   std::to_string(offset + expected) + in.offset_note() + ": dims " + detail::dims_string(out.dims) +
                   " imply " + std::to_string(offset + expected) + " bytes in total, got " +
                   std::to_string(offset + expected + extra));
  return out;
}

// The images of a 3-d IDX array (N × rows × cols) as Images of rows·cols bytes each: one image
// per column, flattened row-major (channels-last H·W·C with C = 1). The file's byte order
// (image, row, col) is already that layout, so the array's bytes are moved, not copied.
inline Images image_bytes_from_idx(IdxArray idx) {
  if (idx.dims.size() != 3)
    throw IdxError(detail::idx_where(idx.path) +
                   ": wrong dimension count at byte offset 3: "
                   "images need 3 dimensions (count x rows x cols), got " +
                   std::to_string(idx.dims.size()) + " (" + detail::dims_string(idx.dims) + ")");
  const std::size_t rows = idx.dims[1], cols = idx.dims[2], count = idx.dims[0];
  const std::size_t most = static_cast<std::size_t>(Shape::max_values);
  const bool fits = rows != 0 && cols != 0 && rows <= most / cols &&
                    (count == 0 || rows * cols <= idx.data.size() / count) && count * rows * cols == idx.data.size();
  if (!fits)
    throw IdxError(detail::idx_where(idx.path) + ": " + detail::dims_string(idx.dims) + " images of " +
                       std::to_string(idx.data.size()) + " bytes: expected images of at least 1x1 pixels whose " +
                       "bytes are all in the array",
                   idx.path);
  return {std::move(idx.data), static_cast<Index>(rows * cols), static_cast<Index>(count)};
}

// The same images as values: a (rows·cols × N) matrix, pixels scaled by 1/255 into [0, 1].
template <typename T = float>
Matrix<T> images_from_idx(const IdxArray& idx) {
  return image_bytes_from_idx(idx).values<T>();
}

// Labels from a 1-d IDX array, each checked to lie in [0, num_classes).
inline std::vector<int> labels_from_idx(const IdxArray& idx, int num_classes = 10) {
  if (num_classes < 1)
    throw std::invalid_argument("labels_from_idx: num_classes must be at least 1, got " + std::to_string(num_classes));
  if (idx.dims.size() != 1)
    throw IdxError(detail::idx_where(idx.path) +
                   ": wrong dimension count at byte offset 3: "
                   "labels need 1 dimension (count), got " +
                   std::to_string(idx.dims.size()) + " (" + detail::dims_string(idx.dims) + ")");
  std::vector<int> labels(idx.data.begin(), idx.data.end());
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= num_classes)
      throw IdxError(detail::idx_where(idx.path) + ": label out of range at index " + std::to_string(i) +
                     " (byte offset " + std::to_string(idx.data_offset() + i) + "): expected a class in [0, " +
                     std::to_string(num_classes) + "), got " + std::to_string(labels[i]));
  return labels;
}

// Reads an IDX image file (gzipped or plain) into a (rows·cols × N) matrix in [0, 1].
template <typename T = float>
Matrix<T> read_idx_images(const std::string& path) {
  return images_from_idx<T>(read_idx(path));
}

// Reads an IDX label file (gzipped or plain); every label must lie in [0, num_classes).
inline std::vector<int> read_idx_labels(const std::string& path, int num_classes = 10) {
  return labels_from_idx(read_idx(path), num_classes);
}

}  // namespace tinynet::data
