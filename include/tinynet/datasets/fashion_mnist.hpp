// Loads Fashion-MNIST (Zalando's 70,000 28×28 grey clothing images in 10 classes) from its
// four IDX files, gzipped or plain.
//
//   train.images : 60,000 Images of 784 bytes (data/images.hpp), one image per column,
//                  row-major H·W·C with C = 1; a byte v is the value v / 255 in [0, 1]
//   test.images  : 10,000 Images
//   *.labels     : class indices 0..9, see fashion_mnist_class_names()
//
// The directory is, in this order: the argument, $TINYNET_DATA, /usr/share/datasets/fashion-mnist
// (where Debian's dataset-fashion-mnist package puts it). Missing data raises an error that
// says where it looked and how to get the files.
#pragma once

#include <tinynet/data/idx.hpp>
#include <tinynet/data/images.hpp>
#include <tinynet/errors.hpp>
#include <tinynet/tensor.hpp>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinynet::datasets {

// A data set that cannot be found or whose files do not fit together.
class DatasetError : public FileError {
 public:
  using FileError::FileError;
};

struct LabeledImages {
  Images images;                 // (H·W·C × N) bytes, read as values in [0, 1]; .values() as floats
  std::vector<int> labels;       // N class indices
  Shape image_shape{28, 28, 1};  // H, W, C of one image
};

struct FashionMnist {
  LabeledImages train, test;
};

inline const std::array<std::string_view, 10>& fashion_mnist_class_names() {
  static constexpr std::array<std::string_view, 10> names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

namespace detail {

inline constexpr std::string_view fashion_mnist_default_dir = "/usr/share/datasets/fashion-mnist";

struct ResolvedDir {
  std::string path;
  std::string source;  // where the choice came from, for error messages
};

inline ResolvedDir resolve_fashion_mnist_dir_with_source(const std::string& dir) {
  if (!dir.empty()) return {dir, "the directory argument"};
  const char* env = std::getenv("TINYNET_DATA");
  if (env && *env) return {env, "the TINYNET_DATA environment variable"};
  return {std::string(fashion_mnist_default_dir), "the default location"};
}

inline std::string how_to_get_fashion_mnist() {
  return "Get the data with `sudo apt-get install dataset-fashion-mnist` on Debian/Ubuntu "
         "(installs to " +
         std::string(fashion_mnist_default_dir) +
         "), or elsewhere with `scripts/download-fashion-mnist.sh DIR`; then pass DIR to "
         "load_fashion_mnist() or set TINYNET_DATA=DIR.";
}

// The gzipped name if it exists, else the plain one, else "" (and both are added to tried).
inline std::string find_idx_file(const std::filesystem::path& dir, const std::string& base,
                                 std::vector<std::string>& tried) {
  for (const std::string& name : {base + ".gz", base}) {
    const std::filesystem::path p = dir / name;
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) return p.string();
  }
  tried.push_back((dir / (base + ".gz")).string());
  tried.push_back((dir / base).string());
  return "";
}

inline LabeledImages load_fashion_mnist_split(const std::string& images_path, const std::string& labels_path) {
  data::IdxArray images = data::read_idx(images_path);
  const data::IdxArray labels = data::read_idx(labels_path);
  LabeledImages out;
  const std::vector<std::size_t> dims = images.dims;
  out.images = data::image_bytes_from_idx(std::move(images));  // checks 3 dims
  out.labels = data::labels_from_idx(labels, 10);              // checks 1 dim and every label
  if (dims[1] != 28 || dims[2] != 28)
    throw DatasetError("Fashion-MNIST: images in '" + images_path + "' are " + std::to_string(dims[1]) + "x" +
                       std::to_string(dims[2]) + " pixels: expected 28x28");
  if (dims[0] != labels.dims[0])
    throw DatasetError("Fashion-MNIST: image and label counts differ: '" + images_path + "' holds " +
                       std::to_string(dims[0]) + " images but '" + labels_path + "' holds " +
                       std::to_string(labels.dims[0]) + " labels");
  return out;
}

}  // namespace detail

// The directory Fashion-MNIST is read from: dir if non-empty, else $TINYNET_DATA if set and
// non-empty, else /usr/share/datasets/fashion-mnist.
inline std::string resolve_fashion_mnist_dir(const std::string& dir = "") {
  return detail::resolve_fashion_mnist_dir_with_source(dir).path;
}

// Loads the training (60,000) and test (10,000) sets. Accepts train-images-idx3-ubyte.gz or
// train-images-idx3-ubyte, and likewise for the other three files.
inline FashionMnist load_fashion_mnist(const std::string& dir = "") {
  const detail::ResolvedDir where = detail::resolve_fashion_mnist_dir_with_source(dir);
  const std::filesystem::path root(where.path);
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec))
    throw DatasetError("Fashion-MNIST: directory '" + where.path + "' (chosen by " + where.source +
                       ") does not exist or is not a directory. " + detail::how_to_get_fashion_mnist());

  std::vector<std::string> tried;
  const std::string train_images = detail::find_idx_file(root, "train-images-idx3-ubyte", tried);
  const std::string train_labels = detail::find_idx_file(root, "train-labels-idx1-ubyte", tried);
  const std::string test_images = detail::find_idx_file(root, "t10k-images-idx3-ubyte", tried);
  const std::string test_labels = detail::find_idx_file(root, "t10k-labels-idx1-ubyte", tried);
  if (!tried.empty()) {
    std::string msg =
        "Fashion-MNIST: files missing in '" + where.path + "' (chosen by " + where.source + "); looked for:";
    for (const std::string& p : tried) msg += "\n  " + p;
    throw DatasetError(msg + "\n" + detail::how_to_get_fashion_mnist());
  }

  FashionMnist out;
  out.train = detail::load_fashion_mnist_split(train_images, train_labels);
  out.test = detail::load_fashion_mnist_split(test_images, test_labels);
  return out;
}

}  // namespace tinynet::datasets
