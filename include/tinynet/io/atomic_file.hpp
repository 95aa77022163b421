// Writing a file so that a crash or a full disk never leaves it half-written: the content goes
// to a temporary file beside the target, which is flushed to the disk (fsync) and only then
// renamed over the target. A reader sees the old file or the new one, never a mix, and after
// the rename returns the new file survives a power cut (the directory is synced too).
#pragma once

#include <tinynet/errors.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <system_error>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <unistd.h>
#endif

namespace tinynet::io {

namespace detail {

// fsync of a file or directory by path; false if it could not be done.
inline bool sync_path(const std::filesystem::path& path) {
#if defined(__unix__) || defined(__APPLE__)
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
#else
  (void)path;
  return true;
#endif
}

}  // namespace detail

// Calls `write(stream)` on a temporary file "<path>.tmp-…" in the target's directory, syncs it
// and renames it to `path`. Throws FileError "cannot write <what> '<path>': <reason>" if anything
// fails; the temporary file is removed and an existing file at `path` is left untouched.
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
    if (!detail::sync_path(temporary)) throw std::runtime_error("syncing '" + temporary.string() + "' failed");
    std::error_code ec;
    fs::rename(temporary, target, ec);
    if (ec) throw std::runtime_error("renaming '" + temporary.string() + "' into place failed: " + ec.message());
  } catch (const std::exception& e) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw FileError("cannot write " + what + " '" + path + "': " + e.what(), path);
  }
  const fs::path directory = target.has_parent_path() ? target.parent_path() : fs::path(".");
  detail::sync_path(directory);  // the rename itself; a failure here loses no data already written
}

// Throws FileError now, before any work is spent, unless a file can be created at `path` (the
// directory exists and is writable). Creates nothing that outlives the check.
inline void check_writable(const std::string& path, const std::string& what = "file") {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code ec;
  if (fs::is_directory(target, ec))
    throw FileError("cannot write " + what + " '" + path + "': it is a directory", path);
  const fs::path directory = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(directory, ec))
    throw FileError("cannot write " + what + " '" + path + "': directory '" + directory.string() + "' does not exist",
                    path);
  const fs::path probe = target.string() + ".tmp-check";
  {
    std::ofstream out(probe, std::ios::binary | std::ios::out | std::ios::trunc);
    if (!out)
      throw FileError("cannot write " + what + " '" + path + "': cannot create files in '" + directory.string() + "'",
                      path);
  }
  fs::remove(probe, ec);
}

}  // namespace tinynet::io
