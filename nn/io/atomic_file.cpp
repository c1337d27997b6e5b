#include "nn/io/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace nn {
namespace {

std::runtime_error write_error(const std::filesystem::path& path, const char* step) {
  return std::runtime_error("cannot write '" + path.string() + "': " + step + " failed (" +
                            std::strerror(errno) + "); check that the folder exists, is "
                            "writable and has free space");
}

// Removes a temporary file on an error path. Uses the non-throwing overload,
// so that a failed removal cannot replace the error being reported.
void remove_temporary(const std::filesystem::path& temporary) {
  std::error_code ignored;
  std::filesystem::remove(temporary, ignored);
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view contents) {
  const std::filesystem::path temporary =
      path.string() + ".tmp." + std::to_string(static_cast<long>(::getpid()));

  const int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (descriptor < 0) {
    throw write_error(path, "opening a temporary file");
  }

  // write() may write less than requested, so loop until everything is out.
  const char* data = contents.data();
  std::size_t left = contents.size();
  while (left > 0) {
    const ssize_t written = ::write(descriptor, data, left);
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written < 0) {
      const auto error = write_error(path, "writing");
      ::close(descriptor);
      remove_temporary(temporary);
      throw error;
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }

  // fsync before rename, so that after a crash the new name never points to
  // an incomplete file.
  if (::fsync(descriptor) != 0) {
    const auto error = write_error(path, "flushing");
    ::close(descriptor);
    remove_temporary(temporary);
    throw error;
  }
  if (::close(descriptor) != 0) {
    const auto error = write_error(path, "closing");
    remove_temporary(temporary);
    throw error;
  }

  std::error_code rename_error;
  std::filesystem::rename(temporary, path, rename_error);
  if (rename_error) {
    remove_temporary(temporary);
    throw std::runtime_error("cannot replace '" + path.string() + "': " + rename_error.message());
  }
}

}  // namespace nn
