#define BOOST_TEST_MODULE nn_batches
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <initializer_list>
#include <numeric>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "nn/data/batches.hpp"
#include "nn/data/dataset.hpp"
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

std::vector<std::size_t> identity(std::size_t n) {
  std::vector<std::size_t> indices(n);
  std::iota(indices.begin(), indices.end(), std::size_t{0});
  return indices;
}

std::vector<std::size_t> concatenate(const std::vector<std::vector<std::size_t>>& batches) {
  std::vector<std::size_t> all;
  for (const auto& batch : batches) {
    all.insert(all.end(), batch.begin(), batch.end());
  }
  return all;
}

// Row i has X = [i], y = i mod 2, z = 3 i and weight i + 0.5.
nn::Dataset make_indexed_dataset(std::size_t n) {
  Matrix X(std::array<std::size_t, 2>{n, 1});
  Matrix y(std::array<std::size_t, 2>{n, 1});
  Matrix z(std::array<std::size_t, 2>{n, 1});
  Matrix weights(std::array<std::size_t, 2>{n, 1});
  for (std::size_t i = 0; i < n; ++i) {
    const double id = static_cast<double>(i);
    X(i, 0) = id;
    y(i, 0) = static_cast<double>(i % 2);
    z(i, 0) = 3.0 * id;
    weights(i, 0) = id + 0.5;
  }
  return nn::make_dataset(X, y, z, weights);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(batches)

BOOST_AUTO_TEST_CASE(epoch_covers_every_row) {
  nn::Rng rng(1);

  const auto batches = nn::shuffled_batches(10, 3, rng);

  BOOST_TEST_REQUIRE(batches.size() == 4u);
  BOOST_TEST(batches[0].size() == 3u);
  BOOST_TEST(batches[1].size() == 3u);
  BOOST_TEST(batches[2].size() == 3u);
  BOOST_TEST(batches[3].size() == 1u);
  std::vector<std::size_t> all = concatenate(batches);
  std::sort(all.begin(), all.end());
  BOOST_TEST(all == identity(10), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(epoch_exact_division) {
  nn::Rng rng(2);

  const auto batches = nn::shuffled_batches(8, 4, rng);

  BOOST_TEST_REQUIRE(batches.size() == 2u);
  BOOST_TEST(batches[0].size() == 4u);
  BOOST_TEST(batches[1].size() == 4u);
}

BOOST_AUTO_TEST_CASE(epoch_is_shuffled) {
  nn::Rng rng(3);

  const std::vector<std::size_t> order = concatenate(nn::shuffled_batches(50, 7, rng));

  BOOST_TEST(!std::is_sorted(order.begin(), order.end()));
}

BOOST_AUTO_TEST_CASE(epoch_without_samples) {
  nn::Rng rng(4);

  BOOST_TEST(nn::shuffled_batches(0, 5, rng).empty());
}

BOOST_AUTO_TEST_CASE(epoch_zero_batch_size) {
  nn::Rng rng(5);

  const std::string message = invalid_argument_message([&] { nn::shuffled_batches(10, 0, rng); });

  check_contains(message, {"shuffled_batches", "batch_size is 0", "at least 1"});
}

BOOST_AUTO_TEST_CASE(epoch_same_seed_same_batches) {
  nn::Rng first(42);
  nn::Rng second(42);
  nn::Rng other(43);

  const std::vector<std::size_t> a = concatenate(nn::shuffled_batches(100, 16, first));
  const std::vector<std::size_t> b = concatenate(nn::shuffled_batches(100, 16, second));
  const std::vector<std::size_t> c = concatenate(nn::shuffled_batches(100, 16, other));

  BOOST_TEST(a == b, boost::test_tools::per_element());
  BOOST_TEST((a != c));
}

BOOST_AUTO_TEST_CASE(epoch_rows_stay_aligned) {
  const nn::Dataset data = make_indexed_dataset(23);
  nn::Rng rng(6);

  for (const auto& indices : nn::shuffled_batches(data.size(), 5, rng)) {
    const nn::Dataset batch = data.rows(indices);
    for (std::size_t row = 0; row < batch.size(); ++row) {
      const double id = batch.X(row, 0);
      BOOST_TEST_CONTEXT("row " << row << " with id " << id) {
        BOOST_TEST(id == static_cast<double>(indices[row]));
        BOOST_TEST(batch.y(row, 0) == std::fmod(id, 2.0));
        BOOST_TEST(batch.z(row, 0) == 3.0 * id);
        BOOST_TEST(batch.weights(row, 0) == id + 0.5);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(epoch_object_matches_function) {
  nn::Rng first(7);
  nn::Rng second(7);

  const auto expected = nn::shuffled_batches(11, 4, first);
  const nn::EpochBatches epoch(11, 4, second);

  BOOST_TEST_REQUIRE(epoch.batch_count() == expected.size());
  for (std::size_t b = 0; b < expected.size(); ++b) {
    const std::span<const std::size_t> batch = epoch.batch(b);
    const std::vector<std::size_t> actual(batch.begin(), batch.end());
    BOOST_TEST(actual == expected[b], boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(epoch_object_errors) {
  nn::Rng rng(8);
  const nn::EpochBatches epoch(10, 4, rng);

  const std::string zero = invalid_argument_message([&] { nn::EpochBatches(10, 0, rng); });
  const std::string past_end = invalid_argument_message([&] { epoch.batch(3); });

  check_contains(zero, {"EpochBatches", "batch_size is 0"});
  check_contains(past_end, {"EpochBatches::batch", "batch 3", "epoch of 3 batches"});
}

BOOST_AUTO_TEST_CASE(sample_rows_distinct) {
  nn::Rng rng(9);

  for (int draw = 0; draw < 100; ++draw) {
    const std::vector<std::size_t> batch = nn::sample_batch_indices(20, 8, rng);
    const std::set<std::size_t> distinct(batch.begin(), batch.end());

    BOOST_TEST(batch.size() == 8u);
    BOOST_TEST(distinct.size() == 8u);
    BOOST_TEST(*distinct.rbegin() < 20u);
  }
}

BOOST_AUTO_TEST_CASE(sample_whole_dataset) {
  nn::Rng rng(10);

  std::vector<std::size_t> batch = nn::sample_batch_indices(12, 12, rng);
  std::sort(batch.begin(), batch.end());

  BOOST_TEST(batch == identity(12), boost::test_tools::per_element());
}

// With n = 5 and M = 2, each row is in a batch with probability 2/5 and comes
// first with probability 1/5. Over 20000 draws the binomial standard
// deviations are about 69 and 57, so the bounds below are about 5 of them.
// Without the final shuffle, row 4 could never come first.
BOOST_AUTO_TEST_CASE(sample_uniform_rows_and_order) {
  nn::Rng rng(11);
  const int draws = 20000;
  std::array<int, 5> included{};
  std::array<int, 5> first{};

  for (int draw = 0; draw < draws; ++draw) {
    const std::vector<std::size_t> batch = nn::sample_batch_indices(5, 2, rng);
    ++included[batch[0]];
    ++included[batch[1]];
    ++first[batch[0]];
  }

  for (std::size_t row = 0; row < 5; ++row) {
    BOOST_TEST_CONTEXT("row " << row) {
      BOOST_TEST(std::abs(included[row] - 8000) < 350);
      BOOST_TEST(std::abs(first[row] - 4000) < 300);
    }
  }
}

BOOST_AUTO_TEST_CASE(sample_same_seed_same_rows) {
  nn::Rng first(12);
  nn::Rng second(12);
  nn::Rng other(13);

  const std::vector<std::size_t> a = nn::sample_batch_indices(1000, 32, first);
  const std::vector<std::size_t> b = nn::sample_batch_indices(1000, 32, second);
  const std::vector<std::size_t> c = nn::sample_batch_indices(1000, 32, other);

  BOOST_TEST(a == b, boost::test_tools::per_element());
  BOOST_TEST((a != c));
}

BOOST_AUTO_TEST_CASE(sample_batch_too_large) {
  nn::Rng rng(14);

  const std::string message =
      invalid_argument_message([&] { nn::sample_batch_indices(10, 11, rng); });

  check_contains(message, {"sample_batch_indices", "batch_size 11", "10 samples"});
}

BOOST_AUTO_TEST_CASE(sample_zero_batch_size) {
  nn::Rng rng(15);

  const std::string message =
      invalid_argument_message([&] { nn::sample_batch_indices(10, 0, rng); });

  check_contains(message, {"sample_batch_indices", "batch_size is 0"});
}

BOOST_AUTO_TEST_SUITE_END()
