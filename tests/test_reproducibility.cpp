// Reproducibility: the same seed and thread count give byte-identical model files, run after
// run, for an MLP (with Dropout and BatchNorm) and a CNN (with augmentation); and a save that
// fails — here a write that stops part-way, as on a full disk — is a clear error that leaves
// the previous file as it was.
#include "catch.hpp"
#include "test_files.hpp"

#include <tinynet/core.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

using tinynet::Matrix;
using tinynet::Sequential;

namespace {

Matrix<float> sample_images(tinynet::Index n) {
  tinynet::Random random(17);
  Matrix<float> x(64, n);
  for (tinynet::Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(random.uniform());
  return x;
}

std::vector<int> sample_labels(tinynet::Index n) {
  std::vector<int> y(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = static_cast<int>((i * 7) % 3);
  return y;
}

// Trains a fresh model and returns the bytes of its saved file (optimizer state included).
std::string trained_file(bool cnn, int threads, const std::filesystem::path& path) {
  const int before = tinynet::num_threads();
  tinynet::set_num_threads(threads);
  Sequential<float> model = cnn ? Sequential<float>({8, 8, 1}, 5) : Sequential<float>({64}, 5);
  if (cnn)
    model.add<tinynet::Conv2D>(4, 3, {.padding = tinynet::Padding::same})
        .add<tinynet::MaxPooling2D>(2)
        .add<tinynet::ReLU>();
  else
    model.add<tinynet::Dense>(32).add<tinynet::BatchNormalization>().add<tinynet::ReLU>().add<tinynet::Dropout>(0.3);
  model.add<tinynet::Flatten>().add<tinynet::Dense>(3).add<tinynet::Softmax>();
  model.compile(tinynet::Adam{.learning_rate = 0.01}, tinynet::SparseCategoricalCrossentropy{});
  tinynet::FitOptions<float> fit{.epochs = 3, .batch_size = 16, .seed = 11, .verbose = 0};
  if (cnn) fit.augment = tinynet::data::RandomShiftAndFlip{.image_shape = {8, 8, 1}, .max_shift = 1};
  model.fit(sample_images(96), sample_labels(96), fit);
  tinynet::io::save_model(model, path.string(), {.include_optimizer = true});
  tinynet::set_num_threads(before);
  return tinynet_test::read_bytes(path);
}

}  // namespace

TEST_CASE("The same seed and thread count give byte-identical model files, MLP and CNN", "[reproducibility]") {
  const auto dir = tinynet_test::scratch_dir("reproducibility", "files");
  for (const bool cnn : {false, true})
    for (const int threads : {1, 2}) {
      INFO((cnn ? "CNN" : "MLP") << ", " << threads << " thread(s)");
      const std::string first = trained_file(cnn, threads, dir / "a.safetensors");
      const std::string second = trained_file(cnn, threads, dir / "b.safetensors");
      CHECK(first.size() > 1000);
      CHECK(first == second);
    }
}

TEST_CASE("A save that fails part-way is a clear error and leaves the old file untouched", "[reproducibility]") {
  const auto dir = tinynet_test::scratch_dir("reproducibility", "full_disk");
  const auto path = dir / "model.safetensors";
  Sequential<float> small({4}, 1);
  small.add<tinynet::Dense>(2).add<tinynet::Softmax>();
  tinynet::io::save_model(small, path.string());
  const std::string old = tinynet_test::read_bytes(path);

  // In a child process whose files may not grow past 64 KiB (RLIMIT_FSIZE), as on a full disk.
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);  // the write fails (EFBIG) instead of killing the process
    const rlimit limit{65536, 65536};
    setrlimit(RLIMIT_FSIZE, &limit);
    Sequential<float> big({1000}, 2);
    big.add<tinynet::Dense>(100).add<tinynet::Softmax>();  // 400 KB of weights
    try {
      tinynet::io::save_model(big, path.string());
    } catch (const tinynet::FileError& e) {
      const std::string message = e.what();
      _exit(message.find("cannot write safetensors file '" + path.string() + "'") != std::string::npos &&
                    message.find("write failed") != std::string::npos
                ? 42
                : 1);
    }
    _exit(2);  // no error: the test fails
  }
  int status = 0;
  waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 42);  // the save threw the FileError described above
  CHECK(tinynet_test::read_bytes(path) == old);
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);  // nothing left behind
}
