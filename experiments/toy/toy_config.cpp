#include "experiments/toy/toy_config.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "experiments/common/cli_checks.hpp"

namespace toy {

nlohmann::json to_json(const Config& config) {
  return {{"lambda", config.lambda},
          {"iterations", config.iterations},
          {"adversary_steps", config.adversary_steps},
          {"batch_size", config.batch_size},
          {"pretrain_classifier_epochs", config.pretrain_classifier_epochs},
          {"pretrain_adversary_epochs", config.pretrain_adversary_epochs},
          {"pretrain_batch_size", config.pretrain_batch_size},
          {"learning_rate", config.learning_rate},
          {"samples", config.samples},
          {"validation_samples", config.validation_samples},
          {"density_samples", config.density_samples},
          {"components", config.components},
          {"grid_points", config.grid_points},
          {"variant", config.variant},
          {"seed", config.seed},
          {"out", config.out},
          {"checkpoint_every", config.checkpoint_every},
          {"threads", config.threads}};
}

void add_options(CLI::App& app, Config& config) {
  app.add_option("--lambda", config.lambda, "weight lambda of L_r in L_f - lambda L_r (>= 0)")
      ->transform(experiments::non_negative_number())
      ->capture_default_str();
  app.add_option("--iterations", config.iterations, "adversarial iterations T")
      ->transform(experiments::positive_integer())
      ->capture_default_str();
  app.add_option("--adversary-steps", config.adversary_steps,
                 "adversary steps K per classifier step")
      ->transform(experiments::positive_integer())
      ->capture_default_str();
  app.add_option("--batch-size", config.batch_size, "minibatch size M of the adversarial phase, "
                 "in samples")
      ->transform(experiments::positive_integer())
      ->capture_default_str();
  app.add_option("--pretrain-classifier-epochs", config.pretrain_classifier_epochs,
                 "epochs of classifier pretraining")
      ->transform(experiments::positive_integer())
      ->capture_default_str();
  app.add_option("--pretrain-adversary-epochs", config.pretrain_adversary_epochs,
                 "epochs of adversary pretraining")
      ->transform(experiments::positive_integer())
      ->capture_default_str();
  app.add_option("--pretrain-batch-size", config.pretrain_batch_size,
                 "minibatch size of both pretraining phases, in samples")
      ->transform(experiments::positive_integer())
      ->capture_default_str();
  app.add_option("--learning-rate", config.learning_rate,
                 "SGD learning rate of every phase (no momentum)")
      ->transform(experiments::positive_number())
      ->capture_default_str();
  app.add_option("--samples", config.samples, "generated samples, training plus validation")
      ->transform(experiments::positive_integer())
      ->capture_default_str();
  app.add_option("--validation-samples", config.validation_samples,
                 "samples held out for validation")
      ->transform(experiments::positive_integer())
      ->capture_default_str();
  app.add_option("--density-samples", config.density_samples,
                 "samples per nuisance value Z = -1, 0, +1 for the score densities and KS")
      ->transform(experiments::positive_integer())
      ->capture_default_str();
  app.add_option("--components", config.components,
                 "Gaussian components of the mixture density adversary")
      ->transform(experiments::positive_integer())
      ->capture_default_str();
  app.add_option("--grid-points", config.grid_points,
                 "decision surface grid points per axis")
      ->transform(experiments::unsigned_integer(2, 2001))
      ->capture_default_str();
  app.add_option("--variant", config.variant,
                 "adversarial algorithm: alternating (K adversary steps, then one classifier "
                 "step) or simultaneous (gradient reversal, both players every step)")
      ->check(CLI::IsMember({"alternating", "simultaneous"}))
      ->capture_default_str();
  app.add_option("--seed", config.seed, "seed of the run's random generator")
      ->transform(experiments::non_negative_integer())
      ->capture_default_str();
  app.add_option("--out", config.out,
                 "output folder, created by the run; a relative path is relative to the "
                 "current folder")
      ->type_name("DIR")
      ->capture_default_str();
  app.add_flag("--overwrite", config.overwrite,
               "replace the output folder of an earlier run (a folder with summary.json, or an "
               "empty one; other folders and files are never replaced) and start over instead "
               "of continuing the checkpoint in <out>.checkpoint");
  app.add_option("--checkpoint-every", config.checkpoint_every,
                 "save a checkpoint every N epochs or iterations into <out>.checkpoint "
                 "(0: never)")
      ->transform(experiments::non_negative_integer())
      ->capture_default_str();
  app.add_option("--resume", config.resume,
                 "continue the interrupted run whose checkpoint folder is DIR: read the "
                 "configuration and the training state from DIR/checkpoint.json, save later "
                 "checkpoints there and write the results to the --out saved in it; give no "
                 "other option but --threads")
      ->type_name("DIR");
  app.add_option("--threads", config.threads,
                 "threads of the training loop: 2 runs f's forward passes for the adversary's "
                 "minibatches and for validation on a second thread, with the same results "
                 "as 1")
      ->transform(experiments::unsigned_integer(1, 2))
      ->capture_default_str();
}

Config config_from_json(const nlohmann::json& document) {
  if (!document.is_object()) {
    throw std::invalid_argument("the saved configuration is " + document.dump() +
                                ", not a JSON object");
  }

  // Each saved value becomes "--key=value" and goes through the options of
  // the command line, so that it gets the same range checks and messages.
  // The "=" form keeps a value that starts with '-' from reading as an option.
  const nlohmann::json defaults = to_json(Config{});
  std::vector<std::string> arguments = {"toy"};
  for (const auto& [key, default_value] : defaults.items()) {
    // Checkpoints saved before --threads existed lack it; the default applies.
    if (!document.contains(key) && key == "threads") {
      continue;
    }
    if (!document.contains(key)) {
      throw std::invalid_argument("the saved configuration has no '" + key + "'");
    }
    const nlohmann::json& value = document.at(key);
    const bool text = default_value.is_string();
    if (text ? !value.is_string() : !value.is_number()) {
      throw std::invalid_argument("the saved '" + key + "' is " + value.dump() + ", but it " +
                                  "must be a " + (text ? "string" : "number"));
    }
    // CLI11 2.1 reads "--key=" as "--key" and takes the next argument as
    // the value, so an empty text cannot go through the options.
    if (text && value.get<std::string>().empty()) {
      throw std::invalid_argument("the saved '" + key + "' is empty");
    }
    std::string option = "--" + key;
    std::replace(option.begin(), option.end(), '_', '-');
    arguments.push_back(option + "=" + (text ? value.get<std::string>() : value.dump()));
  }

  Config config;
  CLI::App app;
  add_options(app, config);
  std::vector<const char*> argv;
  for (const std::string& argument : arguments) {
    argv.push_back(argument.c_str());
  }
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& error) {
    throw std::invalid_argument(experiments::describe_parse_error(app, error));
  }
  check_consistency(config);
  return config;
}

void check_consistency(const Config& config) {
  if (config.validation_samples >= config.samples) {
    throw std::invalid_argument("--validation-samples (" +
                                std::to_string(config.validation_samples) +
                                ") must be smaller than --samples (" +
                                std::to_string(config.samples) + ")");
  }
  const std::size_t training = config.samples - config.validation_samples;
  if (config.batch_size > training) {
    throw std::invalid_argument("--batch-size (" + std::to_string(config.batch_size) +
                                ") must not exceed the " + std::to_string(training) +
                                " training samples");
  }
  if (config.pretrain_batch_size > training) {
    throw std::invalid_argument("--pretrain-batch-size (" +
                                std::to_string(config.pretrain_batch_size) +
                                ") must not exceed the " + std::to_string(training) +
                                " training samples");
  }
}

}  // namespace toy
