#define BOOST_TEST_MODULE nn_split
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nn/data/dataset.hpp"
#include "nn/data/split.hpp"
#include "nn/random.hpp"

using autodiff::Matrix;

namespace {

// Returns the message of the std::invalid_argument that `call` throws, or
// records a failure and returns "" when it throws nothing.
template <typename Call>
std::string invalid_argument_message(const Call& call) {
  try {
    call();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  BOOST_ERROR("expected std::invalid_argument, but nothing was thrown");
  return "";
}

void check_contains(const std::string& message, std::initializer_list<std::string_view> parts) {
  for (std::string_view part : parts) {
    BOOST_TEST(message.find(part) != std::string::npos,
               "message '" << message << "' does not contain '" << part << "'");
  }
}

Matrix column_of(std::size_t n) { return Matrix(std::array<std::size_t, 2>{n, 1}, 0.0); }

// Row i has X = [i, -i], y = i mod 2, z = 0.5 i and weight 2 i + 1, so that
// every field can be checked from the id X(row, 0).
nn::Dataset make_indexed_dataset(std::size_t n) {
  Matrix X(std::array<std::size_t, 2>{n, 2});
  Matrix y = column_of(n);
  Matrix z = column_of(n);
  Matrix weights = column_of(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double id = static_cast<double>(i);
    X(i, 0) = id;
    X(i, 1) = -id;
    y(i, 0) = static_cast<double>(i % 2);
    z(i, 0) = 0.5 * id;
    weights(i, 0) = 2.0 * id + 1.0;
  }
  return nn::make_dataset(X, y, z, weights);
}

// Consecutive blocks of rows, one block per (y, z) stratum with the given
// sizes: the strata are (0, 0), (0, 1), (1, 0), (1, 1), ... in that order.
// X = [row id].
nn::Dataset make_stratified_dataset(const std::vector<std::size_t>& stratum_sizes) {
  std::size_t n = 0;
  for (std::size_t size : stratum_sizes) {
    n += size;
  }

  Matrix X(std::array<std::size_t, 2>{n, 1});
  Matrix y = column_of(n);
  Matrix z = column_of(n);
  std::size_t row = 0;
  for (std::size_t stratum = 0; stratum < stratum_sizes.size(); ++stratum) {
    for (std::size_t k = 0; k < stratum_sizes[stratum]; ++k, ++row) {
      X(row, 0) = static_cast<double>(row);
      y(row, 0) = static_cast<double>(stratum / 2);
      z(row, 0) = static_cast<double>(stratum % 2);
    }
  }
  return nn::make_dataset(X, y, z);
}

std::vector<std::size_t> ids_of(const nn::Dataset& data) {
  std::vector<std::size_t> ids;
  for (std::size_t row = 0; row < data.size(); ++row) {
    ids.push_back(static_cast<std::size_t>(data.X(row, 0)));
  }
  return ids;
}

// Number of rows per (y, z) pair.
std::map<std::pair<double, double>, std::size_t> count_strata(const nn::Dataset& data) {
  std::map<std::pair<double, double>, std::size_t> counts;
  for (std::size_t row = 0; row < data.size(); ++row) {
    ++counts[{data.y(row, 0), data.z(row, 0)}];
  }
  return counts;
}

// Checks that the two parts are disjoint, cover 0 .. n - 1 and keep the
// original order.
void check_partition(const nn::Dataset& training, const nn::Dataset& validation, std::size_t n) {
  const std::vector<std::size_t> training_ids = ids_of(training);
  const std::vector<std::size_t> validation_ids = ids_of(validation);
  BOOST_TEST(std::is_sorted(training_ids.begin(), training_ids.end()));
  BOOST_TEST(std::is_sorted(validation_ids.begin(), validation_ids.end()));

  std::vector<std::size_t> all = training_ids;
  all.insert(all.end(), validation_ids.begin(), validation_ids.end());
  std::sort(all.begin(), all.end());
  BOOST_TEST_REQUIRE(all.size() == n);
  for (std::size_t i = 0; i < n; ++i) {
    BOOST_TEST(all[i] == i);
  }
}

void check_aligned(const nn::Dataset& data) {
  for (std::size_t row = 0; row < data.size(); ++row) {
    const double id = data.X(row, 0);
    BOOST_TEST_CONTEXT("row " << row << " with id " << id) {
      BOOST_TEST(data.X(row, 1) == -id);
      BOOST_TEST(data.y(row, 0) == std::fmod(id, 2.0));
      BOOST_TEST(data.z(row, 0) == 0.5 * id);
      BOOST_TEST(data.weights(row, 0) == 2.0 * id + 1.0);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(split)

BOOST_AUTO_TEST_CASE(random_split_sizes) {
  nn::Rng rng(1);

  const auto [training, validation] = nn::split_train_validation(make_indexed_dataset(20), 6, rng);

  BOOST_TEST(training.size() == 14u);
  BOOST_TEST(validation.size() == 6u);
  check_partition(training, validation, 20);
}

BOOST_AUTO_TEST_CASE(random_split_aligned) {
  nn::Rng rng(2);

  const auto [training, validation] = nn::split_train_validation(make_indexed_dataset(31), 9, rng);

  check_aligned(training);
  check_aligned(validation);
}

BOOST_AUTO_TEST_CASE(random_split_same_seed) {
  const nn::Dataset data = make_indexed_dataset(100);
  nn::Rng first(42);
  nn::Rng second(42);
  nn::Rng other(43);

  const std::vector<std::size_t> a = ids_of(nn::split_train_validation(data, 30, first).second);
  const std::vector<std::size_t> b = ids_of(nn::split_train_validation(data, 30, second).second);
  const std::vector<std::size_t> c = ids_of(nn::split_train_validation(data, 30, other).second);

  BOOST_TEST(a == b, boost::test_tools::per_element());
  BOOST_TEST((a != c));
}

BOOST_AUTO_TEST_CASE(random_split_bad_sizes) {
  const nn::Dataset data = make_indexed_dataset(20);
  const nn::Dataset one_row = make_indexed_dataset(1);
  nn::Rng rng(3);

  const std::string zero =
      invalid_argument_message([&] { nn::split_train_validation(data, 0, rng); });
  const std::string all =
      invalid_argument_message([&] { nn::split_train_validation(data, 20, rng); });
  const std::string more =
      invalid_argument_message([&] { nn::split_train_validation(data, 25, rng); });
  const std::string too_small =
      invalid_argument_message([&] { nn::split_train_validation(one_row, 1, rng); });

  check_contains(zero, {"split_train_validation", "validation_size 0", "20 rows", "from 1 to 19"});
  check_contains(all, {"validation_size 20", "from 1 to 19"});
  check_contains(more, {"validation_size 25"});
  check_contains(too_small, {"1 rows", "at least 2 rows"});
}

// Strata of 40, 20, 30 and 10 rows with fraction 0.2 give exactly 8, 4, 6 and
// 2 validation rows (no remainders).
BOOST_AUTO_TEST_CASE(stratified_keeps_proportions) {
  const nn::Dataset data = make_stratified_dataset({40, 20, 30, 10});
  nn::Rng rng(4);

  const auto [training, validation] = nn::split_stratified(data, 0.2, rng);

  const auto counts = count_strata(validation);
  BOOST_TEST(validation.size() == 20u);
  BOOST_TEST(counts.at({0.0, 0.0}) == 8u);
  BOOST_TEST(counts.at({0.0, 1.0}) == 4u);
  BOOST_TEST(counts.at({1.0, 0.0}) == 6u);
  BOOST_TEST(counts.at({1.0, 1.0}) == 2u);
  check_partition(training, validation, data.size());
}

// Strata of 3, 3 and 4 rows with fraction 0.5: quotas 1.5, 1.5 and 2 give
// floors 1, 1 and 2, and the one row left of round(0.5 * 10) = 5 goes to one
// of the two strata with remainder 0.5.
BOOST_AUTO_TEST_CASE(stratified_largest_remainder) {
  const nn::Dataset data = make_stratified_dataset({3, 3, 4});
  nn::Rng rng(5);

  const auto [training, validation] = nn::split_stratified(data, 0.5, rng);

  const auto counts = count_strata(validation);
  const std::size_t first = counts.at({0.0, 0.0});
  const std::size_t second = counts.at({0.0, 1.0});
  BOOST_TEST(validation.size() == 5u);
  BOOST_TEST(first + second == 3u);
  BOOST_TEST((first == 1u || first == 2u));
  BOOST_TEST(counts.at({1.0, 0.0}) == 2u);
  check_partition(training, validation, data.size());
}

BOOST_AUTO_TEST_CASE(stratified_continuous_nuisance) {
  // z = 0.5 i differs on every row, so each stratum is a single row.
  const nn::Dataset data = make_indexed_dataset(10);
  nn::Rng rng(6);

  const auto [training, validation] = nn::split_stratified(data, 0.3, rng);

  BOOST_TEST(validation.size() == 3u);
  BOOST_TEST(training.size() == 7u);
  check_partition(training, validation, 10);
}

BOOST_AUTO_TEST_CASE(stratified_aligned) {
  nn::Rng rng(7);

  const auto [training, validation] = nn::split_stratified(make_indexed_dataset(40), 0.25, rng);

  check_aligned(training);
  check_aligned(validation);
}

BOOST_AUTO_TEST_CASE(stratified_same_seed) {
  const nn::Dataset data = make_stratified_dataset({25, 25, 25, 25});
  nn::Rng first(8);
  nn::Rng second(8);
  nn::Rng other(9);

  const std::vector<std::size_t> a = ids_of(nn::split_stratified(data, 0.3, first).second);
  const std::vector<std::size_t> b = ids_of(nn::split_stratified(data, 0.3, second).second);
  const std::vector<std::size_t> c = ids_of(nn::split_stratified(data, 0.3, other).second);

  BOOST_TEST(a == b, boost::test_tools::per_element());
  BOOST_TEST((a != c));
}

BOOST_AUTO_TEST_CASE(stratified_bad_fraction) {
  const nn::Dataset data = make_indexed_dataset(10);
  nn::Rng rng(10);

  for (double fraction : {0.0, 1.0, -0.1, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    BOOST_TEST_CONTEXT("fraction " << fraction) {
      const std::string message =
          invalid_argument_message([&] { nn::split_stratified(data, fraction, rng); });
      check_contains(message, {"split_stratified", "validation_fraction is", "between 0 and 1"});
    }
  }
}

BOOST_AUTO_TEST_CASE(stratified_empty_part) {
  const nn::Dataset data = make_indexed_dataset(10);
  nn::Rng rng(11);

  const std::string none = invalid_argument_message([&] { nn::split_stratified(data, 0.01, rng); });
  const std::string all = invalid_argument_message([&] { nn::split_stratified(data, 0.99, rng); });

  check_contains(none, {"split_stratified", "0.01", "10 rows", "gives 0 validation rows"});
  check_contains(all, {"0.99", "gives 10 validation rows", "from 1 to 9"});
}

BOOST_AUTO_TEST_SUITE_END()
