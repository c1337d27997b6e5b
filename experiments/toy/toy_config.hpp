#pragma once

// The toy experiment's configuration: its command-line options, their
// defaults (the settings of Louppe, Kagan and Cranmer, NeurIPS 2017) and its JSON form for summaries and
// checkpoints.

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace toy {

struct Config {
  double lambda = 50.0;
  std::size_t iterations = 200;
  std::size_t adversary_steps = 500;
  std::size_t batch_size = 128;
  std::size_t pretrain_classifier_epochs = 50;
  std::size_t pretrain_adversary_epochs = 20;
  std::size_t pretrain_batch_size = 32;
  double learning_rate = 0.01;
  std::size_t samples = 125000;
  std::size_t validation_samples = 50000;
  std::size_t density_samples = 200000;
  std::size_t components = 5;
  std::size_t grid_points = 101;
  std::string variant = "alternating";
  std::uint64_t seed = 1;
  std::string out = "results/toy";
  bool overwrite = false;
  std::size_t checkpoint_every = 0;  // 0: no checkpoints
  std::string resume;                // checkpoint folder of an interrupted run
  std::size_t threads = 2;           // 2: f's forward passes run on a second thread
};

// The configuration as JSON (all fields but overwrite and resume).
nlohmann::json to_json(const Config& config);

// Reads a configuration written by to_json and checks it as add_options and
// check_consistency check the command line. Throws std::invalid_argument
// naming the missing or wrong key, or with the option's message for a value
// out of range.
Config config_from_json(const nlohmann::json& document);

// Declares every option on `app`, with its unit and default.
void add_options(CLI::App& app, Config& config);

// Throws std::invalid_argument when options contradict each other.
void check_consistency(const Config& config);

}  // namespace toy
