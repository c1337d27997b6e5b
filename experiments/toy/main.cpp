// The toy example of adversarial pivoting, with the settings of Louppe, Kagan
// and Cranmer (NeurIPS 2017, section 5.1) as defaults: pretrain a classifier,
// pretrain a mixture density adversary, then train both adversarially, and
// compare the plain and the pivoted classifier.
//
// This program is also the template for users' own experiment programs: parse
// options, log the configuration, run the phases with progress, print and
// save metrics.

#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "autodiff/ops/linalg.hpp"
#include "experiments/common/progress.hpp"
#include "experiments/common/result_folder.hpp"
#include "experiments/toy/toy_outputs.hpp"
#include "experiments/toy/toy_problem.hpp"
#include "nn/data/split.hpp"
#include "nn/io/atomic_file.hpp"
#include "nn/io/parameters_io.hpp"
#include "nn/layers/sequential.hpp"
#include "nn/optimizers/sgd.hpp"
#include "pivot/classifier.hpp"
#include "pivot/mixture_density_adversary.hpp"
#include "pivot/trainer.hpp"

namespace {

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
};

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
          {"out", config.out}};
}

void add_options(CLI::App& app, Config& config) {
  app.add_option("--lambda", config.lambda, "weight lambda of L_r in L_f - lambda L_r (>= 0)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--iterations", config.iterations, "adversarial iterations T")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--adversary-steps", config.adversary_steps,
                 "adversary steps K per classifier step")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--batch-size", config.batch_size, "minibatch size M of the adversarial phase, "
                 "in samples")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--pretrain-classifier-epochs", config.pretrain_classifier_epochs,
                 "epochs of classifier pretraining")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--pretrain-adversary-epochs", config.pretrain_adversary_epochs,
                 "epochs of adversary pretraining")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--pretrain-batch-size", config.pretrain_batch_size,
                 "minibatch size of both pretraining phases, in samples")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--learning-rate", config.learning_rate,
                 "SGD learning rate of every phase (no momentum)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--samples", config.samples, "generated samples, training plus validation")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--validation-samples", config.validation_samples,
                 "samples held out for validation")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--density-samples", config.density_samples,
                 "samples per nuisance value Z = -1, 0, +1 for the score densities and KS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--components", config.components,
                 "Gaussian components of the mixture density adversary")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--grid-points", config.grid_points,
                 "decision surface grid points per axis")
      ->check(CLI::Range(2, 2001))
      ->capture_default_str();
  app.add_option("--variant", config.variant,
                 "adversarial algorithm: alternating (K adversary steps, then one classifier "
                 "step) or simultaneous (gradient reversal, both players every step)")
      ->check(CLI::IsMember({"alternating", "simultaneous"}))
      ->capture_default_str();
  app.add_option("--seed", config.seed, "seed of the run's random generator")
      ->capture_default_str();
  app.add_option("--out", config.out, "output folder, created by the run")->capture_default_str();
  app.add_flag("--overwrite", config.overwrite, "replace the output folder if it exists");
}

void check_consistency(const Config& config) {
  if (config.validation_samples >= config.samples) {
    throw std::invalid_argument("--validation-samples (" +
                                std::to_string(config.validation_samples) +
                                ") must be smaller than --samples (" +
                                std::to_string(config.samples) + ")");
  }
  const std::size_t training = config.samples - config.validation_samples;
  if (config.batch_size > training || config.pretrain_batch_size > training) {
    throw std::invalid_argument("--batch-size and --pretrain-batch-size must not exceed the " +
                                std::to_string(training) + " training samples");
  }
}

int run(const Config& config, experiments::ResultFolder& folder) {
  autodiff::set_blas_threads(1);
  std::printf("toy: %s\n", to_json(config).dump().c_str());
  std::printf("toy: seed %llu\n", static_cast<unsigned long long>(config.seed));
  nn::Rng rng(config.seed);
  experiments::Stopwatch total_time;
  nlohmann::json seconds;

  // Data: one training/validation sample and fixed-Z samples for densities.
  experiments::Stopwatch phase_time;
  const nn::Dataset data = toy::generate(config.samples, rng);
  const auto [train, validation] = nn::split_train_validation(data, config.validation_samples, rng);
  toy::NuisanceSamples nuisance_samples;
  for (const double z : {-1.0, 0.0, 1.0}) {
    nuisance_samples.z_values.push_back(z);
    nuisance_samples.datasets.push_back(toy::generate_at(config.density_samples, z, rng));
  }
  seconds["data"] = phase_time.seconds();

  // Players: f is 2 -> 20 tanh -> 20 ReLU -> 1 logit, r a mixture density network.
  pivot::Classifier classifier(nn::make_mlp(
      2, {{20, nn::ActivationKind::tanh}, {20, nn::ActivationKind::relu}}, 1,
      nn::ActivationKind::identity, rng, "classifier"));
  pivot::MixtureDensityOptions adversary_options;
  adversary_options.components = config.components;
  pivot::MixtureDensityAdversary adversary(adversary_options, rng);
  std::printf("toy: classifier %s\ntoy: adversary %s\n", classifier.describe().c_str(),
              adversary.describe().c_str());

  pivot::PivotTrainer trainer(classifier, adversary, rng);
  trainer.set_progress_callback(experiments::ProgressPrinter(5));
  nn::Sgd classifier_optimizer(classifier.parameters(), {config.learning_rate});
  nn::Sgd adversary_optimizer(adversary.parameters(), {config.learning_rate});

  phase_time.restart();
  trainer.pretrain_classifier(train, {config.pretrain_classifier_epochs, config.pretrain_batch_size},
                              classifier_optimizer);
  seconds["pretrain_classifier"] = phase_time.seconds();

  phase_time.restart();
  trainer.pretrain_adversary(train, {config.pretrain_adversary_epochs, config.pretrain_batch_size},
                             adversary_optimizer);
  seconds["pretrain_adversary"] = phase_time.seconds();

  const toy::SurfaceGrid grid{config.grid_points};
  const toy::ClassifierReport plain =
      toy::measure(classifier, trainer, validation, nuisance_samples, grid, config.lambda);
  std::printf("toy: plain classifier: L_f %.4f  L_r %.4f  AUC %.4f  KS %.4f\n",
              plain.validation.L_f, plain.validation.L_r, plain.auc, plain.ks);
  nn::save_parameters(folder.path() / "classifier_plain.json", classifier.parameters());
  nn::save_parameters(folder.path() / "adversary_pretrained.json", adversary.parameters());

  // The adversarial phase, with fresh optimizer state for both players.
  phase_time.restart();
  nn::Sgd classifier_adversarial(classifier.parameters(), {config.learning_rate});
  nn::Sgd adversary_adversarial(adversary.parameters(), {config.learning_rate});
  const pivot::AdversarialOptions adversarial{config.lambda, config.iterations,
                                              config.adversary_steps, config.batch_size};
  trainer.set_progress_callback(experiments::ProgressPrinter(10));
  const auto history =
      config.variant == "alternating"
          ? trainer.train_alternating(train, validation, adversarial, classifier_adversarial,
                                      adversary_adversarial)
          : trainer.train_simultaneous(train, validation, adversarial, classifier_adversarial,
                                       adversary_adversarial);
  seconds["adversarial"] = phase_time.seconds();

  const toy::ClassifierReport pivoted =
      toy::measure(classifier, trainer, validation, nuisance_samples, grid, config.lambda);
  std::printf("toy: pivoted classifier: L_f %.4f  L_r %.4f  AUC %.4f  KS %.4f\n",
              pivoted.validation.L_f, pivoted.validation.L_r, pivoted.auc, pivoted.ks);
  std::printf("toy: H(Z) = %.4f\n", toy::nuisance_entropy());

  // Outputs, each written atomically into the partial folder.
  nn::save_parameters(folder.path() / "classifier_pivot.json", classifier.parameters());
  nn::save_parameters(folder.path() / "adversary_pivot.json", adversary.parameters());
  toy::write_training_curves(folder.path(), plain.validation, history);
  toy::write_histograms(folder.path(), nuisance_samples, plain, pivoted);
  toy::write_surface(folder.path(), "plain", grid, plain);
  toy::write_surface(folder.path(), "pivot", grid, pivoted);

  seconds["total"] = total_time.seconds();
  const nlohmann::json summary = {{"config", to_json(config)},
                                  {"seed", config.seed},
                                  {"H_Z", toy::nuisance_entropy()},
                                  {"min_L_f", plain.validation.L_f},
                                  {"plain", toy::to_json(plain)},
                                  {"pivot", toy::to_json(pivoted)},
                                  {"seconds", seconds}};
  nn::write_file_atomically(folder.path() / "summary.json", summary.dump(2) + "\n");
  folder.commit();

  std::printf("toy: total %.1f s; results in %s\n", seconds["total"].get<double>(),
              config.out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // keep log lines in order with stderr's progress
  Config config;
  CLI::App app{"Reproduce the toy example of adversarial pivoting (Louppe, Kagan and Cranmer, "
               "NeurIPS 2017): defaults are the paper's settings."};
  add_options(app, config);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& error) {
    std::fprintf(stderr, "toy: error: %s; see --help\n", error.what());
    return 2;
  }

  std::unique_ptr<experiments::ResultFolder> folder;
  try {
    check_consistency(config);
    folder = std::make_unique<experiments::ResultFolder>(config.out, config.overwrite);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "toy: error: %s\n", error.what());
    return 2;
  }

  try {
    return run(config, *folder);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "toy: run failed: %s\n", error.what());
    return 1;
  }
}
