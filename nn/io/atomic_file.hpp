#pragma once

// Atomic file replacement, so that a crash never leaves a half-written result.

#include <filesystem>
#include <string_view>

namespace nn {

// Writes `contents` to `path` atomically: to a temporary file in the same
// folder, flushed and closed, then renamed over `path`. A reader sees either
// the old file or the complete new one. Throws std::runtime_error naming the
// path when the folder is missing or not writable.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace nn
