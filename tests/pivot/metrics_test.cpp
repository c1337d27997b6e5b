#define BOOST_TEST_MODULE pivot_metrics
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pivot/metrics.hpp"
#include "tolerances.hpp"

namespace tt = boost::test_tools;
using autodiff::Matrix;
using Values = std::vector<double>;

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

Values uniform_values(std::size_t n, unsigned seed) {
  std::mt19937_64 generator(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Values values(n);
  for (double& value : values) {
    value = uniform(generator);
  }
  return values;
}

constexpr double tolerance = test_tolerance::exact_fraction;
constexpr double infinity = std::numeric_limits<double>::infinity();
constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(column_span_views_data) {
  const Matrix column{{1.0}, {2.0}, {3.0}};

  const std::span<const double> values = pivot::column_span(column);

  BOOST_TEST(values.size() == 3u);
  BOOST_TEST(values.data() == column.data());
  BOOST_TEST(values[2] == 3.0);
}

BOOST_AUTO_TEST_CASE(column_span_rejects_matrix) {
  const Matrix wide{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}};

  const std::string message = invalid_argument_message([&] { pivot::column_span(wide); });

  check_contains(message, {"column_span", "[n, 1]", "[3, 2]"});
}

BOOST_AUTO_TEST_CASE(ks_identical_samples) {
  const Values a{0.3, 0.1, 0.2, 0.2, 0.9};

  BOOST_TEST(pivot::ks_distance(a, a) == 0.0);
}

BOOST_AUTO_TEST_CASE(ks_disjoint_samples) {
  BOOST_TEST(pivot::ks_distance(Values{1.0, 2.0}, Values{3.0, 4.0, 5.0}) == 1.0);
  BOOST_TEST(pivot::ks_distance(Values{-infinity, 0.0}, Values{infinity}) == 1.0);
}

// a = {1, 2, 3, 4}, b = {3, 4, 5, 6, 7}: after each distinct value the CDFs
// are (1/4, 0), (2/4, 0), (3/4, 1/5), (1, 2/5), (1, 3/5), ... so
// D = 1 - 2/5 = 0.6 at x = 4.
BOOST_AUTO_TEST_CASE(ks_hand_computed) {
  const Values a{4.0, 2.0, 1.0, 3.0};
  const Values b{7.0, 3.0, 5.0, 4.0, 6.0};

  BOOST_TEST(pivot::ks_distance(a, b) == 0.6, tt::tolerance(tolerance));
  BOOST_TEST(pivot::ks_distance(b, a) == 0.6, tt::tolerance(tolerance));
}

// a = {1, 1, 2}, b = {1, 2, 2}: after all the 1s the CDFs are 2/3 and 1/3,
// after the 2s both are 1, so D = 1/3. Stepping through the merged sample
// one value at a time would see 2/3 - 0 between the tied 1s.
BOOST_AUTO_TEST_CASE(ks_ties) {
  BOOST_TEST(pivot::ks_distance(Values{1.0, 1.0, 2.0}, Values{1.0, 2.0, 2.0}) == 1.0 / 3.0,
             tt::tolerance(tolerance));
  // {0, 0, 0, 1} against {0, 1, 1, 1}: 3/4 - 1/4 at 0, then 0 at 1.
  BOOST_TEST(pivot::ks_distance(Values{0.0, 0.0, 0.0, 1.0}, Values{0.0, 1.0, 1.0, 1.0}) == 0.5,
             tt::tolerance(tolerance));
}

BOOST_AUTO_TEST_CASE(ks_rejects_bad_input) {
  const std::string empty =
      invalid_argument_message([] { pivot::ks_distance(Values{}, Values{1.0}); });
  const std::string with_nan = invalid_argument_message([] {
    pivot::ks_distance(Values{1.0}, Values{2.0, not_a_number});
  });

  check_contains(empty, {"ks_distance", "a is empty"});
  check_contains(with_nan, {"ks_distance", "b[1] is NaN"});
}

// a = {1, 2} with weights {3, 1}, b = {1, 2} with weights {1, 1}: after 1
// the CDFs are 3/4 and 1/2, after 2 both are 1, so D = 1/4.
BOOST_AUTO_TEST_CASE(weighted_ks_hand_computed) {
  const double distance = pivot::weighted_ks_distance(Values{2.0, 1.0}, Values{1.0, 3.0},
                                                      Values{1.0, 2.0}, Values{1.0, 1.0});

  BOOST_TEST(distance == 0.25, tt::tolerance(tolerance));
}

BOOST_AUTO_TEST_CASE(weighted_ks_unit_weights) {
  const Values a = uniform_values(200, 1);
  const Values b = uniform_values(150, 2);

  BOOST_TEST(pivot::weighted_ks_distance(a, Values(200, 1.0), b, Values(150, 1.0)) ==
             pivot::ks_distance(a, b));
}

// Integer weights act as repeated values: weight 2 on a value counts twice.
BOOST_AUTO_TEST_CASE(weighted_ks_integer_weights) {
  const double weighted = pivot::weighted_ks_distance(Values{0.5, 1.5, 3.0}, Values{2.0, 1.0, 3.0},
                                                      Values{1.0, 2.0}, Values{1.0, 1.0});
  const double repeated =
      pivot::ks_distance(Values{0.5, 0.5, 1.5, 3.0, 3.0, 3.0}, Values{1.0, 2.0});

  BOOST_TEST(weighted == repeated, tt::tolerance(tolerance));
}

BOOST_AUTO_TEST_CASE(weighted_ks_rejects_bad_weights) {
  const Values a{1.0, 2.0};
  const Values b{3.0};

  const std::string size = invalid_argument_message(
      [&] { pivot::weighted_ks_distance(a, Values{1.0}, b, Values{1.0}); });
  const std::string negative = invalid_argument_message([&] {
    pivot::weighted_ks_distance(a, Values{1.0, 1.0}, b, Values{-1.0});
  });
  const std::string zero = invalid_argument_message([&] {
    pivot::weighted_ks_distance(a, Values{0.0, 0.0}, b, Values{1.0});
  });

  check_contains(size,
                 {"weighted_ks_distance", "a and a_weights must have the same size, got 2 and 1"});
  check_contains(negative, {"b_weights[0] is -1", "non-negative"});
  check_contains(zero, {"weights of a sum to 0"});
}

BOOST_AUTO_TEST_CASE(auc_perfect_and_reversed) {
  const Values labels{0.0, 0.0, 1.0, 1.0};

  BOOST_TEST(pivot::roc_auc(Values{0.1, 0.2, 0.8, 0.9}, labels) == 1.0);
  BOOST_TEST(pivot::roc_auc(Values{0.9, 0.8, 0.2, 0.1}, labels) == 0.0);
}

BOOST_AUTO_TEST_CASE(auc_all_tied) {
  BOOST_TEST(pivot::roc_auc(Values{0.5, 0.5, 0.5, 0.5, 0.5}, Values{0.0, 1.0, 1.0, 0.0, 1.0}) ==
             0.5);
}

// Positives score {0.35, 0.8}, negatives {0.1, 0.4}: of the four pairs, 0.35
// loses to 0.4 and the other three are won, so AUC = 3/4.
BOOST_AUTO_TEST_CASE(auc_hand_computed) {
  BOOST_TEST(pivot::roc_auc(Values{0.1, 0.4, 0.35, 0.8}, Values{0.0, 0.0, 1.0, 1.0}) == 0.75,
             tt::tolerance(tolerance));
}

// Positives {0.5, 0.9}, negatives {0.5, 0.2}: the pair (0.5, 0.5) counts
// 1/2 and the other three count 1, so AUC = 3.5 / 4.
BOOST_AUTO_TEST_CASE(auc_partial_ties) {
  BOOST_TEST(pivot::roc_auc(Values{0.5, 0.5, 0.2, 0.9}, Values{1.0, 0.0, 0.0, 1.0}) == 0.875,
             tt::tolerance(tolerance));
}

// Scores {0.1, 0.4, 0.35, 0.8}, labels {0, 0, 1, 1}, weights {1, 2, 3, 0.5}.
// Winning pairs: 0.35 over 0.1 (3 * 1), 0.8 over 0.1 (0.5 * 1) and over 0.4
// (0.5 * 2), 4.5 in total, over W+ W- = 3.5 * 3 = 10.5, so AUC = 3/7.
BOOST_AUTO_TEST_CASE(auc_weighted_hand_computed) {
  const double auc = pivot::roc_auc(Values{0.1, 0.4, 0.35, 0.8}, Values{0.0, 0.0, 1.0, 1.0},
                                    Values{1.0, 2.0, 3.0, 0.5});

  BOOST_TEST(auc == 3.0 / 7.0, tt::tolerance(tolerance));
}

// Integer weights act as repeated samples, ties included.
BOOST_AUTO_TEST_CASE(auc_integer_weights) {
  const double weighted = pivot::roc_auc(Values{0.3, 0.3, 0.7, 0.1}, Values{1.0, 0.0, 0.0, 1.0},
                                         Values{2.0, 1.0, 3.0, 1.0});
  const double repeated = pivot::roc_auc(Values{0.3, 0.3, 0.3, 0.7, 0.7, 0.7, 0.1},
                                         Values{1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0});

  BOOST_TEST(weighted == repeated, tt::tolerance(tolerance));
}

BOOST_AUTO_TEST_CASE(auc_rejects_bad_input) {
  const std::string size = invalid_argument_message([] {
    pivot::roc_auc(Values{0.1, 0.2}, Values{0.0});
  });
  const std::string weight_size = invalid_argument_message([] {
    pivot::roc_auc(Values{0.1, 0.2}, Values{0.0, 1.0}, Values{1.0});
  });
  const std::string label = invalid_argument_message([] {
    pivot::roc_auc(Values{0.1, 0.2}, Values{0.0, 2.0});
  });
  const std::string score = invalid_argument_message([] {
    pivot::roc_auc(Values{not_a_number, 0.2}, Values{0.0, 1.0});
  });
  const std::string weight = invalid_argument_message([] {
    pivot::roc_auc(Values{0.1, 0.2}, Values{0.0, 1.0}, Values{1.0, -3.0});
  });

  check_contains(size, {"roc_auc", "scores and labels must have the same size, got 2 and 1"});
  check_contains(weight_size, {"scores and weights must have the same size, got 2 and 1"});
  check_contains(label, {"roc_auc", "labels[1] is 2", "0 or 1"});
  check_contains(score, {"scores[0] is NaN"});
  check_contains(weight, {"weights[1] is -3"});
}

BOOST_AUTO_TEST_CASE(auc_needs_both_classes) {
  const std::string positives_only = invalid_argument_message([] {
    pivot::roc_auc(Values{0.1, 0.2}, Values{1.0, 1.0});
  });
  const std::string zero_weight = invalid_argument_message([] {
    pivot::roc_auc(Values{0.1, 0.2}, Values{0.0, 1.0}, Values{0.0, 1.0});
  });

  check_contains(positives_only, {"roc_auc", "positives (label 1) is 2", "negatives (label 0) is 0",
                                  "both classes"});
  check_contains(zero_weight, {"negatives (label 0) is 0"});
}

// Two bins of width 0.5 on [0, 1] with two of four values each: density
// 2 / (4 * 0.5) = 1 in both.
BOOST_AUTO_TEST_CASE(histogram_hand_computed) {
  const pivot::Histogram histogram =
      pivot::histogram_density(Values{0.1, 0.2, 0.6, 0.9}, 2, 0.0, 1.0);

  BOOST_TEST(histogram.edges == (Values{0.0, 0.5, 1.0}), tt::per_element());
  BOOST_TEST(histogram.density == (Values{1.0, 1.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(histogram_integrates_to_one) {
  const Values values = uniform_values(1000, 3);

  const pivot::Histogram histogram = pivot::histogram_density(values, 50, -0.5, 1.5);

  double integral = 0.0;
  for (std::size_t k = 0; k < 50; ++k) {
    integral += histogram.density[k] * (histogram.edges[k + 1] - histogram.edges[k]);
  }
  BOOST_TEST(histogram.edges.size() == 51u);
  BOOST_TEST(histogram.density.size() == 50u);
  BOOST_TEST(integral == 1.0, tt::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(histogram_high_in_last_bin) {
  const pivot::Histogram histogram = pivot::histogram_density(Values{1.0}, 4, 0.0, 1.0);

  // One value in a bin of width 1/4: density 4.
  BOOST_TEST(histogram.density == (Values{0.0, 0.0, 0.0, 4.0}), tt::per_element());
}

// -5 is counted in the first bin, 0.5 opens the second bin and 7 is counted
// in the last: densities 1 / (3 * 0.5) and 2 / (3 * 0.5).
BOOST_AUTO_TEST_CASE(histogram_out_of_range_clamped) {
  const pivot::Histogram histogram = pivot::histogram_density(Values{-5.0, 0.5, 7.0}, 2, 0.0, 1.0);

  BOOST_TEST(histogram.density[0] == 2.0 / 3.0, tt::tolerance(tolerance));
  BOOST_TEST(histogram.density[1] == 4.0 / 3.0, tt::tolerance(tolerance));
}

// Each stored edge starts its own bin, even where (edge - low) / width
// rounds below the bin number: on [-0.7, 0.3] the edge -0.6 gives
// (-0.6 + 0.7) / 0.1 = 0.9999999999999998.
BOOST_AUTO_TEST_CASE(histogram_edges_open_their_bin) {
  const pivot::Histogram reference = pivot::histogram_density(Values{0.0}, 10, -0.7, 0.3);

  for (std::size_t k = 0; k < 10; ++k) {
    const Values value{reference.edges[k]};
    const pivot::Histogram histogram = pivot::histogram_density(value, 10, -0.7, 0.3);
    BOOST_TEST_CONTEXT("edge " << k << " = " << reference.edges[k]) {
      BOOST_TEST(histogram.density[k] > 0.0);
    }
  }
}

// Weights 3 and 1 put 3/4 and 1/4 of the mass in bins of width 0.5.
BOOST_AUTO_TEST_CASE(histogram_weighted) {
  const pivot::Histogram histogram =
      pivot::histogram_density(Values{0.25, 0.75}, 2, 0.0, 1.0, Values{3.0, 1.0});

  BOOST_TEST(histogram.density[0] == 1.5, tt::tolerance(tolerance));
  BOOST_TEST(histogram.density[1] == 0.5, tt::tolerance(tolerance));
}

BOOST_AUTO_TEST_CASE(histogram_rejects_bad_input) {
  const Values values{0.5};

  const std::string empty =
      invalid_argument_message([] { pivot::histogram_density(Values{}, 2, 0.0, 1.0); });
  const std::string no_bins =
      invalid_argument_message([&] { pivot::histogram_density(values, 0, 0.0, 1.0); });
  const std::string reversed =
      invalid_argument_message([&] { pivot::histogram_density(values, 2, 1.0, 0.0); });
  const std::string unbounded =
      invalid_argument_message([&] { pivot::histogram_density(values, 2, 0.0, infinity); });
  const std::string with_nan = invalid_argument_message([] {
    pivot::histogram_density(Values{0.1, not_a_number}, 2, 0.0, 1.0);
  });
  const std::string weight_size = invalid_argument_message([&] {
    pivot::histogram_density(values, 2, 0.0, 1.0, Values{1.0, 1.0});
  });
  const std::string zero_weight =
      invalid_argument_message([&] { pivot::histogram_density(values, 2, 0.0, 1.0, Values{0.0}); });

  check_contains(empty, {"histogram_density", "values is empty"});
  check_contains(no_bins, {"bins is 0"});
  check_contains(reversed, {"range [1, 0] is invalid", "low < high"});
  check_contains(unbounded, {"range [0, inf] is invalid"});
  check_contains(with_nan, {"values[1] is NaN"});
  check_contains(weight_size, {"values and weights must have the same size, got 1 and 2"});
  check_contains(zero_weight, {"weights sum to 0"});
}

// 2^62 bins used to reach std::vector and throw std::length_error.
BOOST_AUTO_TEST_CASE(histogram_rejects_too_many_bins) {
  const Values values{0.5};

  const std::string huge = invalid_argument_message(
      [&] { pivot::histogram_density(values, std::size_t{1} << 62, 0.0, 1.0); });
  const std::string above = invalid_argument_message(
      [&] { pivot::histogram_density(values, pivot::max_histogram_bins + 1, 0.0, 1.0); });
  const pivot::Histogram largest =
      pivot::histogram_density(values, pivot::max_histogram_bins, 0.0, 1.0);

  check_contains(huge, {"histogram_density: bins is 4611686018427387904", "maximum of 1000000"});
  check_contains(above, {"bins is 1000001"});
  BOOST_TEST(largest.density.size() == pivot::max_histogram_bins);
}

BOOST_AUTO_TEST_SUITE_END()
