// Writes a safetensors file with tinynet, and beside it a JSON file of the values that a
// generic reader must find in it (see safetensors_check.py, which reads both).
//
//   tinynet_safetensors_writer OUT.safetensors EXPECTED.json
//
// Matrices go into the JSON as lists of rows built from m(r, c), so the check also proves the
// row-major convention: numpy's m[r][c] must be tinynet's m(r, c).
#include <tinynet/io/safetensors.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <exception>
#include <fstream>
#include <iostream>

namespace {

template <typename T>
nlohmann::json rows_of(const tinynet::Matrix<T>& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    nlohmann::json row = nlohmann::json::array();
    for (Eigen::Index c = 0; c < m.cols(); ++c) row.push_back(static_cast<double>(m(r, c)));
    rows.push_back(row);
  }
  return rows;
}

template <typename T>
nlohmann::json values_of(const tinynet::Vector<T>& v) {
  nlohmann::json values = nlohmann::json::array();
  for (Eigen::Index i = 0; i < v.size(); ++i) values.push_back(static_cast<double>(v(i)));
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " OUT.safetensors EXPECTED.json\n";
    return 2;
  }
  namespace io = tinynet::io;
  try {
    tinynet::Matrix<float> w(3, 4);  // values that are not exact in decimal, to test every bit
    for (Eigen::Index r = 0; r < w.rows(); ++r)
      for (Eigen::Index c = 0; c < w.cols(); ++c) w(r, c) = static_cast<float>(r) + static_cast<float>(c + 1) / 7.0f;
    tinynet::Vector<float> b(3);
    b << -1.5f, 0.1f, 1e-8f;
    tinynet::Matrix<double> v(2, 5);
    for (Eigen::Index r = 0; r < v.rows(); ++r)
      for (Eigen::Index c = 0; c < v.cols(); ++c) v(r, c) = 1.0 / (3.0 + static_cast<double>(10 * r + c));
    tinynet::Matrix<double> empty(0, 3);
    const std::int64_t step_value = 12345678901;
    const io::TensorRecord step = io::from_scalar("optimizer.step", step_value);

    const std::map<std::string, std::string> metadata = {{"format", "tinynet-test"}, {"note", "größe"}};
    io::write_safetensors(argv[1],
                          {io::from_matrix("dense.W", w), io::from_vector("dense.b", b), io::from_matrix("dense2.W", v),
                           io::from_matrix("empty", empty), step},
                          metadata);

    nlohmann::json expected;
    expected["metadata"] = metadata;
    expected["tensors"]["dense.W"] = {{"dtype", "F32"}, {"shape", {3, 4}}, {"values", rows_of(w)}};
    expected["tensors"]["dense.b"] = {{"dtype", "F32"}, {"shape", {3}}, {"values", values_of(b)}};
    expected["tensors"]["dense2.W"] = {{"dtype", "F64"}, {"shape", {2, 5}}, {"values", rows_of(v)}};
    expected["tensors"]["empty"] = {{"dtype", "F64"}, {"shape", {0, 3}}, {"values", rows_of(empty)}};
    expected["tensors"]["optimizer.step"] = {
        {"dtype", "I64"}, {"shape", nlohmann::json::array()}, {"values", step_value}};
    std::ofstream out(argv[2]);
    out << expected.dump(2) << "\n";
    if (!out.flush()) throw std::runtime_error(std::string("cannot write ") + argv[2]);
  } catch (const std::exception& e) {
    std::cerr << "tinynet_safetensors_writer: " << e.what() << "\n";
    return 1;
  }
  std::cout << "wrote " << argv[1] << " and " << argv[2] << "\n";
  return 0;
}
