// libFuzzer target: the safetensors reader (io/safetensors.hpp), and for a file that reads,
// every tensor decoded as float and as a matrix or vector where its rank allows.
#include "fuzz_input.hpp"

#include <tinynet/io/safetensors.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tinynet_fuzz::input_path(".safetensors");
  tinynet_fuzz::write_file(path, data, size);
  tinynet_fuzz::expect_only_file_errors([&] {
    const tinynet::io::SafetensorsFile file = tinynet::io::read_safetensors(path);
    for (const tinynet::io::TensorRecord& t : file.tensors) {
      if (t.shape.size() == 2) (void)tinynet::io::to_matrix<float>(t);
      if (t.shape.size() == 1) (void)tinynet::io::to_vector<double>(t);
      if (t.shape.empty()) (void)tinynet::io::to_scalar<float>(t);
      (void)file.find(t.name);
    }
  });
  return 0;
}
