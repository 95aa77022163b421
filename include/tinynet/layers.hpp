// Every built-in layer, and the one list of them.
//
// for_each_builtin_layer calls visit.template operator()<L>(name) once per layer template L
// with its Keras class name; io/registry.hpp registers each for model files from this list.
// Adding a built-in layer: its header (layers/NAME.hpp), its #include and its line below.
#pragma once

#include <tinynet/layers/batch_normalization.hpp>
#include <tinynet/layers/conv2d.hpp>
#include <tinynet/layers/dense.hpp>
#include <tinynet/layers/dropout.hpp>
#include <tinynet/layers/elu.hpp>
#include <tinynet/layers/flatten.hpp>
#include <tinynet/layers/layer.hpp>
#include <tinynet/layers/leaky_relu.hpp>
#include <tinynet/layers/max_pooling2d.hpp>
#include <tinynet/layers/relu.hpp>
#include <tinynet/layers/sigmoid.hpp>
#include <tinynet/layers/softmax.hpp>

namespace tinynet {

template <typename Visit>
void for_each_builtin_layer(Visit&& visit) {
  visit.template operator()<BatchNormalization>("BatchNormalization");
  visit.template operator()<Conv2D>("Conv2D");
  visit.template operator()<Dense>("Dense");
  visit.template operator()<Dropout>("Dropout");
  visit.template operator()<ELU>("ELU");
  visit.template operator()<Flatten>("Flatten");
  visit.template operator()<LeakyReLU>("LeakyReLU");
  visit.template operator()<MaxPooling2D>("MaxPooling2D");
  visit.template operator()<ReLU>("ReLU");
  visit.template operator()<Sigmoid>("Sigmoid");
  visit.template operator()<Softmax>("Softmax");
}

}  // namespace tinynet
