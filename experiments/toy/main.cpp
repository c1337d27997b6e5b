// The toy example of adversarial pivoting, with the settings of Louppe, Kagan
// and Cranmer (NeurIPS 2017, section 5.1) as defaults: pretrain a classifier,
// pretrain a mixture density adversary, then train both adversarially, and
// compare the plain and the pivoted classifier.
//
// This program is also the template for users' own experiment programs: parse
// options, log the configuration, run the phases with progress and
// checkpoints, print and save metrics.

#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "autodiff/matrix.hpp"
#include "autodiff/ops/linalg.hpp"
#include "experiments/common/cli_checks.hpp"
#include "experiments/common/progress.hpp"
#include "experiments/common/result_folder.hpp"
#include "experiments/toy/toy_config.hpp"
#include "experiments/toy/toy_outputs.hpp"
#include "experiments/toy/toy_problem.hpp"
#include "nn/data/split.hpp"
#include "nn/io/atomic_file.hpp"
#include "nn/io/parameters_io.hpp"
#include "nn/layers/sequential.hpp"
#include "nn/optimizers/sgd.hpp"
#include "pivot/checkpoint.hpp"
#include "pivot/classifier.hpp"
#include "pivot/mixture_density_adversary.hpp"
#include "pivot/trainer.hpp"

namespace {

// The phases in run order; a checkpoint names the one it was taken in.
constexpr const char* phase_order[] = {"pretrain classifier", "pretrain adversary",
                                       "adversarial", "simultaneous"};

std::size_t phase_rank(const std::string& phase) {
  for (std::size_t k = 0; k < std::size(phase_order); ++k) {
    if (phase == phase_order[k]) return k;
  }
  throw std::invalid_argument("the checkpoint names an unknown phase '" + phase + "'");
}

// Returns allocate(), or throws std::runtime_error naming the option and the
// value that sized the allocation when it does not fit in memory.
// NOTE: an allocation that Linux overcommits succeeds, and writing it can
// then exhaust memory, which ends the process instead of throwing.
template <typename Allocate>
auto allocate_for_option(const char* option, std::size_t value, Allocate&& allocate) {
  try {
    return allocate();
  } catch (const std::bad_alloc& error) {
    throw std::runtime_error(std::string(option) + " " + std::to_string(value) +
                             ": out of memory (" + error.what() + "); lower " + option);
  }
}

// A checkpoint that cannot continue the run; main() exits with status 2.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The checkpoint folder of a fresh run: "<out>.checkpoint", next to the
// result folder. config.out is normalized, so "out/" gives "out.checkpoint".
std::filesystem::path checkpoint_folder(const toy::Config& config) {
  return std::filesystem::path(config.out + ".checkpoint");
}

// Removes the checkpoint that the run kept in `folder`: checkpoint.json and
// the temporary files of a write that a kill interrupted. The folder itself
// is removed only when nothing else is left in it, because it may be a
// folder that the run did not create.
void remove_checkpoint(const std::filesystem::path& folder) {
  std::error_code error;
  std::filesystem::remove(folder / "checkpoint.json", error);
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (entry.path().filename().string().rfind("checkpoint.json.tmp.", 0) == 0) {
      std::filesystem::remove(entry.path(), error);
    }
  }
  std::filesystem::remove(folder, error);  // fails, as intended, when not empty
}

// Copies of parameter values that a checkpoint can save by name, such as the
// classifier right after pretraining.
struct Snapshot {
  std::vector<autodiff::Parameter> values;

  explicit Snapshot(const autodiff::ParameterList& parameters) {
    for (const auto* parameter : parameters) values.push_back(*parameter);
  }
  void take(const autodiff::ParameterList& parameters) {
    for (std::size_t k = 0; k < parameters.size(); ++k) values[k].value = parameters[k]->value;
  }
  void swap_into(const autodiff::ParameterList& parameters) {
    for (std::size_t k = 0; k < parameters.size(); ++k) {
      std::swap(values[k].value, parameters[k]->value);
    }
  }
  autodiff::ParameterList list() {
    autodiff::ParameterList pointers;
    for (auto& value : values) pointers.push_back(&value);
    return pointers;
  }
};

// Runs the experiment. `checkpoints` is the folder of the checkpoints, which
// a resumed run reads first.
int run(const toy::Config& config, experiments::ResultFolder& folder,
        const std::filesystem::path& checkpoints, bool resuming) {
  autodiff::set_blas_threads(1);
  std::printf("toy: %s\n", toy::to_json(config).dump().c_str());
  std::printf("toy: seed %llu%s; engine precision %s\n",
              static_cast<unsigned long long>(config.seed),
              resuming ? " (resuming from checkpoint)" : "", autodiff::scalar_name);
  nn::Rng rng(config.seed);
  experiments::Stopwatch total_time;
  nlohmann::json seconds;

  // Data: one training/validation sample and fixed-Z samples for densities.
  // A resumed run draws the same data from the seed, then restores the
  // generator's state from the checkpoint.
  experiments::Stopwatch phase_time;
  const nn::Dataset data = allocate_for_option("--samples", config.samples,
                                               [&] { return toy::generate(config.samples, rng); });
  const auto [train, validation] = allocate_for_option("--samples", config.samples, [&] {
    return nn::split_train_validation(data, config.validation_samples, rng);
  });
  toy::NuisanceSamples nuisance_samples;
  for (const double z : {-1.0, 0.0, 1.0}) {
    nuisance_samples.z_values.push_back(z);
    nuisance_samples.datasets.push_back(
        allocate_for_option("--density-samples", config.density_samples,
                            [&] { return toy::generate_at(config.density_samples, z, rng); }));
  }
  seconds["data"] = phase_time.seconds();

  // Players: f is 2 -> 20 tanh -> 20 ReLU -> 1 logit, r a mixture density network.
  pivot::Classifier classifier(nn::make_mlp(
      2, {{20, nn::ActivationKind::tanh}, {20, nn::ActivationKind::relu}}, 1,
      nn::ActivationKind::identity, rng, "classifier"));
  pivot::MixtureDensityOptions adversary_options;
  adversary_options.components = config.components;
  pivot::MixtureDensityAdversary adversary =
      allocate_for_option("--components", config.components,
                          [&] { return pivot::MixtureDensityAdversary(adversary_options, rng); });
  std::printf("toy: classifier %s\ntoy: adversary %s\n", classifier.describe().c_str(),
              adversary.describe().c_str());

  // Plain SGD everywhere, with fresh optimizer state for the adversarial phase.
  const nn::SgdOptions sgd{config.learning_rate};
  nn::Sgd classifier_pretraining(classifier.parameters(), sgd);
  nn::Sgd adversary_pretraining(adversary.parameters(), sgd);
  nn::Sgd classifier_adversarial(classifier.parameters(), sgd);
  nn::Sgd adversary_adversarial(adversary.parameters(), sgd);
  Snapshot plain_classifier(classifier.parameters());
  Snapshot pretrained_adversary(adversary.parameters());

  const pivot::TrainingObjects objects{
      {{"classifier", classifier.parameters()},
       {"adversary", adversary.parameters()},
       {"classifier_plain", plain_classifier.list()},
       {"adversary_pretrained", pretrained_adversary.list()}},
      {{"classifier_pretraining", &classifier_pretraining},
       {"adversary_pretraining", &adversary_pretraining},
       {"classifier_adversarial", &classifier_adversarial},
       {"adversary_adversarial", &adversary_adversarial}},
      &rng};

  pivot::RunPosition position{phase_order[0], 0, {}, {}};
  const std::filesystem::path checkpoint_file = checkpoints / "checkpoint.json";
  if (resuming) {
    try {
      position = pivot::load_checkpoint(checkpoint_file, objects);
    } catch (const std::exception& error) {
      throw CheckpointError(error.what());
    }
    std::printf("toy: resuming '%s' after %zu finished units\n", position.phase.c_str(),
                position.completed);
  }
  // Returns the first unit to run of a phase of `total` units. That is 1 in
  // a fresh run and the unit after the checkpoint in the phase it was taken
  // in. Phases that finished before the checkpoint get total + 1, none left.
  const std::size_t resume_rank = phase_rank(position.phase);
  auto first_unit = [&](const char* phase, std::size_t total) -> std::size_t {
    const std::size_t rank = phase_rank(phase);
    if (rank < resume_rank) return total + 1;
    return rank == resume_rank ? position.completed + 1 : 1;
  };

  // Progress lines, the history, and a checkpoint every N finished units.
  std::vector<pivot::IterationRecord> history = position.history;
  experiments::ProgressPrinter printer(5);
  pivot::PivotTrainer trainer(classifier, adversary, rng);
  trainer.set_background_thread(config.threads == 2);
  trainer.set_progress_callback([&](const pivot::Progress& progress) {
    printer(progress);
    if (progress.record.iteration > 0) history.push_back(progress.record);
    const bool due = config.checkpoint_every > 0 &&
                     (progress.done % config.checkpoint_every == 0 ||
                      progress.done == progress.total);
    if (due) {
      std::filesystem::create_directories(checkpoints);
      pivot::save_checkpoint(checkpoint_file,
                             {progress.phase, progress.done, history,
                              {{"config", toy::to_json(config)},
                               {"precision", autodiff::scalar_name}}},
                             objects);
    }
  });

  phase_time.restart();
  trainer.pretrain_classifier(
      train, {config.pretrain_classifier_epochs, config.pretrain_batch_size},
      classifier_pretraining, first_unit("pretrain classifier", config.pretrain_classifier_epochs));
  seconds["pretrain_classifier"] = phase_time.seconds();

  phase_time.restart();
  trainer.pretrain_adversary(train, {config.pretrain_adversary_epochs, config.pretrain_batch_size},
                             adversary_pretraining,
                             first_unit("pretrain adversary", config.pretrain_adversary_epochs));
  if (phase_rank("pretrain adversary") >= resume_rank) {
    plain_classifier.take(classifier.parameters());
    pretrained_adversary.take(adversary.parameters());
  }
  seconds["pretrain_adversary"] = phase_time.seconds();

  // The plain classifier is measured from its snapshot, so that a run resumed
  // in the adversarial phase reports the same numbers.
  const toy::SurfaceGrid grid{config.grid_points};
  plain_classifier.swap_into(classifier.parameters());
  pretrained_adversary.swap_into(adversary.parameters());
  const toy::ClassifierReport plain =
      toy::measure(classifier, trainer, validation, nuisance_samples, grid, config.lambda);
  plain_classifier.swap_into(classifier.parameters());
  pretrained_adversary.swap_into(adversary.parameters());
  std::printf("toy: plain classifier: L_f %.4f  L_r %.4f  AUC %.4f  KS %.4f\n",
              plain.validation.L_f, plain.validation.L_r, plain.auc, plain.ks);

  phase_time.restart();
  printer = experiments::ProgressPrinter(10);
  const pivot::AdversarialOptions adversarial{config.lambda, config.iterations,
                                              config.adversary_steps, config.batch_size};
  if (config.variant == "alternating") {
    trainer.train_alternating(train, validation, adversarial, classifier_adversarial,
                              adversary_adversarial, first_unit("adversarial", config.iterations));
  } else {
    trainer.train_simultaneous(train, validation, adversarial, classifier_adversarial,
                               adversary_adversarial,
                               first_unit("simultaneous", config.iterations));
  }
  seconds["adversarial"] = phase_time.seconds();

  const toy::ClassifierReport pivoted =
      toy::measure(classifier, trainer, validation, nuisance_samples, grid, config.lambda);
  std::printf("toy: pivoted classifier: L_f %.4f  L_r %.4f  AUC %.4f  KS %.4f\n",
              pivoted.validation.L_f, pivoted.validation.L_r, pivoted.auc, pivoted.ks);
  std::printf("toy: H(Z) = %.4f\n", toy::nuisance_entropy());

  // Outputs, each written atomically into the partial folder, which becomes
  // the result folder only when everything is written.
  nn::save_parameters(folder.path() / "classifier_plain.json", plain_classifier.list());
  nn::save_parameters(folder.path() / "adversary_pretrained.json", pretrained_adversary.list());
  nn::save_parameters(folder.path() / "classifier_pivot.json", classifier.parameters());
  nn::save_parameters(folder.path() / "adversary_pivot.json", adversary.parameters());
  toy::write_training_curves(folder.path(), plain.validation, history);
  toy::write_histograms(folder.path(), nuisance_samples, plain, pivoted);
  toy::write_surface(folder.path(), "plain", grid, plain);
  toy::write_surface(folder.path(), "pivot", grid, pivoted);

  // NOTE: "seconds" is the only part of summary.json that differs between two
  // runs with the same seed, and in a resumed run it counts the last session.
  seconds["total"] = total_time.seconds();
  const nlohmann::json summary = {{"config", toy::to_json(config)},
                                  {"seed", config.seed},
                                  {"precision", autodiff::scalar_name},
                                  {"H_Z", toy::nuisance_entropy()},
                                  {"min_L_f", plain.validation.L_f},
                                  {"plain", toy::to_json(plain)},
                                  {"pivot", toy::to_json(pivoted)},
                                  {"seconds", seconds}};
  nn::write_file_atomically(folder.path() / "summary.json", summary.dump(2) + "\n");
  folder.commit();
  remove_checkpoint(checkpoints);

  std::printf("toy: total %.1f s; results in %s\n", seconds["total"].get<double>(),
              config.out.c_str());
  return 0;
}

// Throws std::invalid_argument when `position` cannot come from a run of
// `config`. That is the case when its phase is unknown or is the adversarial
// phase of the other variant, or when more units are finished than the phase
// has. It is also the case when the history is not the iterations 1 to
// `completed` of the adversarial phase, or not empty in a pretraining phase.
void check_position(const pivot::RunPosition& position, const toy::Config& config) {
  const std::size_t rank = phase_rank(position.phase);
  const std::string adversarial_phase =
      config.variant == "alternating" ? "adversarial" : "simultaneous";
  if (rank >= phase_rank("adversarial") && position.phase != adversarial_phase) {
    throw std::invalid_argument("the phase '" + position.phase + "' is not the adversarial "
                                "phase of the variant '" + config.variant + "'");
  }

  const std::size_t units[] = {config.pretrain_classifier_epochs,
                               config.pretrain_adversary_epochs, config.iterations,
                               config.iterations};
  if (position.completed > units[rank]) {
    throw std::invalid_argument("'completed' is " + std::to_string(position.completed) +
                                ", but the phase '" + position.phase + "' has only " +
                                std::to_string(units[rank]) + " units");
  }

  const std::string records = std::to_string(position.history.size());
  if (rank < phase_rank("adversarial") && !position.history.empty()) {
    throw std::invalid_argument("the history has " + records + " records, but it must be empty "
                                "in the pretraining phase '" + position.phase + "'");
  }
  if (rank >= phase_rank("adversarial") && position.history.size() != position.completed) {
    throw std::invalid_argument("the history has " + records + " records, but it needs one "
                                "per finished iteration, and 'completed' is " +
                                std::to_string(position.completed));
  }
  for (std::size_t k = 0; k < position.history.size(); ++k) {
    if (position.history[k].iteration != k + 1) {
      throw std::invalid_argument("history record " + std::to_string(k + 1) +
                                  " is of iteration " +
                                  std::to_string(position.history[k].iteration) +
                                  ", but it must be of iteration " + std::to_string(k + 1));
    }
  }
}

// The configuration and the checkpoint folder of an interrupted run.
struct Resumption {
  toy::Config config;
  std::filesystem::path checkpoints;
};

// Reads the checkpoint in `folder` and checks its configuration as the
// command line is checked, and its position against that configuration.
// Throws std::invalid_argument naming the checkpoint file.
Resumption read_resumption(const std::string& folder) {
  if (folder.empty()) {
    throw std::invalid_argument("--resume: the folder name is empty; pass the <out>.checkpoint "
                                "folder of an interrupted run");
  }
  const std::filesystem::path checkpoints = experiments::normalize_folder(folder, "--resume");
  const std::filesystem::path file = checkpoints / "checkpoint.json";
  if (!std::filesystem::is_regular_file(file)) {
    throw std::invalid_argument("--resume: '" + file.string() + "' not found; pass the "
                                "<out>.checkpoint folder of an interrupted run");
  }

  // No training objects: this reads the position and the configuration only.
  pivot::RunPosition position;
  try {
    position = pivot::load_checkpoint(file, {});
  } catch (const std::exception& error) {
    throw std::invalid_argument(std::string("--resume: ") + error.what());
  }
  const std::string in_file = "--resume: checkpoint '" + file.string() + "' ";
  const std::string fix = "; restore the file, or start the run again with its options and "
                          "--overwrite";
  if (!position.extra.is_object() || !position.extra.contains("config")) {
    throw std::invalid_argument(in_file + "has no 'extra.config', so it was not written by "
                                "the toy program" + fix);
  }
  // Checkpoints from before the float build have no precision: double.
  const nlohmann::json precision = position.extra.value("precision", nlohmann::json("double"));
  if (precision != "double" && precision != "float") {
    throw std::invalid_argument(in_file + "has the invalid precision " + precision.dump() +
                                "; expected \"double\" or \"float\"" + fix);
  }
  if (precision != autodiff::scalar_name) {
    throw std::invalid_argument(in_file + "was written by the " +
                                precision.get<std::string>() +
                                " build of the engine and this is the " +
                                autodiff::scalar_name + " build; resume it with PIVOT_SCALAR=" +
                                precision.get<std::string>() + " ./run toy --resume " +
                                checkpoints.string());
  }
  toy::Config config;
  try {
    config = toy::config_from_json(position.extra.at("config"));
  } catch (const std::invalid_argument& error) {
    throw std::invalid_argument(in_file + "contains an invalid configuration: " +
                                error.what() + fix);
  }
  try {
    check_position(position, config);
  } catch (const std::invalid_argument& error) {
    throw std::invalid_argument(in_file + "does not match its configuration: " + error.what() +
                                fix);
  }
  return {config, checkpoints};
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // keep log lines in order with stderr's progress
  toy::Config config;
  CLI::App app{"Reproduce the toy example of adversarial pivoting (Louppe, Kagan and Cranmer, "
               "NeurIPS 2017): defaults are the paper's settings."};
  toy::add_options(app, config);

  const std::optional<int> status = experiments::parse_command_line(app, argc, argv, "toy");
  if (status) {
    return *status;
  }

  std::unique_ptr<experiments::ResultFolder> folder;
  std::filesystem::path checkpoints;
  const bool resuming = app.count("--resume") > 0;
  try {
    if (resuming) {
      // --threads changes no result, so a run may resume on another core count.
      const bool threads_given = app.count("--threads") > 0;
      std::size_t given = 0;
      for (const CLI::Option* option : app.get_options()) {
        given += option->count() > 0 ? 1 : 0;
      }
      if (given != (threads_given ? 2u : 1u)) {
        throw std::invalid_argument("--resume takes the configuration from the checkpoint; "
                                    "give no other option but --threads");
      }
      const std::size_t threads = config.threads;
      const Resumption resumption = read_resumption(config.resume);
      config = resumption.config;
      if (threads_given) {
        config.threads = threads;
      }
      checkpoints = resumption.checkpoints;
      // A run killed after writing its results but before removing its
      // checkpoint is resumed into the same, identical results.
      config.overwrite = true;
    }
    // An absolute --out, saved in checkpoints, lets a run resume from any
    // working folder.
    config.out = experiments::normalize_folder(config.out, "--out").string();
    if (!resuming) {
      checkpoints = checkpoint_folder(config);
      if (std::filesystem::exists(checkpoints / "checkpoint.json") && !config.overwrite) {
        throw std::invalid_argument("'" + checkpoints.string() +
                                    "' holds the checkpoint of an interrupted run; continue it "
                                    "with --resume " + checkpoints.string() +
                                    " or pass --overwrite to start over");
      }
    }
    if (std::filesystem::exists(std::filesystem::symlink_status(checkpoints)) &&
        !std::filesystem::is_directory(checkpoints)) {
      throw std::invalid_argument("'" + checkpoints.string() + "' exists and is not a folder, "
                                  "but the run keeps its checkpoints there; remove or rename "
                                  "it, or choose another --out");
    }
    toy::check_consistency(config);
    folder = std::make_unique<experiments::ResultFolder>(config.out, config.overwrite);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "toy: error: %s\n", error.what());
    return 2;
  }

  try {
    return run(config, *folder, checkpoints, resuming);
  } catch (const CheckpointError& error) {
    std::fprintf(stderr, "toy: error: --resume: %s\n", error.what());
    return 2;
  } catch (const std::exception& error) {
    // allocate_for_option names the option for the data sets; a later
    // allocation failure, on the validation set for instance, names none.
    const std::string message =
        dynamic_cast<const std::bad_alloc*>(&error) != nullptr
            ? "out of memory (" + std::string(error.what()) +
                  "); lower --samples, --validation-samples or --density-samples"
            : error.what();
    std::fprintf(stderr, "toy: run failed: %s\n", message.c_str());
    if (std::filesystem::exists(checkpoints / "checkpoint.json")) {
      std::fprintf(stderr, "toy: the last checkpoint stays in %s\n", checkpoints.string().c_str());
    }
    return 1;
  }
}
