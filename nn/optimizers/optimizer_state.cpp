#include "nn/optimizers/optimizer_state.hpp"

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nn/optimizers/adam.hpp"
#include "nn/optimizers/sgd.hpp"

namespace nn {
namespace {

nlohmann::json arrays_to_json(std::span<const autodiff::Matrix> arrays) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& array : arrays) {
    list.push_back(std::vector<double>(array.begin(), array.end()));
  }
  return list;
}

void restore_arrays(std::span<autodiff::Matrix> arrays, const nlohmann::json& list,
                    const char* what) {
  if (!list.is_array() || list.size() != arrays.size()) {
    throw std::invalid_argument(std::string("optimizer state: expected ") +
                                std::to_string(arrays.size()) + " " + what +
                                " arrays, the checkpoint has " +
                                std::to_string(list.is_array() ? list.size() : 0));
  }
  for (std::size_t k = 0; k < arrays.size(); ++k) {
    const auto values = list[k].get<std::vector<double>>();
    if (values.size() != arrays[k].size()) {
      throw std::invalid_argument(std::string("optimizer state: ") + what + " array " +
                                  std::to_string(k) + " has " + std::to_string(values.size()) +
                                  " values, the parameter has " +
                                  std::to_string(arrays[k].size()));
    }
    std::copy(values.begin(), values.end(), arrays[k].begin());
  }
}

}  // namespace

nlohmann::json optimizer_state_to_json(const Optimizer& optimizer) {
  if (const auto* sgd = dynamic_cast<const Sgd*>(&optimizer)) {
    return {{"type", "sgd"}, {"velocities", arrays_to_json(sgd->velocities())}};
  }
  if (const auto* adam = dynamic_cast<const Adam*>(&optimizer)) {
    return {{"type", "adam"},
            {"first_moments", arrays_to_json(adam->first_moments())},
            {"second_moments", arrays_to_json(adam->second_moments())},
            {"steps", adam->step_count()}};
  }
  throw std::invalid_argument("optimizer_state_to_json: only Sgd and Adam can be checkpointed");
}

void restore_optimizer_state(Optimizer& optimizer, const nlohmann::json& state) {
  const std::string type = state.at("type").get<std::string>();

  if (auto* sgd = dynamic_cast<Sgd*>(&optimizer)) {
    if (type != "sgd") {
      throw std::invalid_argument("optimizer state: the checkpoint contains a '" + type +
                                  "' state for an SGD optimizer");
    }
    restore_arrays(sgd->velocities(), state.at("velocities"), "velocity");
    return;
  }
  if (auto* adam = dynamic_cast<Adam*>(&optimizer)) {
    if (type != "adam") {
      throw std::invalid_argument("optimizer state: the checkpoint contains a '" + type +
                                  "' state for an Adam optimizer");
    }
    restore_arrays(adam->first_moments(), state.at("first_moments"), "first moment");
    restore_arrays(adam->second_moments(), state.at("second_moments"), "second moment");
    adam->set_step_count(state.at("steps").get<std::uint64_t>());
    return;
  }
  throw std::invalid_argument("restore_optimizer_state: only Sgd and Adam can be checkpointed");
}

}  // namespace nn
