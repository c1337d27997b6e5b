#pragma once

// Shared by the fuzz targets: the loaders read paths, so every input is
// written to one file per process and loaded from there. Set TMPDIR to a
// tmpfs folder such as /dev/shm to keep this fast.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace fuzz {

// A file name in the temporary folder, unique to this process.
inline std::filesystem::path input_path(const std::string& extension) {
  return std::filesystem::temp_directory_path() /
         ("pivot_fuzz_" + std::to_string(::getpid()) + "." + extension);
}

// Replaces the file at `path` with the `size` bytes at `data`. Aborts when
// the file cannot be written, because every later result would be wrong.
inline void write_input(const std::filesystem::path& path, const std::uint8_t* data,
                        std::size_t size) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    std::perror("fuzz: cannot open the input file");
    std::abort();
  }
  const bool written = size == 0 || std::fwrite(data, 1, size, file) == size;
  if (std::fclose(file) != 0 || !written) {
    std::perror("fuzz: cannot write the input file");
    std::abort();
  }
}

}  // namespace fuzz
