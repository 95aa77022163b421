// libFuzzer target: load_model (io/model_file.hpp) on untrusted bytes, into float and double
// models; a model that loads must also predict. The seed corpus holds real model files of every
// layer type (make_corpus.cpp) and architectures edited by hand.
#include "fuzz_input.hpp"

#include <tinynet/io/model_file.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tinynet_fuzz::input_path(".model");
  tinynet_fuzz::write_file(path, data, size);
  tinynet_fuzz::expect_only_file_errors([&] {
    tinynet::Sequential<float> model = tinynet::io::load_model<float>(path);
    const tinynet::Index features = model.input_shape().size();
    if (features <= 4096) (void)model.predict(tinynet::Matrix<float>::Zero(features, 2));
  });
  tinynet_fuzz::expect_only_file_errors([&] { (void)tinynet::io::load_model<double>(path, {.compile = false}); });
  return 0;
}
