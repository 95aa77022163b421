#include <tinynet/tinynet.hpp>

int parameters_from_other_unit() {
  tinynet::Sequential<float> model;
  model.add<tinynet::Dense>(4, 3).add<tinynet::Softmax>();
  return static_cast<int>(model.count_parameters(true));
}
