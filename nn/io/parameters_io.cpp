#include "nn/io/parameters_io.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/io/atomic_file.hpp"

namespace nn {

nlohmann::json parameters_to_json(const autodiff::ParameterList& parameters) {
  nlohmann::json document = nlohmann::json::array();
  for (const autodiff::Parameter* parameter : parameters) {
    document.push_back({{"name", parameter->name},
                        {"shape", {parameter->value.shape(0), parameter->value.shape(1)}},
                        {"values", std::vector<double>(parameter->value.begin(),
                                                       parameter->value.end())}});
  }
  return document;
}

void parameters_from_json(const nlohmann::json& document, const autodiff::ParameterList& parameters) {
  if (!document.is_array()) {
    throw std::runtime_error("the document is not a JSON array of parameters but a JSON " +
                             std::string(document.type_name()) +
                             "; load a file written by save_parameters");
  }
  if (document.size() != parameters.size()) {
    throw std::runtime_error("the document contains " + std::to_string(document.size()) +
                             " parameters, the model has " + std::to_string(parameters.size()));
  }

  std::vector<std::vector<double>> loaded(parameters.size());
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    const autodiff::Parameter& parameter = *parameters[k];
    try {
      const auto& entry = document[k];
      const std::string name = entry.at("name").get<std::string>();
      const auto shape = entry.at("shape").get<std::array<std::size_t, 2>>();
      loaded[k] = entry.at("values").get<std::vector<double>>();
      if (name != parameter.name || shape != autodiff::shape_of(parameter.value)) {
        throw std::runtime_error("entry " + std::to_string(k) + " is '" + name + "' " +
                                 autodiff::to_string(shape) + ", the model expects '" +
                                 parameter.name + "' " +
                                 autodiff::to_string(autodiff::shape_of(parameter.value)));
      }
      if (loaded[k].size() != parameter.value.size()) {
        throw std::runtime_error("entry " + std::to_string(k) + " ('" + name + "' " +
                                 autodiff::to_string(shape) + ") has " +
                                 std::to_string(loaded[k].size()) + " values, expected " +
                                 std::to_string(parameter.value.size()));
      }
    } catch (const nlohmann::json::exception& error) {
      throw std::runtime_error("entry " + std::to_string(k) + " is malformed: " + error.what());
    }
  }

  for (std::size_t k = 0; k < parameters.size(); ++k) {
    std::copy(loaded[k].begin(), loaded[k].end(), parameters[k]->value.begin());
  }
}

void save_parameters(const std::filesystem::path& path, const autodiff::ParameterList& parameters) {
  write_file_atomically(path, parameters_to_json(parameters).dump(1) + "\n");
}

void load_parameters(const std::filesystem::path& path, const autodiff::ParameterList& parameters) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot read parameters: '" + path.string() + "' not found");
  }

  nlohmann::json document;
  try {
    document = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error("'" + path.string() + "' is not valid JSON: " + error.what());
  }

  try {
    parameters_from_json(document, parameters);
  } catch (const std::runtime_error& error) {
    throw std::runtime_error("'" + path.string() + "': " + error.what());
  }
}

}  // namespace nn
