// Saved models (io/model_file.hpp): bit-identical round trips of every layer type, BatchNorm's
// moving statistics, float ↔ double files, resuming training from a checkpoint exactly, the
// documented tensor layout, every kind of damaged file, and ModelCheckpoint.
#include "catch.hpp"
#include "config_of.hpp"
#include "test_files.hpp"
#include "gradient_check.hpp"

#include <tinynet/tinynet.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace io = tinynet::io;
using tinynet::Matrix;
using tinynet::Sequential;

namespace {

fs::path model_dir(const std::string& name) { return tinynet_test::scratch_dir("model_file", name); }
using tinynet_test::read_bytes;
using tinynet_test::write_bytes;

// Names of the files in `dir` that a writer left behind as temporaries.
std::vector<std::string> temporaries(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.path().filename().string().find(".tmp-") != std::string::npos) found.push_back(entry.path().string());
  return found;
}

// One model with every layer type, on an 8×8×2 image:
//   Conv2D(same) → BN → LeakyReLU → MaxPool → Conv2D(valid, no bias, L2, relu) → ELU → Flatten
//   → Dense(he, L1L2) → BN → [Dropout] → ReLU → Dense → Softmax
template <typename T>
Sequential<T> every_layer_model(bool dropout = true) {
  Sequential<T> model({8, 8, 2}, 11);
  model.template add<tinynet::Conv2D>(4, 3, tinynet::Conv2DOptions{.padding = tinynet::Padding::same})
      .template add<tinynet::BatchNormalization>(tinynet::BatchNormalizationOptions{.momentum = 0.9})
      .template add<tinynet::LeakyReLU>(0.1)
      .template add<tinynet::MaxPooling2D>(2)
      .template add<tinynet::Conv2D>(
          3, 2,
          tinynet::Conv2DOptions{
              .activation = tinynet::Activation::relu, .use_bias = false, .kernel_regularizer = tinynet::L2(1e-3)})
      .template add<tinynet::ELU>(0.7)
      .template add<tinynet::Flatten>()
      .template add<tinynet::Dense>(6,
                                    tinynet::DenseOptions{tinynet::Initializer::he_uniform, tinynet::L1L2(1e-4, 1e-3)})
      .template add<tinynet::BatchNormalization>();
  if (dropout) model.template add<tinynet::Dropout>(0.25);
  model.template add<tinynet::ReLU>().template add<tinynet::Dense>(3).template add<tinynet::Softmax>();
  return model;
}

template <typename T>
Matrix<T> images(tinynet::Index n, std::uint64_t seed) {
  return tinynet_test::random_matrix(8 * 8 * 2, n, seed).cast<T>();
}

std::vector<int> model_file_labels(tinynet::Index n) {
  std::vector<int> y;
  for (tinynet::Index i = 0; i < n; ++i) y.push_back(static_cast<int>((i * 5 + 1) % 3));
  return y;
}

template <typename T>
tinynet::FitOptions<T> quiet(int epochs, int initial_epoch = 0) {
  tinynet::FitOptions<T> o;
  o.epochs = epochs;
  o.initial_epoch = initial_epoch;
  o.batch_size = 8;
  o.seed = 7;
  o.verbose = 0;
  return o;
}

template <typename T>
bool identical(const Matrix<T>& a, const Matrix<T>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() && (a.array() == b.array()).all();
}

// Every parameter of a and b, in order, bit for bit.
template <typename A, typename B>
void require_same_parameters(Sequential<A>& a, Sequential<B>& b) {
  const auto pa = a.parameters();
  const auto pb = b.parameters();
  REQUIRE(pa.size() == pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    INFO("parameter " << i << " (" << pa[i].name << ")");
    REQUIRE(pa[i].name == pb[i].name);
    REQUIRE(identical<A>(*pa[i].value, pb[i].value->template cast<A>()));
  }
}

// A trained, compiled every-layer model, saved to `path` (with the optimizer's state if asked).
template <typename T>
Sequential<T> trained_model(const fs::path& path, bool include_optimizer = false) {
  Sequential<T> model = every_layer_model<T>();
  model.compile(tinynet::Adam{.learning_rate = 0.01}, tinynet::SparseCategoricalCrossentropy{});
  model.fit(images<T>(32, 1), model_file_labels(32), quiet<T>(2));
  tinynet::io::save_model(model, path.string(), {.include_optimizer = include_optimizer});
  return model;
}

// Rewrites a model file through the low-level reader and writer, after `edit` changed it.
template <typename Edit>
void rewrite(const fs::path& from, const fs::path& to, Edit edit) {
  io::SafetensorsFile file = io::read_safetensors(from.string());
  edit(file.tensors, file.metadata);
  io::write_safetensors(to.string(), file.tensors, file.metadata);
}

// The architecture metadata, edited as JSON.
template <typename Edit>
void edit_architecture(std::map<std::string, std::string>& metadata, Edit edit) {
  nlohmann::json architecture = nlohmann::json::parse(metadata.at("architecture"));
  edit(architecture);
  metadata["architecture"] = architecture.dump();
}

}  // namespace

TEMPLATE_TEST_CASE("model file: a saved model predicts bit-identically after loading", "[model_file]", float, double) {
  using T = TestType;
  const fs::path dir = model_dir(std::string("round_trip_") + (sizeof(T) == 4 ? "float" : "double"));
  const fs::path path = dir / "model.safetensors";
  Sequential<T> model = trained_model<T>(path);

  Sequential<T> loaded = tinynet::io::load_model<T>(path.string());
  const Matrix<T> x = images<T>(20, 99);
  REQUIRE(identical<T>(loaded.predict(x), model.predict(x)));
  require_same_parameters(loaded, model);

  REQUIRE(loaded.size() == model.size());
  for (std::size_t i = 0; i < model.size(); ++i) {
    CHECK(loaded.layer(i).type() == model.layer(i).type());
    CHECK(tinynet_test::config_of(loaded.layer(i)) == tinynet_test::config_of(model.layer(i)));
  }
  CHECK(loaded.input_shape() == model.input_shape());
  CHECK(loaded.seed() == model.seed());
  CHECK(tinynet::summary_table(loaded) == tinynet::summary_table(model));

  // Compiled as saved; without include_optimizer the optimizer starts afresh.
  REQUIRE(loaded.compiled());
  CHECK(loaded.loss().name() == "sparse_categorical_crossentropy");
  CHECK(loaded.optimizer().type() == "Adam");
  CHECK(tinynet_test::config_of(loaded.optimizer()) == tinynet_test::config_of(model.optimizer()));
  CHECK(loaded.optimizer().iterations == 0);
  CHECK(loaded.optimizer().slots().empty());

  // The loaded model trains (and its evaluate agrees with the original's).
  const auto e1 = model.evaluate(x, model_file_labels(20)), e2 = loaded.evaluate(x, model_file_labels(20));
  CHECK(e1.loss == e2.loss);
  CHECK(e1.accuracy == e2.accuracy);
  loaded.fit(images<T>(16, 3), model_file_labels(16), quiet<T>(1));

  const io::SafetensorsFile file = io::read_safetensors(path.string());
  CHECK(file.metadata.at("format") == "tinynet");
  CHECK(file.metadata.at("format_version") == "1");
  CHECK(file.metadata.at("scalar") == (sizeof(T) == 4 ? "float32" : "float64"));
  CHECK(file.metadata.at("optimizer_state") == "false");
  CHECK(file.find("optimizer.layers.0.kernel.m") == nullptr);
}

TEST_CASE("model file: label smoothing is kept with the loss, and older files without it load with none",
          "[model_file]") {
  const fs::path dir = model_dir("label_smoothing");
  const fs::path path = dir / "smoothed.safetensors", old = dir / "old.safetensors";
  Sequential<double> model = every_layer_model<double>(false);
  model.compile(tinynet::Adam{.learning_rate = 0.01}, tinynet::SparseCategoricalCrossentropy{.label_smoothing = 0.2});
  tinynet::io::save_model(model, path.string());
  Sequential<double> loaded = tinynet::io::load_model<double>(path.string());
  CHECK(loaded.loss().label_smoothing == 0.2);
  const Matrix<double> x = images<double>(12, 5);
  CHECK(loaded.evaluate(x, model_file_labels(12)).loss ==
        model.evaluate(x, model_file_labels(12)).loss);  // the same smoothed loss

  rewrite(path, old, [](auto&, std::map<std::string, std::string>& metadata) {
    nlohmann::json compile = nlohmann::json::parse(metadata.at("compile"));
    compile.erase("label_smoothing");
    metadata["compile"] = compile.dump();
  });
  CHECK(tinynet::io::load_model<double>(old.string()).loss().label_smoothing == 0);
}

TEST_CASE("model file: BatchNormalization's moving statistics survive", "[model_file]") {
  const fs::path path = model_dir("batch_norm") / "model.safetensors";
  Sequential<float> model = trained_model<float>(path);
  auto& bn = dynamic_cast<tinynet::BatchNormalization<float>&>(model.layer(1));
  // Training moved them away from their initial 0 and 1, so the check below means something.
  REQUIRE(bn.moving_mean.cwiseAbs().maxCoeff() > 0);
  REQUIRE((bn.moving_variance.array() != 1.0f).any());

  Sequential<float> loaded = tinynet::io::load_model<float>(path.string());
  auto& restored = dynamic_cast<tinynet::BatchNormalization<float>&>(loaded.layer(1));
  CHECK(identical<float>(restored.moving_mean, bn.moving_mean));
  CHECK(identical<float>(restored.moving_variance, bn.moving_variance));
  CHECK(identical<float>(restored.gamma, bn.gamma));
  CHECK(identical<float>(restored.beta, bn.beta));
  CHECK(loaded.count_parameters(false) == model.count_parameters(false));
}

TEST_CASE("model file: tensors have the documented names, dtypes and PyTorch shapes", "[model_file]") {
  const fs::path path = model_dir("layout") / "model.safetensors";
  Sequential<double> model = trained_model<double>(path);
  const io::SafetensorsFile file = io::read_safetensors(path.string());

  // Dense: W (out × in) is stored [out, in], as torch.nn.Linear.weight: file[o][i] = W(o, i).
  auto& dense = dynamic_cast<tinynet::Dense<double>&>(model.layer(7));
  const io::TensorRecord& kernel = file.at("layers.7.kernel");
  CHECK(kernel.dtype == "F64");
  CHECK(kernel.shape == std::vector<std::int64_t>{6, 27});
  CHECK(identical<double>(io::to_matrix<double>(kernel), dense.W));
  CHECK(file.at("layers.7.bias").shape == std::vector<std::int64_t>{6});
  CHECK(identical<double>(io::to_vector<double>(file.at("layers.7.bias")), dense.b));

  // Conv2D: W (C_out × k·k·C_in) is stored [C_out, C_in, k, k], as torch.nn.Conv2d.weight:
  // file[f][c][ky][kx] = W(f, (ky·k + kx)·C_in + c).
  auto& conv = dynamic_cast<tinynet::Conv2D<double>&>(model.layer(0));
  const io::TensorRecord& conv_kernel = file.at("layers.0.kernel");
  REQUIRE(conv_kernel.shape == std::vector<std::int64_t>{4, 2, 3, 3});
  const int C = 2, k = 3;
  for (int f = 0; f < 4; ++f)
    for (int c = 0; c < C; ++c)
      for (int ky = 0; ky < k; ++ky)
        for (int kx = 0; kx < k; ++kx) {
          const std::size_t flat = static_cast<std::size_t>(((f * C + c) * k + ky) * k + kx);
          const double stored = io::detail::load_le<double>(conv_kernel.data.data() + flat * sizeof(double));
          REQUIRE(stored == conv.K(f, (ky * k + kx) * C + c));
        }
  CHECK(file.find("layers.4.bias") == nullptr);  // the second Conv2D has no bias
  CHECK(file.at("layers.4.kernel").shape == std::vector<std::int64_t>{3, 4, 2, 2});

  // BatchNormalization: four vectors of C values.
  for (const char* name : {"gamma", "beta", "moving_mean", "moving_variance"})
    CHECK(file.at(std::string("layers.1.") + name).shape == std::vector<std::int64_t>{4});

  const nlohmann::json architecture = nlohmann::json::parse(file.metadata.at("architecture"));
  CHECK(architecture.at("input_shape") == nlohmann::json({8, 8, 2}));
  CHECK(architecture.at("seed") == 11);
  CHECK(architecture.at("layers").size() == model.size());
  CHECK(architecture.at("layers")[0].at("type") == "Conv2D");
  CHECK(architecture.at("layers")[0].at("config").at("padding") == "same");
  CHECK_FALSE(architecture.at("layers")[0].at("config").contains("activation"));  // the default is not written
  CHECK(architecture.at("layers")[4].at("config").at("activation") == "relu");
  // A name the option does not take is refused, naming the key and the names it takes.
  nlohmann::json conv_config = architecture.at("layers")[4].at("config");
  conv_config["activation"] = "tanh";
  tinynet::io::ConfigReader reader(conv_config, "layer 4 (Conv2D)");
  REQUIRE_THROWS_WITH(tinynet::io::LayerConfig<tinynet::Conv2D>::load<float>(reader),
                      tinynet_test::contains("'activation': unknown activation 'tanh' (expected linear or relu)"));
  const nlohmann::json compile = nlohmann::json::parse(file.metadata.at("compile"));
  CHECK(compile.at("loss") == "sparse_categorical_crossentropy");
  CHECK(compile.at("label_smoothing") == 0);
  CHECK(compile.at("optimizer").at("type") == "Adam");
  CHECK(compile.at("optimizer").at("config").at("learning_rate") == 0.01);
#ifdef TINYNET_PROJECT_VERSION
  CHECK(file.metadata.at("tinynet_version") == TINYNET_PROJECT_VERSION);  // in step with CMakeLists.txt
#endif
}

TEST_CASE("model file: float files load into double models and double files into float models", "[model_file]") {
  const fs::path dir = model_dir("convert");
  Sequential<float> f = trained_model<float>(dir / "float.safetensors");
  Sequential<double> d = trained_model<double>(dir / "double.safetensors");

  // float32 → double is exact.
  Sequential<double> widened = tinynet::io::load_model<double>((dir / "float.safetensors").string());
  require_same_parameters(widened, f);
  const Matrix<float> x = images<float>(10, 5);
  CHECK((widened.predict(x.cast<double>()).cast<float>() - f.predict(x)).cwiseAbs().maxCoeff() < 1e-5f);

  // float64 → float rounds each value to the nearest float.
  Sequential<float> narrowed = tinynet::io::load_model<float>((dir / "double.safetensors").string());
  const auto pn = narrowed.parameters();
  const auto pd = d.parameters();
  REQUIRE(pn.size() == pd.size());
  for (std::size_t i = 0; i < pn.size(); ++i) CHECK(identical<float>(*pn[i].value, pd[i].value->cast<float>()));
  CHECK((narrowed.predict(x).cast<double>() - d.predict(x.cast<double>())).cwiseAbs().maxCoeff() < 1e-5);
}

TEMPLATE_TEST_CASE("model file: resuming from a checkpoint continues exactly as an uninterrupted run", "[model_file]",
                   tinynet::SGD, tinynet::Adam, tinynet::RMSprop) {
  // Dropout's generator is not saved (it restarts from its seed), so this model has none.
  auto compiled = [] {
    Sequential<float> model = every_layer_model<float>(false);
    if constexpr (std::is_same_v<TestType, tinynet::SGD>)
      model.compile(TestType{.learning_rate = 0.05, .momentum = 0.9, .nesterov = true},
                    tinynet::SparseCategoricalCrossentropy{});
    else
      model.compile(TestType{.learning_rate = 0.01}, tinynet::SparseCategoricalCrossentropy{});
    return model;
  };
  const Matrix<float> x = images<float>(36, 2);
  const std::vector<int> y = model_file_labels(36);
  const fs::path path = model_dir("resume_" + compiled().optimizer().type()) / "ckpt.safetensors";

  // A: 4 epochs in one fit, without stopping (fit draws epoch e's order from Random(seed, e)).
  Sequential<float> a = compiled();
  a.fit(x, y, quiet<float>(4));

  // B: the same 2 epochs, saved with the optimizer's state; C: loaded, trains epochs 3 and 4.
  Sequential<float> b = compiled();
  b.fit(x, y, quiet<float>(2));
  tinynet::io::save_model(b, path.string(), {.include_optimizer = true});
  Sequential<float> c = tinynet::io::load_model<float>(path.string());
  REQUIRE(c.optimizer().iterations == b.optimizer().iterations);
  REQUIRE(c.optimizer().iterations == 2 * 5);  // 36 samples in batches of 8
  c.fit(x, y, quiet<float>(4, 2));

  require_same_parameters(c, a);
  CHECK(c.optimizer().iterations == a.optimizer().iterations);
  CHECK(c.optimizer().learning_rate == a.optimizer().learning_rate);
  REQUIRE(c.optimizer().slots().size() == a.optimizer().slots().size());
  for (std::size_t i = 0; i < a.optimizer().slots().size(); ++i)
    for (std::size_t s = 0; s < a.optimizer().slots()[i].size(); ++s)
      CHECK(identical<float>(c.optimizer().slots()[i][s], a.optimizer().slots()[i][s]));
  const Matrix<float> probe = images<float>(12, 77);
  CHECK(identical<float>(c.predict(probe), a.predict(probe)));

  // Without the optimizer's state the continuation differs (so the check above has teeth),
  // except for plain SGD, which has none that matters — here SGD has momentum.
  tinynet::io::save_model(b, path.string());
  Sequential<float> fresh = tinynet::io::load_model<float>(path.string());
  fresh.fit(x, y, quiet<float>(4, 2));
  CHECK_FALSE(identical<float>(fresh.predict(probe), a.predict(probe)));
}

TEST_CASE("model file: what a file holds before compile and before the first step", "[model_file]") {
  const fs::path dir = model_dir("uncompiled");
  Sequential<double> model = every_layer_model<double>();
  tinynet::io::save_model(model, (dir / "raw.safetensors").string(),
                          {.include_optimizer = true});  // nothing to include
  Sequential<double> raw = tinynet::io::load_model<double>((dir / "raw.safetensors").string());
  CHECK_FALSE(raw.compiled());
  require_same_parameters(raw, model);
  CHECK(io::read_safetensors((dir / "raw.safetensors").string()).metadata.count("compile") == 0);

  // Compiled, never stepped: the optimizer has no slots yet and the loaded one has none either.
  model.compile(tinynet::RMSprop{.learning_rate = 0.002, .rho = 0.8}, tinynet::CategoricalCrossentropy{});
  tinynet::io::save_model(model, (dir / "compiled.safetensors").string(), {.include_optimizer = true});
  Sequential<double> compiled = tinynet::io::load_model<double>((dir / "compiled.safetensors").string());
  REQUIRE(compiled.compiled());
  CHECK(compiled.loss().name() == "categorical_crossentropy");
  CHECK_FALSE(compiled.loss().sparse_labels);
  CHECK(compiled.optimizer().type() == "RMSprop");
  CHECK(tinynet_test::config_of(compiled.optimizer()) == tinynet_test::config_of(model.optimizer()));
  CHECK(compiled.optimizer().slots().empty());
  CHECK(io::read_safetensors((dir / "compiled.safetensors").string()).metadata.at("optimizer_slots") == "false");

  // LoadOptions{.compile = false}: the weights only.
  Sequential<double> weights =
      tinynet::io::load_model<double>((dir / "compiled.safetensors").string(), {.compile = false});
  CHECK_FALSE(weights.compiled());

  // Extra metadata is stored; the keys save_model writes are reserved.
  tinynet::io::save_model(model, (dir / "extra.safetensors").string(), {.metadata = {{"note", "hello"}}});
  CHECK(io::read_safetensors((dir / "extra.safetensors").string()).metadata.at("note") == "hello");
  REQUIRE_THROWS_WITH(
      tinynet::io::save_model(model, (dir / "bad.safetensors").string(), {.metadata = {{"format", "x"}}}),
      tinynet_test::contains("metadata key 'format' is reserved"));
  REQUIRE_THROWS_WITH(tinynet::io::save_model(Sequential<float>({3}), (dir / "empty.safetensors").string()),
                      tinynet_test::contains("no layers"));
  CHECK(temporaries(dir).empty());
}

TEST_CASE("model file: damaged and foreign files are rejected with a message naming the problem", "[model_file]") {
  const fs::path dir = model_dir("damaged");
  const fs::path good = dir / "good.safetensors";
  trained_model<float>(good, true);
  REQUIRE_NOTHROW(tinynet::io::load_model<float>(good.string()));
  const std::string bytes = read_bytes(good);
  const std::uint64_t header_size =
      io::detail::load_le<std::uint64_t>(reinterpret_cast<const std::byte*>(bytes.data()));
  const fs::path bad = dir / "bad.safetensors";
  auto load_bad = [&] { return tinynet::io::load_model<float>(bad.string()); };

  SECTION("truncated at several cut points") {
    for (const std::size_t cut :
         {std::size_t{0}, std::size_t{5}, std::size_t{8}, std::size_t{9}, static_cast<std::size_t>(8 + header_size / 2),
          static_cast<std::size_t>(8 + header_size - 1), static_cast<std::size_t>(8 + header_size),
          static_cast<std::size_t>(8 + header_size + 7), bytes.size() / 2, bytes.size() - 4, bytes.size() - 1}) {
      INFO("cut at " << cut << " of " << bytes.size());
      write_bytes(bad, bytes.substr(0, cut));
      REQUIRE_THROWS_AS(load_bad(), io::FormatError);
      REQUIRE_THROWS_WITH(load_bad(), tinynet_test::contains(bad.string()));
    }
  }

  SECTION("flipped header bytes") {
    // Each: a piece of the header, the byte within it to change, the new byte, the complaint.
    struct Flip {
      std::string find;
      std::size_t at;
      char to;
      std::string message;
    };
    const std::vector<Flip> flips = {
        {"{", 0, ' ', "header is not valid JSON"},
        {"\"__metadata__\"", 0, 'x', "not valid JSON"},
        {"\"dtype\":\"F32\"", 9, 'G', "unknown dtype 'G32'"},
        {"\"shape\":[4,2,3,3]", 9, '5', "expects 360 bytes, got 288"},
        {"\"layers.7.kernel\"", 8, '8', "its configuration makes 168 parameter values but the file holds 6"},
        {"\"format\":\"tinynet\"", 10, 'T', "not a tinynet model file"},
        {"\"format_version\":\"1\"", 18, '7', "format_version 7 is newer"},
        {"\"scalar\":\"float32\"", 15, '1', "metadata 'scalar' is \"float12\""},
        {"\\\"type\\\":\\\"Dense\\\"", 11, 'E', "unknown layer type \"Eense\""},
        {"\\\"units\\\":6", 10, '9',
         "layer 7 (Dense): its configuration makes 252 parameter values but the file holds 168"},
        {"\"optimizer_state\":\"true\"", 19, 'T', "metadata 'optimizer_state' is \"True\""},
    };
    for (const Flip& flip : flips) {
      INFO("flip in " << flip.find);
      const std::size_t at = bytes.find(flip.find, 8);  // in the header, not its length
      REQUIRE(at != std::string::npos);
      REQUIRE(at + flip.at < 8 + header_size);
      std::string damaged = bytes;
      damaged[at + flip.at] = flip.to;
      write_bytes(bad, damaged);
      REQUIRE_THROWS_AS(load_bad(), io::FormatError);
      REQUIRE_THROWS_WITH(load_bad(), tinynet_test::contains(flip.message));
    }
  }

  SECTION("a tensor of the wrong shape") {
    rewrite(good, bad, [](std::vector<io::TensorRecord>& tensors, auto&) {
      for (io::TensorRecord& t : tensors)
        if (t.name == "layers.7.kernel") t.shape = {27, 6};  // the same bytes, transposed shape
    });
    REQUIRE_THROWS_WITH(load_bad(),
                        tinynet_test::contains("tensor 'layers.7.kernel' has shape [27, 6], expected [6, 27]"));
    rewrite(good, bad, [](std::vector<io::TensorRecord>& tensors, auto&) {
      for (io::TensorRecord& t : tensors)
        if (t.name == "optimizer.layers.0.kernel.v") t = io::from_matrix<float>(t.name, Matrix<float>::Zero(4, 18));
    });
    REQUIRE_THROWS_WITH(
        load_bad(),
        tinynet_test::contains("tensor 'optimizer.layers.0.kernel.v' has shape [4, 18], expected [4, 2, 3, 3]"));
  }

  SECTION("a tensor of the wrong dtype") {
    rewrite(good, bad, [](std::vector<io::TensorRecord>& tensors, auto&) {
      for (io::TensorRecord& t : tensors)
        if (t.name == "layers.0.bias") t.dtype = "I32";
    });
    REQUIRE_THROWS_WITH(load_bad(), tinynet_test::contains("tensor 'layers.0.bias' has dtype I32, expected F32"));
  }

  SECTION("a missing tensor, and one too many") {
    rewrite(good, bad, [](std::vector<io::TensorRecord>& tensors, auto&) {
      std::erase_if(tensors, [](const io::TensorRecord& t) { return t.name == "layers.8.moving_variance"; });
    });
    REQUIRE_THROWS_WITH(load_bad(), tinynet_test::contains("layer 8 (BatchNormalization): its configuration makes 24 "
                                                           "parameter values but the file holds 18"));
    rewrite(good, bad, [](std::vector<io::TensorRecord>& tensors, auto&) {  // the right size, a wrong name
      for (io::TensorRecord& t : tensors)
        if (t.name == "layers.8.moving_variance") t.name = "layers.8.moving_var";
    });
    REQUIRE_THROWS_WITH(
        load_bad(), tinynet_test::contains(
                        "missing tensor 'layers.8.moving_variance' (layer 8 (BatchNormalization) moving_variance)"));
    rewrite(good, bad, [](std::vector<io::TensorRecord>& tensors, auto&) {
      std::erase_if(tensors, [](const io::TensorRecord& t) { return t.name == "optimizer.layers.11.bias.m"; });
    });
    REQUIRE_THROWS_WITH(load_bad(), tinynet_test::contains("missing tensor 'optimizer.layers.11.bias.m'"));
    rewrite(good, bad, [](std::vector<io::TensorRecord>& tensors, auto&) {
      tensors.push_back(io::from_matrix<float>("layers.12.kernel", Matrix<float>::Zero(2, 2)));
    });
    REQUIRE_THROWS_WITH(
        load_bad(),
        tinynet_test::contains("layer 12 (Softmax): its configuration makes 0 parameter values but the file holds 4"));
    rewrite(good, bad, [](std::vector<io::TensorRecord>& tensors, auto&) {
      tensors.push_back(io::from_matrix<float>("extra.weights", Matrix<float>::Zero(2, 2)));
    });
    REQUIRE_THROWS_WITH(load_bad(), tinynet_test::contains("unexpected tensor 'extra.weights'"));
  }

  SECTION("an unknown layer type, or an option this tinynet does not know") {
    rewrite(good, bad, [](auto&, std::map<std::string, std::string>& metadata) {
      edit_architecture(metadata, [](nlohmann::json& a) { a["layers"][2]["type"] = "Transformer"; });
    });
    REQUIRE_THROWS_WITH(load_bad(),
                        tinynet_test::contains("layer 2: unknown layer type \"Transformer\" (this tinynet knows"));
    rewrite(good, bad, [](auto&, std::map<std::string, std::string>& metadata) {
      edit_architecture(metadata, [](nlohmann::json& a) { a["layers"][7]["config"]["activation"] = "relu"; });
    });
    REQUIRE_THROWS_WITH(load_bad(),
                        tinynet_test::contains("layer 7 (Dense): config key 'activation' is not understood"));
    rewrite(good, bad, [](auto&, std::map<std::string, std::string>& metadata) {
      edit_architecture(metadata, [](nlohmann::json& a) { a["layers"][7]["config"].erase("units"); });
    });
    REQUIRE_THROWS_WITH(load_bad(), tinynet_test::contains("layer 7 (Dense): config has no 'units'"));
    rewrite(good, bad, [](auto&, std::map<std::string, std::string>& metadata) {
      nlohmann::json compile = nlohmann::json::parse(metadata.at("compile"));
      compile["optimizer"]["type"] = "Adagrad";
      metadata["compile"] = compile.dump();
    });
    REQUIRE_THROWS_WITH(load_bad(), tinynet_test::contains("unknown optimizer type \"Adagrad\""));
    for (const nlohmann::json& smoothing : {nlohmann::json(1.0), nlohmann::json(-0.1), nlohmann::json("0.1")}) {
      rewrite(good, bad, [&](auto&, std::map<std::string, std::string>& metadata) {
        nlohmann::json compile = nlohmann::json::parse(metadata.at("compile"));
        compile["label_smoothing"] = smoothing;
        metadata["compile"] = compile.dump();
      });
      REQUIRE_THROWS_WITH(
          load_bad(), tinynet_test::contains(smoothing.is_number()
                                                 ? "compile: cross-entropy: label_smoothing must be in [0, 1)"
                                                 : "compile: 'label_smoothing' is \"0.1\", expected a finite number"));
    }
  }

  SECTION("a newer format_version") {
    rewrite(good, bad, [](auto&, std::map<std::string, std::string>& metadata) { metadata["format_version"] = "2"; });
    REQUIRE_THROWS_WITH(load_bad(), tinynet_test::contains("format_version 2 is newer than this tinynet"));
    REQUIRE_THROWS_WITH(load_bad(), tinynet_test::contains("reads format_version 1 to 1"));
    rewrite(good, bad, [](auto&, std::map<std::string, std::string>& metadata) { metadata["format_version"] = "1.5"; });
    REQUIRE_THROWS_WITH(load_bad(), tinynet_test::contains("format_version \"1.5\" is not a version number"));
  }

  SECTION("missing metadata") {
    for (const char* key : {"format_version", "scalar", "architecture", "optimizer_state", "optimizer_iterations"}) {
      INFO(key);
      rewrite(good, bad, [&](auto&, std::map<std::string, std::string>& metadata) { metadata.erase(key); });
      REQUIRE_THROWS_WITH(load_bad(), tinynet_test::contains(std::string("missing metadata key '") + key + "'"));
    }
    rewrite(good, bad,
            [](auto&, std::map<std::string, std::string>& metadata) { metadata["architecture"] = "{units"; });
    REQUIRE_THROWS_WITH(load_bad(), tinynet_test::contains("metadata 'architecture' is not valid JSON"));
  }

  SECTION("files that are not tinynet models") {
    io::write_safetensors(bad.string(), {io::from_matrix<float>("weight", Matrix<float>::Zero(2, 2))});
    REQUIRE_THROWS_WITH(load_bad(),
                        tinynet_test::contains("not a tinynet model file (its metadata has no \"format\" key"));
    io::write_safetensors(bad.string(), {io::from_matrix<float>("weight", Matrix<float>::Zero(2, 2))},
                          {{"format", "pt"}});
    REQUIRE_THROWS_WITH(load_bad(), tinynet_test::contains("says format \"pt\""));
    write_bytes(bad, "name,value\nlearning_rate,0.001\n");
    REQUIRE_THROWS_AS(load_bad(), io::FormatError);
    REQUIRE_THROWS_WITH(tinynet::io::load_model<float>((dir / "no_such.safetensors").string()),
                        tinynet_test::contains("cannot open"));
  }
  CHECK(temporaries(dir).empty());
}

TEST_CASE("ModelCheckpoint: saves every epoch, or only on improvement with save_best_only", "[model_file][callbacks]") {
  const fs::path dir = model_dir("checkpoint");
  Sequential<float> model = every_layer_model<float>();
  model.compile(tinynet::Adam{}, tinynet::SparseCategoricalCrossentropy{});
  auto log = [](int epoch, double val_loss, double val_accuracy) {
    tinynet::EpochLog l;
    l.epoch = epoch;
    l.val_loss = val_loss;
    l.val_accuracy = val_accuracy;
    return l;
  };
  const std::vector<tinynet::EpochLog> logs = {log(1, 1.0, 0.5), log(2, 0.8, 0.4), log(3, 0.9, 0.7), log(4, 0.7, 0.6)};
  auto exists = [&](const std::string& name) { return fs::exists(dir / name); };

  SECTION("save_best_only on val_loss (min) writes only the improving epochs") {
    tinynet::ModelCheckpoint<float> checkpoint(
        {.path = (dir / "best-{epoch}.safetensors").string(), .save_best_only = true});
    for (const auto& l : logs) checkpoint.on_epoch_end(l, model);
    CHECK(exists("best-1.safetensors"));
    CHECK(exists("best-2.safetensors"));
    CHECK_FALSE(exists("best-3.safetensors"));
    CHECK(exists("best-4.safetensors"));
    CHECK(checkpoint.saves() == 3);
    CHECK(checkpoint.best() == 0.7);
    CHECK(checkpoint.last_path() == (dir / "best-4.safetensors").string());
    CHECK(io::read_safetensors((dir / "best-4.safetensors").string()).metadata.at("epoch") == "4");
  }
  SECTION("val_accuracy is maximised, with zero-padded epochs") {
    tinynet::ModelCheckpoint<float> checkpoint(
        {.path = (dir / "acc-{epoch:03d}.safetensors").string(), .monitor = "val_accuracy", .save_best_only = true});
    for (const auto& l : logs) checkpoint.on_epoch_end(l, model);
    CHECK(exists("acc-001.safetensors"));
    CHECK_FALSE(exists("acc-002.safetensors"));
    CHECK(exists("acc-003.safetensors"));
    CHECK_FALSE(exists("acc-004.safetensors"));
  }
  SECTION("without save_best_only every epoch is saved; one path is overwritten") {
    tinynet::ModelCheckpoint<float> every({.path = (dir / "e{epoch}.safetensors").string()});
    tinynet::ModelCheckpoint<float> latest({.path = (dir / "latest.safetensors").string(), .save_best_only = false});
    for (const auto& l : logs) {
      every.on_epoch_end(l, model);
      latest.on_epoch_end(l, model);
    }
    for (int e = 1; e <= 4; ++e) CHECK(exists("e" + std::to_string(e) + ".safetensors"));
    CHECK(io::read_safetensors((dir / "latest.safetensors").string()).metadata.at("epoch") == "4");
    CHECK(latest.saves() == 4);
  }
  SECTION("a threshold to beat, a bad placeholder, and val_* without validation data") {
    tinynet::ModelCheckpoint<float> checkpoint(
        {.path = (dir / "t{epoch}.safetensors").string(), .save_best_only = true, .initial_value_threshold = 0.75});
    for (const auto& l : logs) checkpoint.on_epoch_end(l, model);
    CHECK(checkpoint.saves() == 1);
    CHECK(exists("t4.safetensors"));
    REQUIRE_THROWS_WITH(tinynet::ModelCheckpoint<float>({.path = "m-{val_loss:.2f}.safetensors"}),
                        tinynet_test::contains("placeholder '{val_loss:.2f}' is not supported"));
    REQUIRE_THROWS_WITH(tinynet::ModelCheckpoint<float>({.path = "m.safetensors", .monitor = "val_los"}),
                        tinynet_test::contains("ModelCheckpoint: cannot monitor"));
    auto needs_validation = std::make_shared<tinynet::ModelCheckpoint<float>>(
        tinynet::ModelCheckpointOptions{.path = (dir / "v.safetensors").string(), .save_best_only = true});
    auto options = quiet<float>(1);
    options.callbacks = {needs_validation};
    REQUIRE_THROWS_WITH(model.fit(images<float>(8, 1), model_file_labels(8), options),
                        tinynet_test::contains("no validation data"));
  }
  CHECK(temporaries(dir).empty());
}

TEST_CASE("ModelCheckpoint: a checkpoint written during fit resumes training", "[model_file][callbacks]") {
  const fs::path dir = model_dir("checkpoint_fit");
  Sequential<float> model = every_layer_model<float>(false);
  model.compile(tinynet::Adam{.learning_rate = 0.01}, tinynet::SparseCategoricalCrossentropy{});
  auto checkpoint = std::make_shared<tinynet::ModelCheckpoint<float>>(tinynet::ModelCheckpointOptions{
      .path = (dir / "ckpt.safetensors").string(), .monitor = "loss", .include_optimizer = true});
  const Matrix<float> x = images<float>(24, 4);
  const std::vector<int> y = model_file_labels(24);
  auto options = quiet<float>(3);
  options.callbacks = {checkpoint};
  model.fit(x, y, options);
  CHECK(checkpoint->saves() == 3);

  // The file holds the state after epoch 3, optimizer included.
  Sequential<float> loaded = tinynet::io::load_model<float>(checkpoint->last_path());
  require_same_parameters(loaded, model);
  CHECK(loaded.optimizer().iterations == model.optimizer().iterations);
  const int done = std::stoi(io::read_safetensors(checkpoint->last_path()).metadata.at("epoch"));
  CHECK(done == 3);
  model.fit(x, y, quiet<float>(4, done));
  loaded.fit(x, y, quiet<float>(4, done));
  require_same_parameters(loaded, model);
  CHECK(temporaries(dir).empty());
}

TEST_CASE("model file: a failed save leaves no file and no temporary behind", "[model_file]") {
  const fs::path dir = model_dir("failed_save");
  Sequential<float> model = every_layer_model<float>();
  const std::string target = (dir / "missing_dir" / "model.safetensors").string();
  REQUIRE_THROWS_WITH(tinynet::io::save_model(model, target), tinynet_test::contains("cannot write safetensors file"));
  CHECK_FALSE(fs::exists(target));

  // Overwriting an existing file replaces it whole.
  const std::string path = (dir / "model.safetensors").string();
  tinynet::io::save_model(model, path);
  model.compile(tinynet::SGD{}, tinynet::SparseCategoricalCrossentropy{});
  tinynet::io::save_model(model, path, {.include_optimizer = true});
  CHECK(tinynet::io::load_model<float>(path).compiled());
  CHECK(temporaries(dir).empty());
}
