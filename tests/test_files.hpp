// File helpers shared by the tests that write and damage files on purpose.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace tinynet_test {

// A fresh, empty directory TINYNET_TEST_TMPDIR/<group>/<name> for one test case.
inline std::filesystem::path scratch_dir(const std::string& group, const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(TINYNET_TEST_TMPDIR) / group / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace tinynet_test
