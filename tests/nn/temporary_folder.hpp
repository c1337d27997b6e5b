#pragma once

// A temporary folder for tests that write files and read them back, such as
// the .npy and CSV loader tests.

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <system_error>

#include <unistd.h>

namespace test_files {

// A fresh, empty folder under std::filesystem::temp_directory_path() (TMPDIR
// on POSIX), named `prefix` plus the process id, removed with its contents
// afterwards. The process id keeps concurrent runs apart. As the base of a
// Boost.Test fixture, it gives each test case its own folder.
class TemporaryFolder {
 public:
  explicit TemporaryFolder(const std::string& prefix)
      : path(std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;

  // Writes `bytes` unchanged to the file `name` in the folder, replacing any
  // file of that name, and returns its path. Throws std::runtime_error when
  // the file cannot be written, so a test fails here and not on a short file.
  std::filesystem::path write(const std::string& name, const std::string& bytes) const {
    const std::filesystem::path file = path / name;
    std::ofstream out(file, std::ios::binary);
    out << bytes;
    out.close();
    if (!out) {
      throw std::runtime_error("TemporaryFolder::write: failed to write '" + file.string() +
                               "'; check that the temporary directory is writable");
    }
    return file;
  }

  // Returns the bytes of the file `name` in the folder, or "" when it does
  // not exist.
  std::string read(const std::string& name) const {
    std::ifstream in(path / name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  // Counts the entries of the folder, files and subfolders alike.
  std::size_t file_count() const {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(path),
                                                  std::filesystem::directory_iterator()));
  }

  std::filesystem::path path;
};

}  // namespace test_files
