#define BOOST_TEST_MODULE pivot_checkpoint
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "nn/layers/sequential.hpp"
#include "nn/optimizers/adam.hpp"
#include "pivot/checkpoint.hpp"

namespace {

using autodiff::Matrix;

// A temporary folder removed at the end of the test.
struct TemporaryFolder {
  std::filesystem::path path;

  explicit TemporaryFolder(const std::string& name)
      : path(std::filesystem::temp_directory_path() / name) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TemporaryFolder() { std::filesystem::remove_all(path); }
};

nn::Sequential make_network(std::size_t hidden, nn::Rng& rng) {
  return nn::make_mlp(2, {{hidden, nn::ActivationKind::tanh}}, 1, nn::ActivationKind::identity,
                      rng, "classifier");
}

std::vector<Matrix> copy_values(const autodiff::ParameterList& parameters) {
  std::vector<Matrix> values;
  for (const auto* parameter : parameters) {
    values.push_back(parameter->value);
  }
  return values;
}

void set_all(const autodiff::ParameterList& parameters, double value) {
  for (auto* parameter : parameters) {
    parameter->value.fill(value);
  }
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string load_error(const std::filesystem::path& file, const pivot::TrainingObjects& objects) {
  try {
    pivot::load_checkpoint(file, objects);
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

BOOST_AUTO_TEST_CASE(round_trip_restores_everything) {
  TemporaryFolder folder("pivot_checkpoint_round_trip");
  nn::Rng rng(7);
  auto network = make_network(4, rng);
  const autodiff::ParameterList parameters = network.parameters();
  nn::Adam optimizer(parameters);

  pivot::RunPosition position;
  position.phase = "adversarial";
  position.completed = 12;
  position.history.push_back({12, {0.5, 1.25, -0.75}});
  position.extra["seed"] = 7;

  const std::vector<Matrix> saved_values = copy_values(parameters);
  const double next_draw = nn::Rng(rng).normal();
  const pivot::TrainingObjects objects{{{"classifier", parameters}}, {{"classifier", &optimizer}}, &rng};
  const std::filesystem::path file = folder.path / "checkpoint.json";
  pivot::save_checkpoint(file, position, objects);

  set_all(parameters, 3.0);
  rng.normal();
  const pivot::RunPosition loaded = pivot::load_checkpoint(file, objects);

  BOOST_TEST(loaded.phase == "adversarial");
  BOOST_TEST(loaded.completed == 12u);
  BOOST_TEST_REQUIRE(loaded.history.size() == 1u);
  BOOST_TEST(loaded.history[0].iteration == 12u);
  BOOST_TEST(loaded.history[0].validation.L_r == 1.25);
  BOOST_TEST(loaded.extra.at("seed").get<int>() == 7);
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    BOOST_TEST(parameters[k]->value == saved_values[k]);
  }
  BOOST_TEST(rng.normal() == next_draw);
}

BOOST_AUTO_TEST_CASE(shape_mismatch_names_group_and_keeps_values) {
  TemporaryFolder folder("pivot_checkpoint_mismatch");
  nn::Rng rng(3);
  auto small = make_network(4, rng);
  auto wide = make_network(5, rng);
  const std::filesystem::path file = folder.path / "checkpoint.json";
  pivot::save_checkpoint(file, {}, {{{"classifier", small.parameters()}}, {}, nullptr});

  const autodiff::ParameterList parameters = wide.parameters();
  const std::vector<Matrix> before = copy_values(parameters);
  const std::string message = load_error(file, {{{"classifier", parameters}}, {}, nullptr});

  BOOST_TEST(contains(message, file.string()), message);
  BOOST_TEST(contains(message, "parameter group 'classifier'"), message);
  BOOST_TEST(contains(message, "[2, 4]"), message);
  BOOST_TEST(contains(message, "[2, 5]"), message);
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    BOOST_TEST(parameters[k]->value == before[k]);
  }
}

BOOST_AUTO_TEST_CASE(missing_group_is_malformed) {
  TemporaryFolder folder("pivot_checkpoint_missing_group");
  nn::Rng rng(3);
  auto network = make_network(4, rng);
  const std::filesystem::path file = folder.path / "checkpoint.json";
  pivot::save_checkpoint(file, {}, {{{"classifier", network.parameters()}}, {}, nullptr});

  const std::string message = load_error(file, {{{"adversary", network.parameters()}}, {}, nullptr});

  BOOST_TEST(contains(message, "is malformed"), message);
  BOOST_TEST(contains(message, "adversary"), message);
}

BOOST_AUTO_TEST_CASE(missing_and_truncated_files) {
  TemporaryFolder folder("pivot_checkpoint_files");
  nn::Rng rng(3);
  auto network = make_network(4, rng);
  const pivot::TrainingObjects objects{{{"classifier", network.parameters()}}, {}, nullptr};

  const std::string missing = load_error(folder.path / "none.json", objects);
  BOOST_TEST(contains(missing, "not found"), missing);
  BOOST_TEST(contains(missing, "--resume"), missing);

  const std::filesystem::path file = folder.path / "checkpoint.json";
  pivot::save_checkpoint(file, {}, objects);
  const auto size = std::filesystem::file_size(file);
  std::filesystem::resize_file(file, size / 2);
  const std::string truncated = load_error(file, objects);
  BOOST_TEST(contains(truncated, "is malformed"), truncated);
}
