// The safetensors file format (Hugging Face), as tinynet writes and reads it.
//
//   bytes [0, 8)          N, the length of the header: an unsigned 64-bit little-endian integer
//   bytes [8, 8 + N)      the header: UTF-8 JSON, padded with spaces so that N is a multiple of 8
//   bytes [8 + N, end)    the data block: every tensor's raw values, little-endian, C (row-major) order
//
// The header is one JSON object with one entry per tensor and an optional "__metadata__":
//
//   {"__metadata__": {"key": "string value", ...},        <- values are strings, nothing else
//    "dense_1.W": {"dtype": "F32", "shape": [128, 784], "data_offsets": [0, 401408]},
//    "dense_1.b": {"dtype": "F32", "shape": [128],      "data_offsets": [401408, 401920]}}
//
// data_offsets = [begin, end) in bytes from the start of the data block. The tensors tile the
// block exactly (no gaps, no overlaps, nothing after the last one), and every tensor holds
//   end − begin = product(shape) · size(dtype)   bytes   (shape [] is a scalar: one value).
//
// Row-major convention: a tinynet Matrix (column-major in memory) is written as the tensor its
// TensorLayout describes (parameter.hpp), values in row-major order of that tensor: by default
// a matrix of R rows and C columns has shape [R, C] and is written row by row, so that numpy and
// PyTorch load the very same matrix — m[r][c] in Python is m(r, c) in C++ — and a Vector of n
// values has shape [n]. to_record and from_record are the one place that converts.
//
// The writer orders the tensors by element size, largest first (a stable sort), so that with
// the 8-aligned data block every tensor starts at a multiple of its own element size, which
// zero-copy readers need. It writes "<path>.tmp-…" beside the target (io/atomic_file.hpp) and renames it
// into place only when complete: an existing file is either the old one or the new one.
//
// The reader checks every rule above and throws FormatError naming the file and the problem.
// It reads the header first and then each tensor's bytes, never the whole file at once; no
// allocation is larger than the file, and the work is linear in the header's size.
#pragma once

#include <tinynet/errors.hpp>
#include <tinynet/io/atomic_file.hpp>
#include <tinynet/parameter.hpp>
#include <tinynet/tensor.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace tinynet::io {

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big,
              "tinynet::io supports little- and big-endian hosts only");

// A file that breaks the format, or a tensor that is not what the caller asked for.
class FormatError : public FileError {
 public:
  using FileError::FileError;
};

// One tensor as it sits in the file. `data` holds the file's bytes: little-endian values in
// row-major order, product(shape) · dtype_size(dtype) bytes.
struct TensorRecord {
  std::string name;
  std::string dtype;                // "F32", "F64", "I64", ... (see dtype_size)
  std::vector<std::int64_t> shape;  // outermost dimension first; [] for a scalar
  std::vector<std::byte> data;

  // product(shape): the number of values (1 for a scalar, 0 if any dimension is 0).
  std::int64_t numel() const {
    std::int64_t n = 1;
    for (std::int64_t d : shape) n *= d;
    return n;
  }
};

// Bytes per value of a safetensors dtype, or 0 if the dtype is not one of the standard ones.
inline std::size_t dtype_size(std::string_view dtype) {
  if (dtype == "BOOL" || dtype == "U8" || dtype == "I8" || dtype == "F8_E5M2" || dtype == "F8_E4M3") return 1;
  if (dtype == "I16" || dtype == "U16" || dtype == "F16" || dtype == "BF16") return 2;
  if (dtype == "I32" || dtype == "U32" || dtype == "F32") return 4;
  if (dtype == "I64" || dtype == "U64" || dtype == "F64") return 8;
  return 0;
}

// The dtype that stores a C++ value type exactly.
template <typename T>
constexpr std::string_view dtype_of() {
  if constexpr (std::is_same_v<T, float>)
    return "F32";
  else if constexpr (std::is_same_v<T, double>)
    return "F64";
  else if constexpr (std::is_same_v<T, std::int8_t>)
    return "I8";
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return "U8";
  else if constexpr (std::is_same_v<T, std::int16_t>)
    return "I16";
  else if constexpr (std::is_same_v<T, std::uint16_t>)
    return "U16";
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return "I32";
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return "U32";
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return "I64";
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return "U64";
  else
    static_assert(sizeof(T) == 0, "no safetensors dtype for this type");
}

namespace detail {

// Little-endian store and load of one value, whatever the host's byte order.
template <typename T>
void store_le(T value, std::byte* out) {
  auto bytes = std::bit_cast<std::array<std::byte, sizeof(T)>>(value);
  if constexpr (std::endian::native == std::endian::big) std::reverse(bytes.begin(), bytes.end());
  std::memcpy(out, bytes.data(), sizeof(T));
}

template <typename T>
T load_le(const std::byte* in) {
  std::array<std::byte, sizeof(T)> bytes;
  std::memcpy(bytes.data(), in, sizeof(T));
  if constexpr (std::endian::native == std::endian::big) std::reverse(bytes.begin(), bytes.end());
  return std::bit_cast<T>(bytes);
}

inline std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The keys of the top-level JSON object, as a SAX handler that builds nothing: `duplicate` is
// the first key that appears twice.
struct TopLevelKeys {
  using json = nlohmann::json;
  int depth = 0;
  std::set<std::string> seen;
  std::string duplicate;

  bool key(json::string_t& k) {
    if (depth == 1 && !seen.insert(k).second && duplicate.empty()) duplicate = k;
    return true;
  }
  bool start_object(std::size_t) { return ++depth, true; }
  bool end_object() { return --depth, true; }
  bool start_array(std::size_t) { return ++depth, true; }
  bool end_array() { return --depth, true; }
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t) { return true; }
  bool number_unsigned(json::number_unsigned_t) { return true; }
  bool number_float(json::number_float_t, const json::string_t&) { return true; }
  bool string(json::string_t&) { return true; }
  bool binary(json::binary_t&) { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }  // parse() reports it
};

// A JSON value for an error message, bounded whatever the value: a number or a short string as
// it is, anything else by its type and size. (dump() would recurse through untrusted nesting.)
inline std::string describe(const nlohmann::json& value) {
  if (value.is_number() || value.is_boolean() || value.is_null()) return value.dump();
  if (value.is_string()) {
    const std::size_t bytes = value.get_ref<const std::string&>().size();
    return bytes <= 40 ? value.dump() : "a string of " + std::to_string(bytes) + " bytes";
  }
  return std::string(value.is_array() ? "an array" : "an object") + " of " + std::to_string(value.size()) +
         (value.size() == 1 ? " element" : " elements");
}

// product(shape) · element_size in bytes, or an error message if a dimension is negative or
// the count does not fit in 64 bits (a damaged header can ask for anything).
inline std::pair<std::uint64_t, std::string> byte_count(const std::vector<std::int64_t>& shape,
                                                        std::size_t element_size) {
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t n = element_size;
  for (std::int64_t d : shape) {
    if (d < 0) return {0, "negative dimension in shape " + shape_string(shape)};
    const auto ud = static_cast<std::uint64_t>(d);
    if (ud != 0 && n > max / ud) return {0, "shape " + shape_string(shape) + " is too large"};
    n *= ud;
  }
  return {n, ""};
}

// Calls put(i, value) for the record's values i = 0 .. numel−1 in file (row-major) order,
// each converted to T. Floating-point T accepts F32 and F64; any other T only its own dtype.
template <typename T, typename Put>
void decode(const TensorRecord& r, Put put) {
  const auto n = static_cast<std::size_t>(r.numel());
  auto read_as = [&]<typename Src>() {
    if (r.data.size() != n * sizeof(Src))
      throw FormatError("tensor '" + r.name + "': shape " + shape_string(r.shape) + " of " + r.dtype + " expects " +
                        std::to_string(n * sizeof(Src)) + " bytes, got " + std::to_string(r.data.size()));
    for (std::size_t i = 0; i < n; ++i)
      put(static_cast<std::int64_t>(i), static_cast<T>(load_le<Src>(r.data.data() + i * sizeof(Src))));
  };
  if (r.dtype == dtype_of<T>())
    read_as.template operator()<T>();
  else if (std::floating_point<T> && r.dtype == "F32")
    read_as.template operator()<float>();
  else if (std::floating_point<T> && r.dtype == "F64")
    read_as.template operator()<double>();
  else
    throw FormatError("tensor '" + r.name + "': cannot read dtype " + r.dtype + " as " + std::string(dtype_of<T>()) +
                      (std::floating_point<T> ? " (floating point reads F32 or F64)" : ""));
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Eigen matrices ↔ records

namespace detail {

// Calls visit(i, offset) for i = 0 … size−1 in the tensor's row-major order, with `offset` the
// matrix memory offset of value i under `layout` (Σ_k index_k · strides[k]).
template <typename Visit>
void for_each_offset(const TensorLayout& layout, Visit visit) {
  const std::size_t rank = layout.shape.size();
  std::vector<Index> index(rank, 0);
  Index offset = 0;
  const Index n = layout.size();
  for (Index i = 0; i < n; ++i) {
    visit(i, offset);
    for (std::size_t k = rank; k-- > 0;) {  // advance the last axis, carrying into the ones before
      offset += layout.strides[k];
      if (++index[k] < layout.shape[k]) break;
      offset -= layout.strides[k] * layout.shape[k];
      index[k] = 0;
    }
  }
}

template <typename T>
void check_layout(const TensorLayout& layout, const Matrix<T>& m, const std::string& name) {
  if (layout.shape.size() != layout.strides.size() || layout.size() != m.size())
    throw std::logic_error("tensor '" + name + "': a layout of shape " +
                           shape_string({layout.shape.begin(), layout.shape.end()}) + " does not describe a " +
                           std::to_string(m.rows()) + "×" + std::to_string(m.cols()) + " matrix");
}

}  // namespace detail

// The matrix as the tensor `layout` describes, in its own dtype (F32 for float, ...).
template <typename T>
TensorRecord to_record(std::string name, const Matrix<T>& m, const TensorLayout& layout) {
  detail::check_layout(layout, m, name);
  TensorRecord r{std::move(name), std::string(dtype_of<T>()), {layout.shape.begin(), layout.shape.end()}, {}};
  r.data.resize(static_cast<std::size_t>(m.size()) * sizeof(T));
  std::byte* out = r.data.data();
  detail::for_each_offset(layout, [&](Index i, Index offset) {
    detail::store_le<T>(m.data()[offset], out + static_cast<std::size_t>(i) * sizeof(T));
  });
  return r;
}

// Fills m, already of the right size, from a tensor of shape layout.shape (F32 or F64, converted
// to T). Throws FormatError if the record's shape is another one.
template <typename T>
void from_record(const TensorRecord& r, const TensorLayout& layout, Matrix<T>& m) {
  detail::check_layout(layout, m, r.name);
  if (r.shape != std::vector<std::int64_t>(layout.shape.begin(), layout.shape.end()))
    throw FormatError("tensor '" + r.name + "' has shape " + detail::shape_string(r.shape) + ", expected " +
                      detail::shape_string({layout.shape.begin(), layout.shape.end()}));
  std::vector<Index> offsets;
  offsets.reserve(static_cast<std::size_t>(m.size()));
  detail::for_each_offset(layout, [&](Index, Index offset) { offsets.push_back(offset); });
  detail::decode<T>(r, [&](std::int64_t i, T value) { m.data()[offsets[static_cast<std::size_t>(i)]] = value; });
}

// A matrix (R × C) as shape [R, C], a vector of n values as [n], one value as [] (a scalar).
template <typename T>
TensorRecord from_matrix(std::string name, const Matrix<T>& m) {
  return to_record(std::move(name), m, TensorLayout::matrix(m.rows(), m.cols()));
}
template <typename T>
TensorRecord from_vector(std::string name, const Vector<T>& v) {
  const Matrix<T> column = v;
  return to_record(std::move(name), column, TensorLayout::vector(v.size()));
}
template <typename T>
TensorRecord from_scalar(std::string name, T value) {
  const Matrix<T> one = Matrix<T>::Constant(1, 1, value);
  return to_record(std::move(name), one, TensorLayout{{}, {}});
}

// Shape [R, C] back to an R × C matrix, [n] to a vector, [] to a value. F32 and F64 convert
// into each other; any other dtype mismatch, or another rank, throws FormatError.
namespace detail {
template <typename T>
Matrix<T> read_rank(const TensorRecord& r, std::size_t rank, const char* what) {
  if (r.shape.size() != rank)
    throw FormatError("tensor '" + r.name + "': expected " + what + ", got shape " + shape_string(r.shape));
  Matrix<T> m(rank > 0 ? r.shape[0] : 1, rank > 1 ? r.shape[1] : 1);
  const TensorLayout layout = rank == 2   ? TensorLayout::matrix(m.rows(), m.cols())
                              : rank == 1 ? TensorLayout::vector(m.rows())
                                          : TensorLayout{{}, {}};
  from_record(r, layout, m);
  return m;
}
}  // namespace detail

template <typename T>
Matrix<T> to_matrix(const TensorRecord& r) {
  return detail::read_rank<T>(r, 2, "a matrix (rank 2)");
}
template <typename T>
Vector<T> to_vector(const TensorRecord& r) {
  return detail::read_rank<T>(r, 1, "a vector (rank 1)").col(0);
}
template <typename T>
T to_scalar(const TensorRecord& r) {
  return detail::read_rank<T>(r, 0, "a scalar (shape [])")(0, 0);
}

// ---------------------------------------------------------------------------------------------
// Writing

// Writes the tensors and the metadata to `path`, atomically (see the top of this file).
// Throws FormatError for an invalid record (unknown dtype, negative dimension, byte count
// that does not match the shape, empty, reserved or duplicate name) and FileError
// naming the path if the file cannot be written. Nothing is left behind on failure.
inline void write_safetensors(const std::string& path, const std::vector<TensorRecord>& tensors,
                              const std::map<std::string, std::string>& metadata = {}) {
  const std::string where = "safetensors file '" + path + "': ";

  // Check every record before touching the disk.
  std::set<std::string_view> names;
  for (const TensorRecord& t : tensors) {
    if (t.name.empty()) throw FormatError(where + "a tensor has an empty name");
    if (t.name == "__metadata__") throw FormatError(where + "'__metadata__' is reserved and cannot name a tensor");
    if (!names.insert(t.name).second) throw FormatError(where + "duplicate tensor name '" + t.name + "'");
    const std::size_t size = dtype_size(t.dtype);
    if (size == 0) throw FormatError(where + "tensor '" + t.name + "' has unknown dtype '" + t.dtype + "'");
    const auto [expected, problem] = detail::byte_count(t.shape, size);
    if (!problem.empty()) throw FormatError(where + "tensor '" + t.name + "': " + problem);
    if (expected != t.data.size())
      throw FormatError(where + "tensor '" + t.name + "': shape " + detail::shape_string(t.shape) + " of " + t.dtype +
                        " expects " + std::to_string(expected) + " bytes, got " + std::to_string(t.data.size()));
  }

  // Largest element size first, so that every tensor is aligned to its own element size.
  std::vector<const TensorRecord*> order;
  for (const TensorRecord& t : tensors) order.push_back(&t);
  std::stable_sort(order.begin(), order.end(), [](const TensorRecord* a, const TensorRecord* b) {
    return dtype_size(a->dtype) > dtype_size(b->dtype);
  });

  // The header, entry by entry in data order (an ordered_json would look every key up again).
  std::string text = "{";
  try {
    if (!metadata.empty()) text += "\"__metadata__\":" + nlohmann::json(metadata).dump();
    std::uint64_t offset = 0;
    for (const TensorRecord* t : order) {
      const nlohmann::json entry = {
          {"dtype", t->dtype}, {"shape", t->shape}, {"data_offsets", {offset, offset + t->data.size()}}};
      if (text.size() > 1) text += ',';
      text += nlohmann::json(t->name).dump();
      text += ':';
      text += entry.dump();
      offset += t->data.size();
    }
  } catch (const nlohmann::json::exception& e) {  // a name or value that is not valid UTF-8
    throw FormatError(where + "cannot encode the header: " + e.what());
  }
  text += "}";
  text.append((8 - text.size() % 8) % 8, ' ');
  std::array<std::byte, 8> length;
  detail::store_le<std::uint64_t>(text.size(), length.data());

  write_file_atomically(
      path,
      [&](std::ostream& out) {
        out.write(reinterpret_cast<const char*>(length.data()), length.size());
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        for (const TensorRecord* t : order)
          out.write(reinterpret_cast<const char*>(t->data.data()), static_cast<std::streamsize>(t->data.size()));
      },
      "safetensors file");
}

// ---------------------------------------------------------------------------------------------
// Reading

struct SafetensorsFile {
  std::string path;
  std::map<std::string, std::string> metadata;
  std::vector<TensorRecord> tensors;  // in data-block order

  // The tensor of that name, or nullptr.
  const TensorRecord* find(std::string_view name) const {
    if (by_name_.size() != tensors.size()) {  // index built on first use (tensors may be filled by hand)
      by_name_.clear();
      for (std::size_t i = 0; i < tensors.size(); ++i) by_name_.emplace(tensors[i].name, i);
    }
    const auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &tensors[it->second];
  }
  // The tensor of that name; throws std::out_of_range naming the file if there is none.
  const TensorRecord& at(std::string_view name) const {
    if (const TensorRecord* t = find(name)) return *t;
    throw std::out_of_range("safetensors file '" + path + "' has no tensor named '" + std::string(name) + "'");
  }

 private:
  mutable std::map<std::string, std::size_t, std::less<>> by_name_;
};

// Reads and checks a whole file (see the top of this file for the rules it checks).
inline SafetensorsFile read_safetensors(const std::string& path) {
  const std::string where = "safetensors file '" + path + "': ";
  auto fail = [&](const std::string& problem) { return FormatError(where + problem, path); };

  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError("cannot open safetensors file '" + path + "' for reading", path);
  in.seekg(0, std::ios::end);
  const std::streamoff end_position = in.tellg();
  in.seekg(0);
  if (end_position < 0 || !in) throw FileError("cannot read safetensors file '" + path + "'", path);
  const auto file_size = static_cast<std::uint64_t>(end_position);

  // 1. The 8-byte header length.
  if (file_size < 8)
    throw fail("file is " + std::to_string(file_size) +
               " bytes, shorter than the 8-byte header length that starts every safetensors file");
  std::array<std::byte, 8> length{};
  in.read(reinterpret_cast<char*>(length.data()), 8);
  if (!in) throw FileError("cannot read safetensors file '" + path + "'", path);
  const auto header_size = detail::load_le<std::uint64_t>(length.data());
  if (header_size > file_size - 8)
    throw fail("header length " + std::to_string(header_size) + " is larger than the " + std::to_string(file_size - 8) +
               " bytes that follow it (file size " + std::to_string(file_size) + ")");
  const std::uint64_t data_start = 8 + header_size;
  const std::uint64_t data_size = file_size - data_start;

  // 2. The JSON header. nlohmann keeps the last of two equal keys, so duplicates are found by a
  //    first pass over the header's events (linear; nlohmann's parse callback is quadratic in
  //    the number of keys), then the header is parsed.
  std::string text(header_size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(header_size));
  if (!in) throw fail("cannot read the " + std::to_string(header_size) + "-byte header");
  nlohmann::json header;
  std::string duplicate;
  try {
    detail::TopLevelKeys keys;
    if (nlohmann::json::sax_parse(text, &keys)) duplicate = keys.duplicate;
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // a syntax error, or a number beyond double (1e400)
    throw fail(std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) throw fail(std::string("header is not a JSON object (it is ") + header.type_name() + ")");
  if (!duplicate.empty()) throw fail("duplicate tensor name '" + duplicate + "' in the header");

  // 3. Each entry: the metadata, or a tensor's dtype, shape and data_offsets.
  struct Entry {
    TensorRecord record;
    std::uint64_t begin, end;
  };
  SafetensorsFile file;
  file.path = path;
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) throw fail("__metadata__ is not a JSON object");
      for (const auto& [key, v] : value.items()) {
        if (!v.is_string())
          throw fail("__metadata__ value of '" + key + "' is not a string (it is " + v.type_name() + ")");
        file.metadata[key] = v.get<std::string>();
      }
      continue;
    }
    const std::string tensor = "tensor '" + name + "': ";
    if (!value.is_object()) throw fail(tensor + "entry is not a JSON object");
    for (const char* field : {"dtype", "shape", "data_offsets"})
      if (!value.contains(field)) throw fail(tensor + "missing \"" + field + "\"");

    const auto& dtype = value["dtype"];
    if (!dtype.is_string()) throw fail(tensor + "dtype is not a string");
    const std::size_t element_size = dtype_size(dtype.get<std::string>());
    if (element_size == 0) throw fail(tensor + "unknown dtype '" + dtype.get<std::string>() + "'");

    const auto& shape = value["shape"];
    if (!shape.is_array()) throw fail(tensor + "shape is not an array");
    std::vector<std::int64_t> dims;
    for (const auto& d : shape) {
      if (!d.is_number_integer())
        throw fail(tensor + "shape holds " + detail::describe(d) + ", expected a list of integers");
      if (d.is_number_unsigned() && d.get<std::uint64_t>() > std::numeric_limits<std::int64_t>::max())
        throw fail(tensor + "shape holds " + detail::describe(d) + ", which is too large");
      dims.push_back(d.get<std::int64_t>());
    }

    const auto& offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
      throw fail(tensor + "data_offsets is " + detail::describe(offsets) + ", expected two non-negative integers");
    const auto begin = offsets[0].get<std::uint64_t>(), end = offsets[1].get<std::uint64_t>();

    const auto [expected, problem] = detail::byte_count(dims, element_size);
    if (!problem.empty()) throw fail(tensor + problem);
    if (begin > end)
      throw fail(tensor + "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] have begin > end");
    if (end > data_size)
      throw fail(tensor + "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                 "] run out of the data block, which is " + std::to_string(data_size) + " bytes");
    if (end - begin != expected)
      throw fail(tensor + "shape " + detail::shape_string(dims) + " of " + dtype.get<std::string>() + " expects " +
                 std::to_string(expected) + " bytes, got " + std::to_string(end - begin) + " (data_offsets [" +
                 std::to_string(begin) + ", " + std::to_string(end) + "])");
    entries.push_back({{name, dtype.get<std::string>(), std::move(dims), {}}, begin, end});
  }

  // 4. The tensors tile the data block: each begins where the previous one ends.
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return std::pair(a.begin, a.end) < std::pair(b.begin, b.end); });
  std::uint64_t position = 0;
  std::string previous;
  for (const Entry& e : entries) {
    const std::string range = "[" + std::to_string(e.begin) + ", " + std::to_string(e.end) + ")";
    if (e.begin < position)
      throw fail("tensor '" + e.record.name + "' at " + range + " overlaps tensor '" + previous + "', which ends at " +
                 std::to_string(position));
    if (e.begin > position)
      throw fail("gap in the data block: bytes [" + std::to_string(position) + ", " + std::to_string(e.begin) +
                 ") before tensor '" + e.record.name + "' belong to no tensor");
    position = e.end;
    previous = e.record.name;
  }
  if (position != data_size)
    throw fail(std::to_string(data_size - position) + " trailing bytes after the last tensor (data block is " +
               std::to_string(data_size) + " bytes, tensors end at " + std::to_string(position) + ")");

  // 5. The values.
  for (Entry& e : entries) {
    e.record.data.resize(e.end - e.begin);
    in.seekg(static_cast<std::streamoff>(data_start + e.begin));
    in.read(reinterpret_cast<char*>(e.record.data.data()), static_cast<std::streamsize>(e.end - e.begin));
    if (!in) throw fail("cannot read the data of tensor '" + e.record.name + "'");
    file.tensors.push_back(std::move(e.record));
  }
  return file;
}

}  // namespace tinynet::io
