// The jet-tagging study of adversarial pivoting (Louppe, Kagan and Cranmer,
// NeurIPS 2017, section 5.2): W against QCD jets with pileup as a categorical
// nuisance. For each lambda in {0 trained on Z = 0 only, 0, 1, 10, 500} and
// several seeds, train a classifier against a categorical adversary on the
// background, then compare the approximate median significance (AMS) of
// cuts on its score.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "autodiff/matrix.hpp"
#include "autodiff/ops/linalg.hpp"
#include "experiments/common/cli_checks.hpp"
#include "experiments/common/progress.hpp"
#include "experiments/common/result_folder.hpp"
#include "experiments/physics/data/cache.hpp"
#include "experiments/physics/study.hpp"
#include "nn/data/split.hpp"
#include "nn/data/standardizer.hpp"
#include "nn/io/atomic_file.hpp"
#include "pivot/categorical_adversary.hpp"
#include "pivot/metrics.hpp"

namespace {

struct Config {
  std::string preset = "quick";
  std::size_t train_samples = 0;
  std::size_t validation_samples = 0;
  std::size_t test_samples = 0;
  std::size_t seeds = 5;
  std::size_t jobs = 2;
  std::uint64_t data_seed = 1;
  std::string cache = "results/cache/jets";
  std::string out = "results/physics";
  bool overwrite = false;
  physics::StudySettings settings;
};

// One entry of the lambda scan.
struct Variant {
  std::string label;
  double lambda;
  bool nuisance_free;
};

const std::vector<Variant> variants = {{"lambda=0, Z=0 only", 0.0, true},
                                       {"lambda=0", 0.0, false},
                                       {"lambda=1", 1.0, false},
                                       {"lambda=10", 10.0, false},
                                       {"lambda=500", 500.0, false}};

// Upper bounds of the options, checked while parsing, before any jet is
// simulated.
constexpr std::size_t max_seeds = 1000;  // 5 variants x 1000 seeds = 5000 runs
// Keeps width^2 far from overflowing 64 bits. Memory runs out long before:
// at 65536 units, each [width, width] weight matrix of f and r takes 32 GiB.
constexpr std::size_t max_hidden_units = 65536;
// Training, validation and test jets together, 48 times the paper preset. A
// jet takes 9 doubles (6 features, y, z, weight), 72 bytes, in each copy of
// the data set, and the program keeps several copies: the simulated set, the
// split and standardized parts, and a training set per running job. With
// --jobs 2, the peak resident memory grew by about 660 bytes per jet (61 MB
// at 20000 training jets, 100 MB at 80000, /usr/bin/time on a 2-core AMD
// EPYC), so 10^7 jets need about 7 GB.
// NOTE: the bound depends neither on --jobs nor on free memory. A run that
// does not fit stops with an out-of-memory message, unless Linux overcommits
// the memory and ends the process later.
constexpr std::size_t max_total_jets = 10'000'000;

// Fills every setting that the user did not give from the preset.
void apply_preset(Config& config, const CLI::App& app) {
  const bool paper = config.preset == "paper";
  auto unset = [&](const char* option) { return app.get_option(option)->count() == 0; };
  auto& s = config.settings;

  if (unset("--train-samples")) config.train_samples = paper ? 150000 : 30000;
  if (unset("--validation-samples")) config.validation_samples = paper ? 10000 : 2000;
  if (unset("--test-samples")) config.test_samples = paper ? 50000 : 20000;
  if (unset("--iterations")) s.iterations = paper ? 1000 : 100;
  if (unset("--pretrain-classifier-epochs")) s.pretrain_classifier_epochs = paper ? 20 : 5;
  if (unset("--pretrain-adversary-epochs")) s.pretrain_adversary_epochs = paper ? 20 : 5;
}

nlohmann::json to_json(const Config& config) {
  const auto& s = config.settings;
  return {{"preset", config.preset},
          {"train_samples", config.train_samples},
          {"validation_samples", config.validation_samples},
          {"test_samples", config.test_samples},
          {"seeds", config.seeds},
          {"jobs", config.jobs},
          {"data_seed", config.data_seed},
          {"cache", config.cache},
          {"out", config.out},
          {"hidden_units", s.hidden_units},
          {"pretrain_classifier_epochs", s.pretrain_classifier_epochs},
          {"pretrain_classifier_learning_rate", s.pretrain_classifier_learning_rate},
          {"pretrain_classifier_batch", s.pretrain_classifier_batch},
          {"pretrain_adversary_epochs", s.pretrain_adversary_epochs},
          {"pretrain_adversary_batch", s.pretrain_adversary_batch},
          {"iterations", s.iterations},
          {"batch_size", s.batch_size},
          {"learning_rate", s.learning_rate},
          {"adversary_learning_rate", s.adversary_learning_rate}};
}

void add_options(CLI::App& app, Config& config) {
  auto& s = config.settings;
  app.add_option("--preset", config.preset,
                 "quick: 30000 training, 2000 validation and 20000 test jets, T = 100, 5 "
                 "pretraining epochs of f and of r, minutes on two cores; paper: the "
                 "paper's 150000, 10000 and 50000 jets, T = 1000, 20 and 20 epochs, about an "
                 "hour on two cores")
      ->check(CLI::IsMember({"quick", "paper"}))
      ->capture_default_str();
  const std::string jets_in_total =
      "; training, validation and test jets add up to at most " + std::to_string(max_total_jets);
  const physics::StudySettings defaults;
  const std::size_t default_batch = std::max(defaults.batch_size, defaults.pretrain_adversary_batch);
  app.add_option("--train-samples", config.train_samples,
                 "training jets, at least 4 (B + 1) for the largest batch size B, " +
                     std::to_string(4 * (default_batch + 1)) + " with the default batches " +
                     "(default: preset" + jets_in_total + ")")
      ->transform(experiments::unsigned_integer(1, max_total_jets));
  app.add_option("--validation-samples", config.validation_samples,
                 "validation jets, evaluated after every iteration (default: preset" +
                     jets_in_total + ")")
      ->transform(experiments::unsigned_integer(1, max_total_jets));
  app.add_option("--test-samples", config.test_samples,
                 "independent test jets for the AMS, at least 12 (default: preset" +
                     jets_in_total + ")")
      ->transform(experiments::unsigned_integer(1, max_total_jets));
  app.add_option("--iterations", s.iterations,
                 "adversarial iterations T; each trains r for one epoch over the Y = 0 jets, "
                 "then takes one step of f (default: preset)")
      ->transform(experiments::positive_integer());
  app.add_option("--pretrain-classifier-epochs", s.pretrain_classifier_epochs,
                 "epochs of Adam pretraining of f (default: preset)")
      ->transform(experiments::positive_integer());
  app.add_option("--pretrain-adversary-epochs", s.pretrain_adversary_epochs,
                 "epochs of SGD pretraining of r on Y = 0 (default: preset)")
      ->transform(experiments::positive_integer());
  app.add_option("--hidden-units", s.hidden_units, "width of the 3 hidden layers of f and r")
      ->transform(experiments::unsigned_integer(1, max_hidden_units))
      ->capture_default_str();
  app.add_option("--learning-rate", s.learning_rate, "SGD learning rate of the classifier f in the adversarial phase")
      ->transform(experiments::positive_number())
      ->capture_default_str();
  app.add_option("--adversary-learning-rate", s.adversary_learning_rate,
                 "SGD learning rate of the adversary, in pretraining and the adversarial phase")
      ->transform(experiments::positive_number())
      ->capture_default_str();
  app.add_option("--batch-size", s.batch_size,
                 "minibatch size M of the adversarial phase, at most --train-samples / 4 - 1")
      ->transform(experiments::positive_integer())
      ->capture_default_str();
  app.add_option("--seeds", config.seeds, "training seeds per lambda (1, 2, ..., N)")
      ->transform(experiments::unsigned_integer(1, max_seeds))
      ->capture_default_str();
  app.add_option("--jobs", config.jobs, "runs trained at the same time, one thread each")
      ->transform(experiments::unsigned_integer(1, 64))
      ->capture_default_str();
  app.add_option("--data-seed", config.data_seed, "seed of the jet simulation and of the split")
      ->transform(experiments::non_negative_integer())
      ->capture_default_str();
  app.add_option("--cache", config.cache, "folder of cached simulated data sets")
      ->capture_default_str();
  app.add_option("--out", config.out, "output folder, created by the run")->capture_default_str();
  app.add_flag("--overwrite", config.overwrite, "replace the output folder if it exists");
}

// Throws std::invalid_argument, naming the option, its value and the fix,
// for sizes that exceed max_total_jets together or that would make training
// fail after the jets are simulated.
void check_sizes(const Config& config) {
  const auto& s = config.settings;

  // Each count is at most max_total_jets, so their sum cannot overflow.
  const std::size_t total = config.train_samples + config.validation_samples + config.test_samples;
  if (total > max_total_jets) {
    throw std::invalid_argument(
        "--train-samples " + std::to_string(config.train_samples) + ", --validation-samples " +
        std::to_string(config.validation_samples) + " and --test-samples " +
        std::to_string(config.test_samples) + " add up to " + std::to_string(total) +
        " jets, more than the maximum of " + std::to_string(max_total_jets) + "; pass fewer");
  }

  // The AMS needs test jets of signal with Z = 0 and of background with
  // Z = 0 and with Z = 1.
  if (physics::test_jets_per_class(config.test_samples) == 0) {
    throw std::invalid_argument(
        "--test-samples " + std::to_string(config.test_samples) + " is too small: the AMS " +
        "needs test jets of signal with Z = 0 and of background with Z = 0 and with Z = 1, " +
        "and the split guarantees one of each only from 12 test jets; pass --test-samples 12 " +
        "or more");
  }

  // The smallest training sets of a run are those of the "Z = 0 only"
  // variant: f trains on the jets with Z = 0, two (Y, Z) classes, and r on
  // those with Y = 0 and Z = 0, one class.
  const std::size_t per_class = physics::training_jets_per_class(config.train_samples);
  const std::size_t fixed_batch =
      std::max(s.pretrain_adversary_batch, (s.pretrain_classifier_batch + 1) / 2);
  const std::size_t largest_batch = std::max(fixed_batch, s.batch_size);
  if (largest_batch <= per_class) {
    return;
  }
  const std::string minimum_train = std::to_string(4 * (largest_batch + 1));
  if (fixed_batch > per_class) {
    throw std::invalid_argument(
        "--train-samples " + std::to_string(config.train_samples) + " is too small: it " +
        "guarantees " + std::to_string(per_class) + " training jets with Y = 0 and Z = 0, on " +
        "which the adversary of '" + variants.front().label + "' trains in batches of up to " +
        std::to_string(largest_batch) + "; pass --train-samples " + minimum_train + " or more");
  }
  throw std::invalid_argument(
      "--batch-size " + std::to_string(s.batch_size) + " is larger than the " +
      std::to_string(per_class) + " training jets with Y = 0 and Z = 0 that --train-samples " +
      std::to_string(config.train_samples) + " guarantees, on which the adversary of '" +
      variants.front().label + "' trains; pass --batch-size " + std::to_string(per_class) +
      " or less, or --train-samples " + minimum_train + " or more");
}

// Throws std::invalid_argument unless the cache folder can be used: the name
// is not empty and the folder exists or can be created.
void check_cache_folder(const std::string& cache) {
  if (cache.empty()) {
    throw std::invalid_argument(
        "--cache: the folder name is empty; give a path such as results/cache/jets");
  }
  std::error_code error;
  std::filesystem::create_directories(cache, error);
  if (!error && !std::filesystem::is_directory(cache, error)) {
    error = std::make_error_code(std::errc::not_a_directory);
  }
  if (error) {
    throw std::invalid_argument("--cache: cannot create the folder '" + cache +
                                "': " + error.message() + "; choose a writable --cache");
  }
}

// Mean and sample standard deviation of the finite values; NaN when none.
std::pair<double, double> mean_and_std(const std::vector<double>& values) {
  std::vector<double> finite;
  std::copy_if(values.begin(), values.end(), std::back_inserter(finite),
               [](double v) { return std::isfinite(v); });
  if (finite.empty()) return {std::nan(""), std::nan("")};

  double mean = 0.0;
  for (const double v : finite) mean += v;
  mean /= static_cast<double>(finite.size());
  double square_sum = 0.0;
  for (const double v : finite) square_sum += (v - mean) * (v - mean);
  const double variance =
      finite.size() > 1 ? square_sum / static_cast<double>(finite.size() - 1) : 0.0;
  return {mean, std::sqrt(variance)};
}

std::string format(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

int run(const Config& config, experiments::ResultFolder& folder) {
  autodiff::set_blas_threads(1);
  std::printf("physics: %s\n", to_json(config).dump().c_str());
  std::printf("physics: data seed %llu, training seeds 1..%zu; engine precision %s\n",
              static_cast<unsigned long long>(config.data_seed), config.seeds,
              autodiff::scalar_name);
  experiments::Stopwatch total_time;
  nlohmann::json seconds;

  // Data: simulated once per configuration and cached on disk.
  experiments::Stopwatch phase_time;
  const std::size_t total_samples =
      config.train_samples + config.validation_samples + config.test_samples;
  const physics::JetSimulationOptions simulation;
  experiments::Stopwatch generation_clock;
  const auto cached = physics::load_or_generate_jet_dataset(
      config.cache, simulation, total_samples, config.data_seed,
      [&](std::size_t done, std::size_t total) {
        if (done % 5000 == 0 || done == total) {
          const double elapsed = generation_clock.seconds();
          std::fprintf(stderr, "[simulate jets] %zu/%zu  elapsed %.1fs, about %.1fs left\n", done,
                       total, elapsed,
                       elapsed / static_cast<double>(done) * static_cast<double>(total - done));
        }
      });
  std::printf("physics: %zu jets %s %s\n", cached.data.size(),
              cached.loaded_from_cache ? "loaded from" : "simulated and cached in",
              cached.file.string().c_str());
  seconds["data"] = phase_time.seconds();

  // Split stratified by (y, z), then standardize with training statistics.
  nn::Rng split_rng(config.data_seed);
  const double held_out = static_cast<double>(config.validation_samples + config.test_samples) /
                          static_cast<double>(total_samples);
  auto [train, rest] = nn::split_stratified(cached.data, held_out, split_rng);
  const double validation_share = static_cast<double>(config.validation_samples) /
                                  static_cast<double>(config.validation_samples + config.test_samples);
  auto [test, validation] = nn::split_stratified(rest, validation_share, split_rng);
  nn::Standardizer standardizer;
  standardizer.fit(train.X);
  train.X = standardizer.transform(train.X);
  validation.X = standardizer.transform(validation.X);
  test.X = standardizer.transform(test.X);
  std::printf("physics: %zu training, %zu validation, %zu test jets; H(Z | Y = 0) = %.4f\n",
              train.size(), validation.size(), test.size(),
              pivot::categorical_entropy(pivot::column_span(train.z),
                                         pivot::column_span(train.weights), 2));

  // Every (variant, seed) run, spread over `jobs` threads.
  const std::size_t run_count = variants.size() * config.seeds;
  std::vector<physics::StudyResult> results(run_count);
  std::vector<std::string> failures;
  std::exception_ptr out_of_memory;  // the first std::bad_alloc of a run, rethrown after the join
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> finished{0};
  std::mutex output_mutex;
  phase_time.restart();

  auto worker = [&] {
    for (std::size_t k = next++; k < run_count; k = next++) {
      const Variant& variant = variants[k / config.seeds];
      const std::uint64_t seed = k % config.seeds + 1;
      physics::StudySettings settings = config.settings;
      settings.lambda = variant.lambda;
      settings.nuisance_free_training = variant.nuisance_free;
      try {
        results[k] = physics::run_study(settings, train, validation, test, seed);
      } catch (const std::bad_alloc&) {
        // The other runs need as much memory, so no thread starts another.
        const std::lock_guard lock(output_mutex);
        if (!out_of_memory) out_of_memory = std::current_exception();
        next = run_count;
        continue;
      } catch (const std::exception& error) {
        const std::lock_guard lock(output_mutex);
        failures.push_back(variant.label + " seed " + std::to_string(seed) + ": " + error.what());
        continue;
      }

      const std::lock_guard lock(output_mutex);
      const std::size_t done = ++finished;
      const double elapsed = phase_time.seconds();
      std::printf("[train] %zu/%zu %-20s seed %llu: peak AMS %.3f at %.2f, AUC %.4f, L_r %.4f, "
                  "background KS %.3f (%.1f s); about %.0f s left\n",
                  done, run_count, variant.label.c_str(), static_cast<unsigned long long>(seed),
                  results[k].peak.ams, results[k].peak.threshold, results[k].test_auc,
                  results[k].last_validation.L_r, results[k].background_ks, results[k].seconds,
                  elapsed / static_cast<double>(done) * static_cast<double>(run_count - done));
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t j = 0; j < std::min(config.jobs, run_count); ++j) threads.emplace_back(worker);
  for (auto& thread : threads) thread.join();
  seconds["training"] = phase_time.seconds();
  if (out_of_memory) {
    std::rethrow_exception(out_of_memory);
  }
  if (!failures.empty()) {
    throw std::runtime_error(std::to_string(failures.size()) + " runs failed; first: " +
                             failures.front());
  }

  // Curves as mean and standard deviation over seeds, per variant.
  const auto& thresholds = results.front().curve.thresholds;
  std::string curves = "threshold";
  for (const auto& variant : variants) {
    curves += ",\"" + variant.label + " mean\",\"" + variant.label + " std\"";
  }
  curves += "\n";
  for (std::size_t t = 0; t < thresholds.size(); ++t) {
    curves += format(thresholds[t]);
    for (std::size_t v = 0; v < variants.size(); ++v) {
      std::vector<double> values;
      for (std::size_t s = 0; s < config.seeds; ++s) {
        values.push_back(results[v * config.seeds + s].curve.ams[t]);
      }
      const auto [mean, std] = mean_and_std(values);
      curves += "," + format(mean) + "," + format(std);
    }
    curves += "\n";
  }
  nn::write_file_atomically(folder.path() / "ams_curves.csv", curves);

  nlohmann::json per_variant = nlohmann::json::array();
  std::printf("physics: peak AMS per lambda (mean ± std over %zu seeds)\n", config.seeds);
  for (std::size_t v = 0; v < variants.size(); ++v) {
    std::vector<double> peaks;
    std::vector<double> peak_thresholds;
    std::vector<double> aucs;
    std::vector<double> background_ks;
    nlohmann::json runs = nlohmann::json::array();
    for (std::size_t s = 0; s < config.seeds; ++s) {
      const auto& result = results[v * config.seeds + s];
      peaks.push_back(result.peak.ams);
      peak_thresholds.push_back(result.peak.threshold);
      aucs.push_back(result.test_auc);
      background_ks.push_back(result.background_ks);
      runs.push_back({{"seed", s + 1},
                      {"peak_ams", result.peak.ams},
                      {"threshold", result.peak.threshold},
                      // Expected events passing the peak's cut: the AMS is
                      // ams(s, b, |b - b1|).
                      {"s", result.curve.s[result.peak.index]},
                      {"b", result.curve.b[result.peak.index]},
                      {"b1", result.curve.b1[result.peak.index]},
                      {"auc", result.test_auc},
                      {"background_ks", result.background_ks},
                      {"L_f", result.last_validation.L_f},
                      {"L_r", result.last_validation.L_r},
                      {"seconds", result.seconds}});
    }
    const auto [peak_mean, peak_std] = mean_and_std(peaks);
    const auto [threshold_mean, threshold_std] = mean_and_std(peak_thresholds);
    const auto [auc_mean, auc_std] = mean_and_std(aucs);
    const auto [ks_mean, ks_std] = mean_and_std(background_ks);
    std::printf("  %-20s %.3f ± %.3f at threshold %.2f ± %.2f, AUC %.4f ± %.4f, "
                "background KS(Z=0, Z=1) %.3f ± %.3f\n",
                variants[v].label.c_str(), peak_mean, peak_std, threshold_mean, threshold_std,
                auc_mean, auc_std, ks_mean, ks_std);
    per_variant.push_back({{"label", variants[v].label},
                           {"lambda", variants[v].lambda},
                           {"trained_on_z0_only", variants[v].nuisance_free},
                           {"peak_ams_mean", peak_mean},
                           {"peak_ams_std", peak_std},
                           {"threshold_mean", threshold_mean},
                           {"threshold_std", threshold_std},
                           {"auc_mean", auc_mean},
                           {"auc_std", auc_std},
                           {"background_ks_mean", ks_mean},
                           {"background_ks_std", ks_std},
                           {"runs", runs}});
  }

  seconds["total"] = total_time.seconds();
  std::vector<std::uint64_t> seeds;
  for (std::size_t s = 1; s <= config.seeds; ++s) seeds.push_back(s);
  const nlohmann::json summary = {{"config", to_json(config)},
                                  {"data_seed", config.data_seed},
                                  {"precision", autodiff::scalar_name},
                                  {"seeds", seeds},
                                  {"data_file", cached.file.string()},
                                  {"variants", per_variant},
                                  {"seconds", seconds}};
  nn::write_file_atomically(folder.path() / "summary.json", summary.dump(2) + "\n");
  folder.commit();
  std::printf("physics: total %.1f s; results in %s\n", seconds["total"].get<double>(),
              config.out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // keep log lines in order with stderr's progress
  Config config;
  CLI::App app{"Jet tagging with pileup as a categorical nuisance (Louppe, Kagan and Cranmer, "
               "NeurIPS 2017): AMS of pivoted classifiers for several lambda."};
  add_options(app, config);

  const std::optional<int> status = experiments::parse_command_line(app, argc, argv, "physics");
  if (status) {
    return *status;
  }

  std::unique_ptr<experiments::ResultFolder> folder;
  try {
    apply_preset(config, app);
    check_sizes(config);
    check_cache_folder(config.cache);
    folder = std::make_unique<experiments::ResultFolder>(config.out, config.overwrite);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "physics: error: %s\n", error.what());
    return 2;
  }

  try {
    return run(config, *folder);
  } catch (const std::bad_alloc& error) {
    std::fprintf(stderr,
                 "physics: run failed: out of memory (%s) with %zu training, %zu validation and "
                 "%zu test jets, --hidden-units %zu and --jobs %zu; lower them\n",
                 error.what(), config.train_samples, config.validation_samples,
                 config.test_samples, config.settings.hidden_units, config.jobs);
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "physics: run failed: %s\n", error.what());
    return 1;
  }
}
