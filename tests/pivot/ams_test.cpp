#define BOOST_TEST_MODULE pivot_ams
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "pivot/ams.hpp"
#include "tolerances.hpp"

namespace tt = boost::test_tools;

namespace {

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

// The sigma_b -> 0 limit, sqrt(2 ((s + b) ln(1 + s / b) - s)), written out.
double limit_formula(double s, double b) {
  return std::sqrt(2.0 * ((s + b) * std::log1p(s / b) - s));
}

const double infinity = std::numeric_limits<double>::infinity();

}  // namespace

BOOST_AUTO_TEST_SUITE(ams)

BOOST_AUTO_TEST_CASE(general_formula_by_hand) {
  // Each case follows b0 = (b - v + sqrt((b - v)^2 + 4 (s + b) v)) / 2 with
  // v = sigma_b^2, then AMS^2 = 2 ((s + b) ln((s + b) / b0) - s - b + b0)
  // + (b - b0)^2 / v. Intermediate values to 17 digits, from 30-digit mpmath.

  // s = 10, b = 100, sigma_b = 10: v = 100, b - v = 0, sqrt(4 * 110 * 100) =
  // sqrt(44000) = 209.76176963403031, b0 = 104.88088481701515;
  // 110 ln(110 / b0) = 110 * 0.04765508990216243 = 5.2420598892378673,
  // -s - b + b0 = -5.1191151829848453, (b - b0)^2 / v = 0.2382303659696906;
  // AMS^2 = 2 * 0.122944706252022 + 0.2382303659696906 = 0.4841197784757346.
  BOOST_TEST(pivot::ams(10.0, 100.0, 10.0) == 0.69578716463853701,
             tt::tolerance(test_tolerance::exact_fraction));

  // s = 5, b = 20, sigma_b = 2: v = 4, (b - v)^2 = 256, 4 (s + b) v = 400,
  // sqrt(656) = 25.612496949731395, b0 = (16 + 25.6125) / 2 = 20.806248474865697;
  // 25 ln(25 / b0) = 25 * 0.1836224758287442 = 4.590561895718605,
  // -s - b + b0 = -4.1937515251343026, (b - b0)^2 / v = 0.16250915080581576;
  // AMS^2 = 2 * 0.3968103705843024 + 0.16250915080581576 = 0.95612989197442056.
  BOOST_TEST(pivot::ams(5.0, 20.0, 2.0) == 0.97781894641821119,
             tt::tolerance(test_tolerance::exact_fraction));

  // s = 50, b = 10, sigma_b = 20, where v > b: b - v = -390, sqrt(390^2 +
  // 4 * 60 * 400) = sqrt(248100) = 498.09637621649086, b0 = 54.048188108245429;
  // 60 ln(60 / b0) = 60 * 0.10446854121042329 = 6.2681124726253971,
  // -s - b + b0 = -5.9518118917545708, (b - b0)^2 / v = 4.8506071890484351;
  // AMS^2 = 2 * 0.3163005808708263 + 4.8506071890484351 = 5.4832083507900877.
  BOOST_TEST(pivot::ams(50.0, 10.0, 20.0) == 2.3416251516393668,
             tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(empty_background_with_uncertainty) {
  // s = 4, b = 0, sigma_b = 1: b0 = (-1 + sqrt(1 + 16)) / 2 = 1.5615528128088303;
  // 4 ln(4 / b0) = 4 * 0.94061364210720876 = 3.762454568428835,
  // -s + b0 = -2.4384471871911697, b0^2 / v = 2.4384471871911697;
  // AMS^2 = 2 * 1.3240073812376653 + 2.4384471871911697 = 5.0864619496665004.
  BOOST_TEST(pivot::ams(4.0, 0.0, 1.0) == 2.2553185916110611,
             tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(zero_uncertainty_limit) {
  // s = 100, b = 1000: 1100 ln 1.1 = 1100 * 0.095310179804324941 =
  // 104.84119778475735, AMS^2 = 2 * 4.84119778475735 = 9.6823955695146921.
  BOOST_TEST(pivot::ams(100.0, 1000.0, 0.0) == 3.1116547960072133,
             tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(pivot::ams(3.0, 7.0, 0.0) == limit_formula(3.0, 7.0),
             tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(approaches_limit_to_first_order) {
  // d AMS^2 / d sigma_b^2 = -s^2 / b^2 at sigma_b = 0, so the relative gap to
  // the limit A0 is delta = sigma_b^2 s^2 / (2 b^2 A0^2) + O(delta^2).
  const double s = 10.0;
  const double b = 100.0;
  const double limit = limit_formula(s, b);
  for (const double sigma_b : {1e-1, 1e-2, 1e-3}) {
    const double delta = sigma_b * sigma_b * s * s / (2.0 * b * b * limit * limit);
    const double gap = (limit - pivot::ams(s, b, sigma_b)) / limit;
    BOOST_TEST(gap == delta, tt::tolerance(1e-3));
  }
}

BOOST_AUTO_TEST_CASE(continuous_across_switch) {
  // The limit A0 is used while sigma_b s / b <= 2^-26 A0. Just below that
  // sigma_b the result is A0 itself. Just above it, the general formula
  // agrees with A0 to a few units in the last place.
  const std::vector<std::pair<double, double>> cases = {
      {100.0, 1000.0}, {1.0, 1000.0}, {5.0, 0.5}, {0.01, 100.0}, {1e4, 3.0}};
  for (const auto& [s, b] : cases) {
    const double limit = pivot::ams(s, b, 0.0);
    const double switch_sigma = std::ldexp(limit, -26) * b / s;
    const double below = pivot::ams(s, b, switch_sigma * (1.0 - 1e-6));
    const double above = pivot::ams(s, b, switch_sigma * (1.0 + 1e-6));
    BOOST_TEST(below == limit, "s = " << s << ", b = " << b);
    BOOST_TEST(above == below, tt::tolerance(test_tolerance::ams_switch_fraction));
  }
}

BOOST_AUTO_TEST_CASE(zero_signal_is_zero) {
  for (const double b : {0.0, 1e-3, 1.0, 1000.0}) {
    for (const double sigma_b : {0.0, 1e-8, 1.0, 500.0}) {
      BOOST_TEST(pivot::ams(0.0, b, sigma_b) == 0.0, "b = " << b << ", sigma_b = " << sigma_b);
    }
  }
}

BOOST_AUTO_TEST_CASE(no_background_no_uncertainty_is_infinite) {
  BOOST_TEST(pivot::ams(1.0, 0.0, 0.0) == infinity);
  BOOST_TEST(pivot::ams(1e-9, 0.0, 0.0) == infinity);
}

BOOST_AUTO_TEST_CASE(never_nan) {
  // Includes values whose squares underflow or overflow.
  const std::vector<double> values = {0.0, 5e-324, 1e-300, 1e-10, 0.5,
                                      1.0, 1e3,    1e12,   1e200, 1e308};
  for (const double s : values) {
    for (const double b : values) {
      for (const double sigma_b : values) {
        const double value = pivot::ams(s, b, sigma_b);
        BOOST_TEST(!std::isnan(value), "s = " << s << ", b = " << b << ", sigma_b = " << sigma_b);
        BOOST_TEST(value >= 0.0, "s = " << s << ", b = " << b << ", sigma_b = " << sigma_b);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(decreases_with_uncertainty) {
  double previous = pivot::ams(20.0, 200.0, 0.0);
  for (const double sigma_b : {0.1, 1.0, 10.0, 100.0, 1000.0}) {
    const double value = pivot::ams(20.0, 200.0, sigma_b);
    BOOST_TEST(value < previous, "sigma_b = " << sigma_b);
    previous = value;
  }
}

BOOST_AUTO_TEST_CASE(rejects_bad_counts) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  BOOST_TEST(contains(error_message([] { pivot::ams(-1.0, 1.0, 1.0); }), "s is -1"));
  BOOST_TEST(contains(error_message([] { pivot::ams(1.0, -2.0, 1.0); }), "b is -2"));
  BOOST_TEST(contains(error_message([&] { pivot::ams(1.0, 1.0, nan); }), "sigma_b is nan"));
  BOOST_TEST(contains(error_message([] { pivot::ams(infinity, 1.0, 1.0); }), "s is inf"));
}

// --- curves -----------------------------------------------------------------------

// Signal with z = 0 scores 0.2, 0.6, 0.9; a signal sample with z = 1 (0.95)
// must be ignored. Background with z = 0 scores 0.1, 0.3, 0.5, 0.7 and with
// z = 1 scores 0.2, 0.4.
const std::vector<double> scores = {0.2, 0.6, 0.9, 0.95, 0.1, 0.3, 0.5, 0.7, 0.2, 0.4};
const std::vector<double> labels = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
const std::vector<double> nuisances = {0, 0, 0, 1, 0, 0, 0, 0, 1, 1};

BOOST_AUTO_TEST_CASE(curve_by_hand) {
  const pivot::AmsCurve curve = pivot::ams_curve(scores, labels, nuisances, {}, 100.0, 1000.0, 3);
  BOOST_TEST_REQUIRE(curve.thresholds.size() == 3u);
  BOOST_TEST_REQUIRE(curve.ams.size() == 3u);
  BOOST_TEST(curve.thresholds[0] == 0.0);
  BOOST_TEST(curve.thresholds[1] == 0.5);
  BOOST_TEST(curve.thresholds[2] == 1.0);

  // c = 0: everything passes, s = 100, b = b1 = 1000, sigma_b = 0.
  BOOST_TEST(curve.ams[0] == 3.1116547960072133, tt::tolerance(test_tolerance::exact_fraction));

  // c = 0.5: s = 100 * 2/3 (0.6, 0.9). The cut is strict, so 0.5 fails and
  // b = 1000 * 1/4 (0.7 only); b1 = 0, so sigma_b = 250. From 30-digit mpmath,
  // AMS(200/3, 250, 250) = 0.26599414142086612.
  BOOST_TEST(curve.ams[1] == 0.26599414142086612, tt::tolerance(test_tolerance::exact_fraction));

  // c = 1: no score is above 1, so s = 0.
  BOOST_TEST(curve.ams[2] == 0.0);
}

BOOST_AUTO_TEST_CASE(curve_keeps_event_counts) {
  const pivot::AmsCurve curve = pivot::ams_curve(scores, labels, nuisances, {}, 100.0, 1000.0, 3);
  BOOST_TEST_REQUIRE(curve.s.size() == 3u);
  BOOST_TEST_REQUIRE(curve.b.size() == 3u);
  BOOST_TEST_REQUIRE(curve.b1.size() == 3u);

  // The counts of curve_by_hand: c = 0 passes everything, c = 0.5 keeps
  // two of three signal scores and one of four background scores with
  // z = 0, c = 1 keeps nothing.
  BOOST_TEST(curve.s[0] == 100.0);
  BOOST_TEST(curve.b[0] == 1000.0);
  BOOST_TEST(curve.b1[0] == 1000.0);
  BOOST_TEST(curve.s[1] == 200.0 / 3.0, tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(curve.b[1] == 250.0);
  BOOST_TEST(curve.b1[1] == 0.0);
  BOOST_TEST(curve.s[2] == 0.0);
  BOOST_TEST(curve.b[2] == 0.0);
  BOOST_TEST(curve.b1[2] == 0.0);
}

BOOST_AUTO_TEST_CASE(curve_weighted) {
  // Weights 1, 1, 2 on the signal with z = 0, 2, 1, 1, 4 on the background
  // with z = 0 and 1, 3 on the background with z = 1; the z = 1 signal weight
  // is irrelevant. Thresholds 0, 0.25, 0.5, 0.75, 1.
  const std::vector<double> weights = {1, 1, 2, 7, 2, 1, 1, 4, 1, 3};
  const pivot::AmsCurve curve =
      pivot::ams_curve(scores, labels, nuisances, weights, 100.0, 1000.0, 5);
  BOOST_TEST_REQUIRE(curve.ams.size() == 5u);

  // c = 0.25: s = 100 * 3/4, b = 1000 * 6/8 (0.3, 0.5, 0.7), b1 = 1000 * 3/4 (0.4).
  BOOST_TEST(curve.ams[1] == pivot::ams(75.0, 750.0, 0.0),
             tt::tolerance(test_tolerance::exact_fraction));
  // c = 0.5: s = 100 * 3/4, b = 1000 * 4/8 (0.7), b1 = 0.
  BOOST_TEST(curve.ams[2] == pivot::ams(75.0, 500.0, 500.0),
             tt::tolerance(test_tolerance::exact_fraction));
  // c = 0.75: s = 100 * 2/4 (0.9), b = b1 = 0, so the AMS is unbounded.
  BOOST_TEST(curve.ams[3] == infinity);
}

BOOST_AUTO_TEST_CASE(curve_totals_scale_counts) {
  // signal_total and background_total are the counts before the cut: at
  // c = 0 they enter the limit formula unchanged.
  const pivot::AmsCurve curve = pivot::ams_curve(scores, labels, nuisances, {}, 30.0, 600.0, 2);
  BOOST_TEST(curve.ams[0] == limit_formula(30.0, 600.0),
             tt::tolerance(test_tolerance::exact_fraction));
}

// A curve with thresholds and AMS values only, for the tests of peak().
pivot::AmsCurve curve_of(std::vector<double> thresholds, std::vector<double> ams) {
  pivot::AmsCurve curve;
  curve.thresholds = std::move(thresholds);
  curve.ams = std::move(ams);
  return curve;
}

BOOST_AUTO_TEST_CASE(peak_of_curve) {
  const pivot::AmsCurve curve = pivot::ams_curve(scores, labels, nuisances, {}, 100.0, 1000.0, 3);
  const pivot::AmsPeak best = pivot::peak(curve);
  BOOST_TEST(best.threshold == 0.0);
  BOOST_TEST(best.ams == curve.ams[0]);
}

BOOST_AUTO_TEST_CASE(peak_skips_infinite) {
  const pivot::AmsCurve curve = curve_of({0.0, 0.5, 0.7, 1.0}, {1.5, infinity, 2.5, 0.0});
  const pivot::AmsPeak best = pivot::peak(curve);
  BOOST_TEST(best.threshold == 0.7);
  BOOST_TEST(best.ams == 2.5);
  BOOST_TEST(best.index == 2u);
}

BOOST_AUTO_TEST_CASE(peak_first_of_ties) {
  const pivot::AmsCurve curve = curve_of({0.0, 0.5, 1.0}, {1.0, 2.0, 2.0});
  BOOST_TEST(pivot::peak(curve).threshold == 0.5);
}

BOOST_AUTO_TEST_CASE(peak_rejects_bad_curves) {
  BOOST_TEST(contains(error_message([] { pivot::peak(pivot::AmsCurve{}); }), "no finite"));
  BOOST_TEST(contains(error_message([] {
                        pivot::peak(curve_of({0.0}, {infinity}));
                      }),
                      "no finite"));
  BOOST_TEST(contains(error_message([] {
                        pivot::peak(curve_of({0.0, 1.0}, {1.0}));
                      }),
                      "2 thresholds but 1"));
}

BOOST_AUTO_TEST_CASE(curve_rejects_bad_input) {
  const std::vector<double> short_labels = {1, 0};
  BOOST_TEST(contains(error_message([&] { pivot::ams_curve(scores, short_labels, nuisances); }),
                      "same size"));

  std::vector<double> logits = scores;
  logits[2] = 2.5;
  BOOST_TEST(contains(error_message([&] { pivot::ams_curve(logits, labels, nuisances); }),
                      "scores[2] is 2.5"));

  std::vector<double> bad_labels = labels;
  bad_labels[1] = 2.0;
  BOOST_TEST(contains(error_message([&] { pivot::ams_curve(scores, bad_labels, nuisances); }),
                      "labels[1] is 2"));

  std::vector<double> bad_nuisances = nuisances;
  bad_nuisances[4] = 0.5;
  BOOST_TEST(contains(error_message([&] { pivot::ams_curve(scores, labels, bad_nuisances); }),
                      "nuisances[4] is 0.5"));

  std::vector<double> negative = std::vector<double>(scores.size(), 1.0);
  negative[0] = -1.0;
  BOOST_TEST(contains(error_message([&] { pivot::ams_curve(scores, labels, nuisances, negative); }),
                      "weights[0] is -1"));

  // No background with z = 1 left: sigma_b has no reference.
  const std::vector<double> no_pileup = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  BOOST_TEST(contains(error_message([&] { pivot::ams_curve(scores, labels, no_pileup); }),
                      "with z = 1 has total weight 0"));

  BOOST_TEST(
      contains(error_message([&] { pivot::ams_curve(scores, labels, nuisances, {}, 0.0, 1000.0); }),
               "signal_total is 0"));
  BOOST_TEST(contains(
      error_message([&] { pivot::ams_curve(scores, labels, nuisances, {}, 100.0, 1000.0, 1); }),
      "threshold_count is 1"));
}

// 2^62 thresholds used to reach std::vector and throw std::length_error.
BOOST_AUTO_TEST_CASE(curve_rejects_too_many_thresholds) {
  const std::size_t huge = std::size_t{1} << 62;
  const std::string message = error_message(
      [&] { pivot::ams_curve(scores, labels, nuisances, {}, 100.0, 1000.0, huge); });
  BOOST_TEST(contains(message, "ams_curve: threshold_count is 4611686018427387904"), message);
  BOOST_TEST(contains(message, "maximum of 1000000"), message);

  const std::string above = error_message([&] {
    pivot::ams_curve(scores, labels, nuisances, {}, 100.0, 1000.0, pivot::max_ams_thresholds + 1);
  });
  BOOST_TEST(contains(above, "threshold_count is 1000001"), above);

  const pivot::AmsCurve largest = pivot::ams_curve(scores, labels, nuisances, {}, 100.0, 1000.0,
                                                   pivot::max_ams_thresholds);
  BOOST_TEST(largest.ams.size() == pivot::max_ams_thresholds);
}

BOOST_AUTO_TEST_SUITE_END()
