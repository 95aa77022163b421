// The error tinynet raises for a file: every problem with a file the library reads or writes —
// a model file, a safetensors file, an IDX data file, a data set's directory — is a FileError
// (or one of its kinds below), whose message names the file, where in it the problem is, and
// what was expected versus what was found.
//
//   FileError                 cannot open, read or write the file
//     io::FormatError         a model or safetensors file that breaks its format (io/)
//     data::IdxError          an IDX file that breaks its format (data/idx.hpp)
//     datasets::DatasetError  a data set whose files are missing or do not fit together
//
// Bad arguments from code (a negative size, a learning rate of −1) are std::invalid_argument,
// calls in the wrong order std::logic_error.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace tinynet {

class FileError : public std::runtime_error {
 public:
  explicit FileError(const std::string& message, std::string path = {})
      : std::runtime_error(message), path_(std::move(path)) {}

  // The file (or directory) the error is about; "" when the message names it alone.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace tinynet
