#include "experiments/toy/toy_config.hpp"

#include <stdexcept>

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
          {"checkpoint_every", config.checkpoint_every}};
}

void add_options(CLI::App& app, Config& config) {
  app.add_option("--lambda", config.lambda, "weight lambda of L_r in L_f - lambda L_r (>= 0)")
      ->check(experiments::non_negative_number())
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
      ->check(experiments::positive_number())
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
  app.add_option("--out", config.out, "output folder, created by the run")->capture_default_str();
  app.add_flag("--overwrite", config.overwrite,
               "replace the output folder and any checkpoint of an earlier run");
  app.add_option("--checkpoint-every", config.checkpoint_every,
                 "save a checkpoint every N epochs or iterations into <out>.checkpoint "
                 "(0: never)")
      ->transform(experiments::non_negative_integer())
      ->capture_default_str();
  app.add_option("--resume", config.resume,
                 "continue the interrupted run whose checkpoint folder is DIR, with the "
                 "configuration saved there; give no other option");
}

Config config_from_json(const nlohmann::json& document) {
  Config config;
  try {
    config.lambda = document.at("lambda").get<double>();
    config.iterations = document.at("iterations").get<std::size_t>();
    config.adversary_steps = document.at("adversary_steps").get<std::size_t>();
    config.batch_size = document.at("batch_size").get<std::size_t>();
    config.pretrain_classifier_epochs = document.at("pretrain_classifier_epochs").get<std::size_t>();
    config.pretrain_adversary_epochs = document.at("pretrain_adversary_epochs").get<std::size_t>();
    config.pretrain_batch_size = document.at("pretrain_batch_size").get<std::size_t>();
    config.learning_rate = document.at("learning_rate").get<double>();
    config.samples = document.at("samples").get<std::size_t>();
    config.validation_samples = document.at("validation_samples").get<std::size_t>();
    config.density_samples = document.at("density_samples").get<std::size_t>();
    config.components = document.at("components").get<std::size_t>();
    config.grid_points = document.at("grid_points").get<std::size_t>();
    config.variant = document.at("variant").get<std::string>();
    config.seed = document.at("seed").get<std::uint64_t>();
    config.out = document.at("out").get<std::string>();
    config.checkpoint_every = document.at("checkpoint_every").get<std::size_t>();
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(std::string("the saved configuration is malformed: ") + error.what());
  }
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
