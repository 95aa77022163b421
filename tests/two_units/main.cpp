// Two translation units that both include the whole library must link into one program
// (every non-template function in the headers is inline; stb's code is static).
#include <tinynet/tinynet.hpp>

#include <iostream>

int parameters_from_other_unit();

int main() {
  tinynet::Sequential<float> model;
  model.add<tinynet::Dense>(4, 3).add<tinynet::Softmax>();
  const int here = static_cast<int>(model.count_parameters(true));
  const int there = parameters_from_other_unit();
  std::cout << "main.cpp: " << here << " parameters, other.cpp: " << there << '\n';
  return here == 15 && there == 15 ? 0 : 1;
}
