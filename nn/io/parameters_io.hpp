#pragma once

// Saving and loading trained parameters as JSON.

#include <filesystem>

#include "autodiff/parameter.hpp"

namespace nn {

// Writes every parameter's name, shape and values to `path` as JSON, atomically.
// Values are written with 17 significant digits, so a round trip is exact.
void save_parameters(const std::filesystem::path& path, const autodiff::ParameterList& parameters);

// Reads a file written by save_parameters into `parameters`, matched by
// position. Throws std::runtime_error naming the file when it is missing or
// malformed, and when a name, a shape or the parameter count differs.
void load_parameters(const std::filesystem::path& path, const autodiff::ParameterList& parameters);

}  // namespace nn
