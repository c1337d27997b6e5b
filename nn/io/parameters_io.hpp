#pragma once

// Saving and loading trained parameters as JSON.

#include <filesystem>

#include <nlohmann/json.hpp>

#include "autodiff/parameter.hpp"

namespace nn {

// Returns the parameters as a JSON array of {"name", "shape", "values"}
// entries, in the order of the list. nlohmann::json writes each double in
// the shortest form that reads back exactly.
nlohmann::json parameters_to_json(const autodiff::ParameterList& parameters);

// Copies an array written by parameters_to_json into `parameters`, matched
// by position. Throws std::runtime_error naming the entry when the count, a
// name, a shape or a value count differs, or an entry is malformed. Every
// entry is checked before any parameter changes, so on error the model
// keeps its values.
void parameters_from_json(const nlohmann::json& document, const autodiff::ParameterList& parameters);

// Writes every parameter's name, shape and values to `path` as JSON, atomically.
// Each value is written in the shortest decimal form that reads back as the
// same double, so a round trip of finite values is exact.
// NOTE: nlohmann::json writes NaN and infinities as null, which
// load_parameters rejects as malformed.
void save_parameters(const std::filesystem::path& path, const autodiff::ParameterList& parameters);

// Reads a file written by save_parameters into `parameters`, matched by
// position. Throws std::runtime_error naming the file when it is missing or
// malformed, and when a name, a shape or the parameter count differs. When
// it throws, every parameter keeps its value.
void load_parameters(const std::filesystem::path& path, const autodiff::ParameterList& parameters);

}  // namespace nn
