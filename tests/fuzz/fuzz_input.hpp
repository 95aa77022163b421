// What the fuzz targets share: the input written to a file of its own (the readers take paths,
// and the fuzzers test exactly the code a user's program runs), and the rule that the only
// failure a reader may report for a bad file is a tinynet::FileError — anything else (another
// exception, a crash, a sanitizer report, a hang, a large allocation) is a finding.
#pragma once

#include <tinynet/errors.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>
#include <unistd.h>

namespace tinynet_fuzz {

// A path for this process's input files, in a RAM disk where there is one.
inline std::string input_path(const char* suffix) {
  const char* dir = std::getenv("TINYNET_FUZZ_TMP");
  static const std::string base = std::string(dir ? dir : (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp")) +
                                  "/tinynet-fuzz-" + std::to_string(getpid());
  return base + suffix;
}

inline void write_file(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

// Runs read(); a FileError is the expected outcome of a bad file, anything else aborts.
template <typename Read>
void expect_only_file_errors(Read read) {
  try {
    read();
  } catch (const tinynet::FileError&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "finding: an exception that is not a tinynet::FileError: %s\n", e.what());
    std::abort();
  }
}

}  // namespace tinynet_fuzz
