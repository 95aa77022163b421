// libFuzzer target: the IDX reader (data/idx.hpp), on plain files and, when the first input byte
// is odd, on the rest of the input gzip-compressed, as Fashion-MNIST ships. Then, for a file that
// reads, the image and label conversions.
#include "fuzz_input.hpp"

#include <tinynet/data/idx.hpp>

#include <zlib.h>

#include <vector>

namespace {

std::vector<std::uint8_t> gzip(const std::uint8_t* data, std::size_t size) {
  z_stream z{};
  deflateInit2(&z, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);  // 31: a gzip header, as gzopen reads
  std::vector<std::uint8_t> out(deflateBound(&z, static_cast<uLong>(size)) + 32);
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = static_cast<uInt>(size);
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string path = tinynet_fuzz::input_path(".idx");
  if (data[0] & 1) {
    const std::vector<std::uint8_t> compressed = gzip(data + 1, size - 1);
    tinynet_fuzz::write_file(path, compressed.data(), compressed.size());
  } else {
    tinynet_fuzz::write_file(path, data + 1, size - 1);
  }
  tinynet_fuzz::expect_only_file_errors([&] {
    // A limit of 16 MiB keeps the fuzzer's memory small; the default is 1 GiB.
    const tinynet::data::IdxArray idx = tinynet::data::read_idx(path, {.max_bytes = std::size_t{1} << 24});
    if (idx.dims.size() == 3) (void)tinynet::data::images_from_idx<float>(idx);
    if (idx.dims.size() == 1) (void)tinynet::data::labels_from_idx(idx, 10);
  });
  return 0;
}
