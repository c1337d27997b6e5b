#define BOOST_TEST_MODULE nn_random
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/random.hpp"

namespace {

// Draws a mixed sequence, so that every distribution the library uses takes
// part in the comparison.
std::vector<double> draw_sequence(nn::Rng& rng) {
  std::vector<double> draws;
  for (int k = 0; k < 20; ++k) {
    draws.push_back(rng.uniform(-1.0, 1.0));
    draws.push_back(rng.normal());
    draws.push_back(static_cast<double>(rng.index(1000)));
  }
  return draws;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rng)

BOOST_AUTO_TEST_CASE(same_seed_same_stream) {
  nn::Rng first(42);
  nn::Rng second(42);

  const std::vector<double> first_draws = draw_sequence(first);
  const std::vector<double> second_draws = draw_sequence(second);

  // Exact equality on purpose: the same seed must reproduce a run bit for bit.
  BOOST_TEST(first_draws == second_draws, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(different_seeds_differ) {
  nn::Rng first(42);
  nn::Rng second(43);

  const std::vector<double> first_draws = draw_sequence(first);
  const std::vector<double> second_draws = draw_sequence(second);

  // Independent streams agree at a position only by chance (an index draw
  // 1 time in 1000), so most positions must differ.
  std::size_t differing = 0;
  for (std::size_t k = 0; k < first_draws.size(); ++k) {
    if (first_draws[k] != second_draws[k]) {
      ++differing;
    }
  }
  BOOST_TEST(differing > first_draws.size() / 2);
}

BOOST_AUTO_TEST_CASE(seed_is_stored) {
  const nn::Rng rng(std::uint64_t{0xFFFFFFFFFFFFFFFF});

  BOOST_TEST(rng.seed() == std::uint64_t{0xFFFFFFFFFFFFFFFF});
}

BOOST_AUTO_TEST_CASE(index_range) {
  nn::Rng rng(7);

  for (const std::size_t count : {std::size_t{1}, std::size_t{2}, std::size_t{7}}) {
    std::vector<std::size_t> hits(count, 0);
    for (int k = 0; k < 1000; ++k) {
      const std::size_t drawn = rng.index(count);
      BOOST_TEST_REQUIRE(drawn < count, "index(" << count << ") returned " << drawn);
      ++hits[drawn];
    }

    // With 1000 draws, each of at most 7 values is expected about 140 times.
    // A value never drawn means the range is cut short.
    for (std::size_t value = 0; value < count; ++value) {
      BOOST_TEST(hits[value] > 0u, "index(" << count << ") never returned " << value);
    }
  }
}

BOOST_AUTO_TEST_CASE(index_zero_throws) {
  nn::Rng rng(7);

  BOOST_CHECK_THROW(rng.index(0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(uniform_range) {
  nn::Rng rng(11);

  for (int k = 0; k < 1000; ++k) {
    const double drawn = rng.uniform(-0.25, 0.5);
    BOOST_TEST(drawn >= -0.25);
    BOOST_TEST(drawn < 0.5);
  }
}

BOOST_AUTO_TEST_SUITE_END()
