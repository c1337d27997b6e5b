#define BOOST_TEST_MODULE physics_study_sizes
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>

#include "experiments/physics/data/jet_dataset.hpp"
#include "experiments/physics/study.hpp"
#include "nn/data/split.hpp"

using autodiff::Matrix;

namespace {

// A data set of `count` rows with the labels and pileup flags of
// physics::generate_jet_dataset: y = i mod 2, z = (i / 2) mod 2. One
// constant feature column, because the split looks only at y and z.
nn::Dataset jet_pattern(std::size_t count) {
  Matrix X({count, std::size_t{1}}, 0.0);
  Matrix y({count, std::size_t{1}});
  Matrix z({count, std::size_t{1}});
  for (std::size_t i = 0; i < count; ++i) {
    y(i, 0) = static_cast<double>(i % 2);
    z(i, 0) = static_cast<double>((i / 2) % 2);
  }
  return nn::make_dataset(X, y, z);
}

// The smallest number of rows of one (y, z) class in `data`, 0 when a class
// is missing.
std::size_t smallest_class(const nn::Dataset& data) {
  std::map<std::pair<double, double>, std::size_t> counts = {
      {{0.0, 0.0}, 0}, {{0.0, 1.0}, 0}, {{1.0, 0.0}, 0}, {{1.0, 1.0}, 0}};
  for (std::size_t row = 0; row < data.size(); ++row) {
    ++counts[{data.y(row, 0), data.z(row, 0)}];
  }
  std::size_t smallest = data.size();
  for (const auto& [stratum, count] : counts) {
    smallest = std::min(smallest, count);
  }
  return smallest;
}

}  // namespace

// The bounds hold for the labels that the simulation makes, not only for the
// pattern above.
BOOST_AUTO_TEST_CASE(pattern_matches_simulation) {
  const nn::Dataset simulated = physics::generate_jet_dataset({}, 8, 1);
  const nn::Dataset pattern = jet_pattern(8);

  for (std::size_t i = 0; i < 8; ++i) {
    BOOST_TEST_CONTEXT("jet " << i) {
      BOOST_TEST(simulated.y(i, 0) == pattern.y(i, 0));
      BOOST_TEST(simulated.z(i, 0) == pattern.z(i, 0));
    }
  }
}

// Splits as experiments/physics/main.cpp does and compares the smallest
// class of the training and test parts with the guaranteed counts.
BOOST_AUTO_TEST_CASE(guaranteed_counts_hold_after_split) {
  const std::array<std::size_t, 5> validation_sizes = {1, 2, 3, 7, 50};
  std::size_t near_bound = 0;  // cases where the smallest class is at most the bound + 1
  for (std::size_t train = 1; train <= 70; ++train) {
    for (const std::size_t validation : validation_sizes) {
      for (std::size_t test = 1; test <= 30; ++test) {
        for (std::uint64_t seed = 1; seed <= 2; ++seed) {
          const std::size_t total = train + validation + test;
          nn::Rng rng(seed);
          const double held_out =
              static_cast<double>(validation + test) / static_cast<double>(total);
          const auto [training_part, rest] = nn::split_stratified(jet_pattern(total), held_out, rng);
          const double validation_share =
              static_cast<double>(validation) / static_cast<double>(validation + test);
          const auto [test_part, validation_part] =
              nn::split_stratified(rest, validation_share, rng);

          BOOST_TEST_CONTEXT("train " << train << ", validation " << validation << ", test "
                                      << test << ", seed " << seed) {
            BOOST_TEST_REQUIRE(training_part.size() == train);
            BOOST_TEST_REQUIRE(test_part.size() == test);
            const std::size_t training_smallest = smallest_class(training_part);
            BOOST_TEST(training_smallest >= physics::training_jets_per_class(train));
            BOOST_TEST(smallest_class(test_part) >= physics::test_jets_per_class(test));
            if (training_smallest <= physics::training_jets_per_class(train) + 1) {
              ++near_bound;
            }
          }
        }
      }
    }
  }
  // The training bound is at most one jet below what some splits give.
  BOOST_TEST(near_bound > 0U);
}

BOOST_AUTO_TEST_CASE(guaranteed_counts_by_hand) {
  BOOST_TEST(physics::training_jets_per_class(0) == 0U);
  BOOST_TEST(physics::training_jets_per_class(7) == 0U);
  BOOST_TEST(physics::training_jets_per_class(8) == 1U);
  BOOST_TEST(physics::training_jets_per_class(516) == 128U);
  BOOST_TEST(physics::training_jets_per_class(2000) == 499U);
  BOOST_TEST(physics::test_jets_per_class(11) == 0U);
  BOOST_TEST(physics::test_jets_per_class(12) == 1U);
  BOOST_TEST(physics::test_jets_per_class(20000) == 4998U);
}
