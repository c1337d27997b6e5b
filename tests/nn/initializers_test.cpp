#define BOOST_TEST_MODULE nn_initializers
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>

#include "autodiff/matrix.hpp"
#include "nn/layers/initializers.hpp"
#include "nn/random.hpp"

using autodiff::Matrix;

namespace {

// The Glorot limit a = sqrt(6 / (fan_in + fan_out)), written out again here
// so that a wrong formula in the library cannot also pass the test.
double glorot_limit(std::size_t fan_in, std::size_t fan_out) {
  return std::sqrt(6.0 / (static_cast<double>(fan_in) + static_cast<double>(fan_out)));
}

// The message of the std::invalid_argument that `call` throws, or a marker
// that no check on the message can match when it throws nothing.
std::string error_message(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "<no std::invalid_argument thrown>";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(initializers)

BOOST_AUTO_TEST_CASE(glorot_shape) {
  nn::Rng rng(1);

  const Matrix weights = nn::glorot_uniform(3, 5, rng);

  BOOST_TEST(weights.shape(0) == 3u);
  BOOST_TEST(weights.shape(1) == 5u);
}

BOOST_AUTO_TEST_CASE(glorot_within_limit) {
  nn::Rng rng(2);

  for (const auto& [fan_in, fan_out] : {std::pair<std::size_t, std::size_t>{1, 1},
                                        {2, 20},
                                        {20, 20},
                                        {20, 1},
                                        {300, 200}}) {
    const double limit = glorot_limit(fan_in, fan_out);
    const Matrix weights = nn::glorot_uniform(fan_in, fan_out, rng);

    for (const double w : weights) {
      BOOST_TEST_REQUIRE(std::abs(w) <= limit, "entry " << w << " of a [" << fan_in << ", "
                                                          << fan_out << "] matrix is outside ±"
                                                          << limit);
    }
  }
}

BOOST_AUTO_TEST_CASE(glorot_fills_range) {
  // The largest |w| of 60000 draws from U(-a, a) falls below 0.99 a with
  // probability 0.995^60000, about 1e-131, so a limit computed too small fails.
  nn::Rng rng(3);
  const double limit = glorot_limit(200, 300);

  const Matrix weights = nn::glorot_uniform(200, 300, rng);

  double largest = 0.0;
  for (const double w : weights) {
    largest = std::max(largest, std::abs(w));
  }
  BOOST_TEST(largest > 0.99 * limit);
}

BOOST_AUTO_TEST_CASE(glorot_moments) {
  // For n = 60000 draws from U(-a, a): the mean has standard error a / sqrt(3n)
  // and the sample variance, with Var(w^2) = a^4/5 - a^4/9 = 4a^4/45, has
  // standard error sqrt(4/45) a^2 / sqrt(n). Under the normal approximation,
  // five standard errors leave a correct initializer a failure probability of
  // about 6e-7 per check, and the fixed seed makes the outcome the same on
  // every run.
  nn::Rng rng(4);
  const std::size_t fan_in = 200;
  const std::size_t fan_out = 300;
  const double limit = glorot_limit(fan_in, fan_out);
  const double n = static_cast<double>(fan_in * fan_out);

  const Matrix weights = nn::glorot_uniform(fan_in, fan_out, rng);

  double sum = 0.0;
  for (const double w : weights) {
    sum += w;
  }
  const double mean = sum / n;
  double squared_deviations = 0.0;
  for (const double w : weights) {
    squared_deviations += (w - mean) * (w - mean);
  }
  const double variance = squared_deviations / (n - 1.0);

  const double expected_variance = limit * limit / 3.0;
  const double mean_standard_error = limit / std::sqrt(3.0 * n);
  const double variance_standard_error = std::sqrt(4.0 / 45.0) * limit * limit / std::sqrt(n);
  BOOST_TEST(std::abs(mean) < 5.0 * mean_standard_error);
  BOOST_TEST(std::abs(variance - expected_variance) < 5.0 * variance_standard_error);
}

BOOST_AUTO_TEST_CASE(glorot_zero_size_throws) {
  nn::Rng rng(5);

  for (const auto& [fan_in, fan_out] :
       {std::pair<std::size_t, std::size_t>{0, 3}, {3, 0}, {0, 0}}) {
    const std::string message =
        error_message([&, fan_in = fan_in, fan_out = fan_out] {
          nn::glorot_uniform(fan_in, fan_out, rng);
        });
    BOOST_TEST(contains(message, "glorot_uniform"), message);
    BOOST_TEST(contains(message, std::to_string(fan_in) + " and " + std::to_string(fan_out)),
               message);
  }
}

BOOST_AUTO_TEST_CASE(glorot_same_seed_same_matrix) {
  nn::Rng first(6);
  nn::Rng second(6);

  const Matrix first_weights = nn::glorot_uniform(4, 7, first);
  const Matrix second_weights = nn::glorot_uniform(4, 7, second);

  // Exact equality on purpose: initialization must be reproducible bit for bit.
  BOOST_TEST((first_weights == second_weights));
}

BOOST_AUTO_TEST_CASE(glorot_other_seed_other_matrix) {
  nn::Rng first(6);
  nn::Rng second(7);

  const Matrix first_weights = nn::glorot_uniform(4, 7, first);
  const Matrix second_weights = nn::glorot_uniform(4, 7, second);

  // Two independent draws of 28 continuous uniforms share no entry except by
  // chance, so every entry must differ.
  for (std::size_t i = 0; i < first_weights.shape(0); ++i) {
    for (std::size_t j = 0; j < first_weights.shape(1); ++j) {
      BOOST_TEST(first_weights(i, j) != second_weights(i, j), "entry [" << i << ", " << j << "]");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
