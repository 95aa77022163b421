// The models of the Keras notebook our users come from, each with the notebook's
// hyperparameters, plus tinynet's own stronger recipes.
#pragma once

#include <tinynet/tinynet.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace fashion_mnist {

using Model = tinynet::Sequential<float>;

struct Recipe {
  std::string name;
  std::string description;
  std::function<Model(std::uint64_t seed)> build;  // layers only; compiled by make_optimizer
  std::string optimizer = "adam";
  double learning_rate = 1e-3;
  int epochs = 10;
  tinynet::Index batch_size = 64;
  double validation_split = 0;   // Keras's validation_split
  bool validate_on_test = false; // Keras's validation_data=(x_test, y_test)
  int patience = 0;              // EarlyStopping(monitor=val_loss) when > 0
  int kfold = 0;                 // k-fold cross-validation when > 1
  // Extra fit settings (callbacks, schedules, augmentation), given the final epoch count.
  std::function<void(tinynet::FitOptions<float>&, int epochs)> customize{};
};

// SGD, Adam or RMSprop by name, as the example's --optimizer flag spells them.
inline std::unique_ptr<tinynet::Optimizer<float>> make_optimizer(const std::string& name, double learning_rate) {
  if (name == "adam") return std::make_unique<tinynet::Adam<float>>(tinynet::AdamOptions{.learning_rate = learning_rate});
  if (name == "rmsprop")
    return std::make_unique<tinynet::RMSprop<float>>(tinynet::RMSpropOptions{.learning_rate = learning_rate});
  if (name == "sgd") return std::make_unique<tinynet::SGD<float>>(tinynet::SGDOptions{.learning_rate = learning_rate});
  throw std::invalid_argument("unknown optimizer '" + name + "' (expected adam, sgd or rmsprop)");
}

inline std::vector<Recipe> recipes() {
  using namespace tinynet;
  std::vector<Recipe> all;

  // Notebook cell 1: Flatten → Dense(128, relu) → Dense(10, softmax); Adam; batch 64; 10 epochs.
  all.push_back({.name = "mlp",
                 .description = "784-128-10 MLP, Adam 1e-3, batch 64, 10 epochs (the notebook's first model)",
                 .build = [](std::uint64_t seed) {
                   Model m({784}, seed);
                   m.add<Dense>(128).add<ReLU>().add<Dense>(10).add<Softmax>();
                   return m;
                 }});
  return all;
}

inline Recipe find_recipe(const std::string& name) {
  std::string known;
  for (const Recipe& r : recipes()) {
    if (r.name == name) return r;
    known += (known.empty() ? "" : ", ") + r.name;
  }
  throw std::invalid_argument("unknown model '" + name + "' (expected one of: " + known + ")");
}

}  // namespace fashion_mnist
