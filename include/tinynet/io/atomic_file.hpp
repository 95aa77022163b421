// Writing a file so that a crash or a full disk never leaves it half-written: the content goes
// to a temporary file beside the target, which is renamed over the target only once every byte
// is written and flushed. A reader sees the old file or the new one, never a mix.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <system_error>

namespace tinynet::io {

// Calls `write(stream)` on a temporary file in the target's directory, then renames it to
// `path`. Throws std::runtime_error "cannot write <what> '<path>': <reason>" if anything fails;
// the temporary file is removed and an existing file at `path` is left untouched.
inline void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write,
                                  const std::string& what = "file") {
  namespace fs = std::filesystem;
  static std::atomic<unsigned> counter{0};
  const fs::path target(path);
  const fs::path temporary = target.string() + ".tmp-" +
                             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000) +
                             "-" + std::to_string(counter++);
  try {
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::out | std::ios::trunc);
      if (!out) throw std::runtime_error("cannot create '" + temporary.string() + "'");
      write(out);
      out.flush();
      if (!out) throw std::runtime_error("write failed (disk full?)");
    }
    std::error_code ec;
    fs::rename(temporary, target, ec);
    if (ec) throw std::runtime_error("renaming '" + temporary.string() + "' into place failed: " + ec.message());
  } catch (const std::exception& e) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw std::runtime_error("cannot write " + what + " '" + path + "': " + e.what());
  }
}

}  // namespace tinynet::io
