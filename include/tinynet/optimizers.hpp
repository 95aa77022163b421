// Every built-in optimizer, and the one list of them (io/registry.hpp registers each for model
// files from it). Adding one: its header (optimizers/NAME.hpp), its #include and its line below.
#pragma once

#include <tinynet/optimizers/adam.hpp>
#include <tinynet/optimizers/optimizer.hpp>
#include <tinynet/optimizers/rmsprop.hpp>
#include <tinynet/optimizers/sgd.hpp>

namespace tinynet {

template <typename Visit>
void for_each_builtin_optimizer(Visit&& visit) {
  visit.template operator()<Adam>();
  visit.template operator()<RMSprop>();
  visit.template operator()<SGD>();
}

}  // namespace tinynet
