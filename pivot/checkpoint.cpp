#include "pivot/checkpoint.hpp"

#include <fstream>
#include <stdexcept>

#include "nn/io/atomic_file.hpp"
#include "nn/io/parameters_io.hpp"
#include "nn/optimizers/optimizer_state.hpp"

namespace pivot {
namespace {

constexpr int checkpoint_version = 1;

}  // namespace

void save_checkpoint(const std::filesystem::path& file, const RunPosition& position,
                     const TrainingObjects& objects) {
  nlohmann::json document;
  document["version"] = checkpoint_version;
  document["phase"] = position.phase;
  document["completed"] = position.completed;
  document["extra"] = position.extra;

  nlohmann::json history = nlohmann::json::array();
  for (const auto& record : position.history) {
    history.push_back({record.iteration, record.validation.L_f, record.validation.L_r,
                       record.validation.value});
  }
  document["history"] = history;

  for (const auto& [name, parameters] : objects.parameters) {
    document["parameters"][name] = nn::parameters_to_json(parameters);
  }
  for (const auto& [name, optimizer] : objects.optimizers) {
    document["optimizers"][name] = nn::optimizer_state_to_json(*optimizer);
  }
  if (objects.rng != nullptr) {
    document["rng"] = objects.rng->state();
  }

  nn::write_file_atomically(file, document.dump() + "\n");
}

RunPosition load_checkpoint(const std::filesystem::path& file, const TrainingObjects& objects) {
  std::ifstream in(file);
  if (!in) {
    throw std::runtime_error("checkpoint '" + file.string() + "' not found; pass the folder "
                             "of an interrupted run to --resume");
  }

  try {
    const nlohmann::json document = nlohmann::json::parse(in);
    if (document.at("version").get<int>() != checkpoint_version) {
      throw std::runtime_error("unsupported version " + document.at("version").dump());
    }

    for (const auto& [name, parameters] : objects.parameters) {
      try {
        nn::parameters_from_json(document.at("parameters").at(name), parameters);
      } catch (const std::runtime_error& error) {
        throw std::runtime_error("parameter group '" + name + "': " + error.what());
      }
    }
    for (const auto& [name, optimizer] : objects.optimizers) {
      nn::restore_optimizer_state(*optimizer, document.at("optimizers").at(name));
    }
    if (objects.rng != nullptr) {
      objects.rng->restore(document.at("rng").get<std::string>());
    }

    RunPosition position;
    position.phase = document.at("phase").get<std::string>();
    position.completed = document.at("completed").get<std::size_t>();
    position.extra = document.at("extra");
    for (const auto& entry : document.at("history")) {
      position.history.push_back(
          {entry.at(0).get<std::size_t>(),
           {entry.at(1).get<double>(), entry.at(2).get<double>(), entry.at(3).get<double>()}});
    }
    return position;
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error("checkpoint '" + file.string() + "' is malformed: " + error.what());
  } catch (const std::exception& error) {
    throw std::runtime_error("checkpoint '" + file.string() + "': " + error.what());
  }
}

}  // namespace pivot
