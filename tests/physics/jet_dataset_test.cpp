#define BOOST_TEST_MODULE physics_jet_dataset
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "experiments/physics/data/jet_dataset.hpp"

namespace tt = boost::test_tools;
using physics::JetOrigin;

namespace {

constexpr std::size_t mass_column = 0;
constexpr std::size_t tau21_column = 1;
constexpr std::size_t c2_beta1_column = 2;
constexpr std::size_t d2_beta1_column = 4;

// One feature of `count` jets of one origin, with seeds first_seed, first_seed + 1, ...
std::vector<double> feature_sample(JetOrigin origin, bool with_pileup, std::size_t column,
                                   std::size_t count, std::uint64_t first_seed) {
  const physics::JetSimulationOptions options;
  std::vector<double> values;
  for (std::size_t i = 0; i < count; ++i) {
    values.push_back(
        physics::simulate_jet_features(options, origin, with_pileup, first_seed + i)[column]);
  }
  return values;
}

// The q-quantile by the nearest-rank rule.
double quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1));
  return values[rank];
}

double mean(const std::vector<double>& values) {
  double sum = 0.0;
  for (const double value : values) {
    sum += value;
  }
  return sum / static_cast<double>(values.size());
}

}  // namespace

BOOST_AUTO_TEST_CASE(same_seed_same_dataset) {
  const physics::JetSimulationOptions options;
  const nn::Dataset first = physics::generate_jet_dataset(options, 12, 2024);
  const nn::Dataset second = physics::generate_jet_dataset(options, 12, 2024);
  const nn::Dataset other = physics::generate_jet_dataset(options, 12, 2025);

  const bool same_features = first.X == second.X;
  const bool same_labels = first.y == second.y && first.z == second.z;
  const bool other_features = first.X != other.X;
  BOOST_TEST(same_features);
  BOOST_TEST(same_labels);
  BOOST_TEST(other_features);
}

// Jet i has its own generator, so a shorter data set is a prefix of a
// longer one with the same seed.
BOOST_AUTO_TEST_CASE(shorter_dataset_is_prefix) {
  const physics::JetSimulationOptions options;
  const nn::Dataset shorter = physics::generate_jet_dataset(options, 5, 7);
  const nn::Dataset longer = physics::generate_jet_dataset(options, 9, 7);

  for (std::size_t i = 0; i < shorter.size(); ++i) {
    for (std::size_t column = 0; column < physics::jet_feature_count; ++column) {
      BOOST_TEST(shorter.X(i, column) == longer.X(i, column));
    }
  }
}

BOOST_AUTO_TEST_CASE(labels_balanced_and_patterned) {
  const nn::Dataset data = physics::generate_jet_dataset({}, 10, 3);

  BOOST_TEST(data.features() == physics::jet_feature_count);
  for (std::size_t i = 0; i < data.size(); ++i) {
    BOOST_TEST(data.y(i, 0) == static_cast<double>(i % 2));
    BOOST_TEST(data.z(i, 0) == static_cast<double>((i / 2) % 2));
    BOOST_TEST(data.weights(i, 0) == 1.0);
  }
}

BOOST_AUTO_TEST_CASE(jet_seeds_distinct) {
  std::set<std::uint64_t> seeds;
  for (std::uint64_t seed = 0; seed < 4; ++seed) {
    for (std::size_t index = 0; index < 1000; ++index) {
      seeds.insert(physics::jet_seed(seed, index));
    }
  }
  BOOST_TEST(seeds.size() == 4000U);
}

BOOST_AUTO_TEST_CASE(progress_reports_every_hundred) {
  std::vector<std::size_t> done_values;
  std::vector<std::size_t> totals;
  physics::JetSimulationOptions options;
  options.pileup.mean_interactions = 0.0;  // keeps the 250 jets fast

  physics::generate_jet_dataset(options, 250, 1, [&](std::size_t done, std::size_t total) {
    done_values.push_back(done);
    totals.push_back(total);
  });

  const std::vector<std::size_t> expected_done = {100, 200, 250};
  const std::vector<std::size_t> expected_totals = {250, 250, 250};
  BOOST_TEST(done_values == expected_done, tt::per_element());
  BOOST_TEST(totals == expected_totals, tt::per_element());
}

// W jets: the two-prong mass is m_W minus what leaves the R = 1 jet or is
// trimmed away, so the median lies a few GeV below 80.4 GeV, nothing exceeds
// the W mass window's edge at 90.4 GeV, and most jets sit in 65-90 GeV.
// About 15% of W jets lose a prong (one quark below ~5-10% of the p_T) and
// land at low mass. QCD jets get their mass from radiation alone, with a
// broad falling distribution: low median, long tail, few in 65-90 GeV. The
// bounds leave many binomial standard errors (0.025 at 400 jets) or
// quantile standard errors (about 1 GeV for W, 3 GeV for QCD) of room.
BOOST_AUTO_TEST_CASE(w_mass_peak_and_broad_qcd) {
  const std::vector<double> w = feature_sample(JetOrigin::w_boson, false, mass_column, 400, 100);
  const std::vector<double> qcd = feature_sample(JetOrigin::qcd, false, mass_column, 400, 100);
  const auto fraction_in_peak = [](const std::vector<double>& masses) {
    const auto count = std::count_if(masses.begin(), masses.end(),
                                     [](double mass) { return mass > 65.0 && mass < 90.0; });
    return static_cast<double>(count) / static_cast<double>(masses.size());
  };

  const double w_median = quantile(w, 0.5);
  BOOST_TEST(w_median > 70.0);
  BOOST_TEST(w_median < 85.0);
  BOOST_TEST(quantile(w, 1.0) < 90.4);
  BOOST_TEST(fraction_in_peak(w) > 0.6);

  BOOST_TEST(quantile(qcd, 0.5) < 40.0);
  BOOST_TEST(quantile(qcd, 0.75) - quantile(qcd, 0.25) > 25.0);
  BOOST_TEST(quantile(qcd, 0.9) > 60.0);
  BOOST_TEST(fraction_in_peak(qcd) < 0.25);
}

// Two-prong W jets have lower τ21 and D2 than QCD jets. The medians of 400
// jets each differ by many standard errors: about 0.15 against 0.35 for τ21
// and 0.7 against 1.3 for D2, with standard errors near 0.02 and 0.05.
BOOST_AUTO_TEST_CASE(w_jets_two_prong) {
  for (const std::size_t column : {tau21_column, d2_beta1_column}) {
    const std::vector<double> w = feature_sample(JetOrigin::w_boson, false, column, 400, 300);
    const std::vector<double> qcd = feature_sample(JetOrigin::qcd, false, column, 400, 300);
    BOOST_TEST(quantile(w, 0.5) < 0.75 * quantile(qcd, 0.5), "feature column " << column);
  }
}

// C2 grows with the jet mass, so it separates W from QCD jets at equal mass:
// within 65-95 GeV the W median is below the QCD one. About 10% of QCD jets
// fall in the window, so 1500 QCD jets give about 150.
BOOST_AUTO_TEST_CASE(c2_lower_for_w_in_mass_window) {
  const physics::JetSimulationOptions options;
  std::vector<double> w;
  std::vector<double> qcd;
  for (std::uint64_t seed = 0; seed < 1500; ++seed) {
    for (const JetOrigin origin : {JetOrigin::w_boson, JetOrigin::qcd}) {
      const auto features = physics::simulate_jet_features(options, origin, false, seed);
      if (features[mass_column] > 65.0 && features[mass_column] < 95.0) {
        (origin == JetOrigin::w_boson ? w : qcd).push_back(features[c2_beta1_column]);
      }
    }
  }

  BOOST_TEST_REQUIRE(qcd.size() > 50U);
  BOOST_TEST(quantile(w, 0.5) < 0.75 * quantile(qcd, 0.5));
}

// The same seed gives the same hard event with and without pileup, so the
// mass change pairs jet by jet and comes only from the pileup particles in
// the trimmed jet. The mean shift observed is about 6 GeV with a standard
// error near 0.5 GeV over 150 pairs.
BOOST_AUTO_TEST_CASE(pileup_raises_mean_mass) {
  for (const JetOrigin origin : {JetOrigin::qcd, JetOrigin::w_boson}) {
    const std::vector<double> clean = feature_sample(origin, false, mass_column, 150, 500);
    const std::vector<double> piled = feature_sample(origin, true, mass_column, 150, 500);
    BOOST_TEST(mean(piled) - mean(clean) > 2.0);
  }
}

// Without pileup the particle list does not change, so a zero-mean pileup
// model gives exactly the features of the pileup-free jet.
BOOST_AUTO_TEST_CASE(empty_pileup_changes_nothing) {
  physics::JetSimulationOptions options;
  options.pileup.mean_interactions = 0.0;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const auto clean = physics::simulate_jet_features(options, JetOrigin::qcd, false, seed);
    const auto piled = physics::simulate_jet_features(options, JetOrigin::qcd, true, seed);
    BOOST_TEST(clean == piled, tt::per_element());
  }
}

// The pileup region is a shortcut that leaves the jet unchanged except in
// rare events where far pileup changes anti-k_t's merging of a second hard
// cluster near the jet edge (2 events in 2000 when measured). Margin 0
// always falls back to full clustering, so it must match exactly.
BOOST_AUTO_TEST_CASE(pileup_region_matches_full_clustering) {
  physics::JetSimulationOptions region;
  physics::JetSimulationOptions full;
  full.pileup_region_margin = std::numeric_limits<double>::infinity();
  physics::JetSimulationOptions fallback;
  fallback.pileup_region_margin = 0.0;

  std::size_t differing = 0;
  for (std::uint64_t seed = 0; seed < 120; ++seed) {
    const JetOrigin origin = seed % 2 == 0 ? JetOrigin::qcd : JetOrigin::w_boson;
    const auto expected = physics::simulate_jet_features(full, origin, true, seed);
    const auto shortcut = physics::simulate_jet_features(region, origin, true, seed);
    differing += shortcut == expected ? 0 : 1;
    if (seed < 10) {
      const auto fallen_back = physics::simulate_jet_features(fallback, origin, true, seed);
      BOOST_TEST(fallen_back == expected, tt::per_element());
    }
  }
  BOOST_TEST(differing <= 2U);
}

BOOST_AUTO_TEST_CASE(invalid_requests_throw) {
  physics::JetSimulationOptions negative_margin;
  negative_margin.pileup_region_margin = -0.1;
  physics::JetSimulationOptions bad_pileup;
  bad_pileup.pileup.mean_pt = -1.0;

  BOOST_CHECK_THROW(physics::generate_jet_dataset({}, 0, 1), std::invalid_argument);
  try {
    physics::generate_jet_dataset(negative_margin, 4, 1);
    BOOST_ERROR("expected std::invalid_argument");
  } catch (const std::invalid_argument& error) {
    BOOST_TEST(std::string(error.what()).find("pileup_region_margin is -0.1") != std::string::npos);
  }
  BOOST_CHECK_THROW(physics::generate_jet_dataset(bad_pileup, 4, 1), std::invalid_argument);
  BOOST_CHECK_THROW(physics::simulate_jet_features(bad_pileup, JetOrigin::qcd, false, 1),
                    std::invalid_argument);
}
