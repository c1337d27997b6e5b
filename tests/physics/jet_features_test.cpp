#define BOOST_TEST_MODULE physics_jet_features
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

#include <fastjet/PseudoJet.hh>

#include "experiments/physics/data/energy_correlation.hpp"
#include "experiments/physics/data/jet_features.hpp"
#include "experiments/physics/data/nsubjettiness.hpp"

namespace tt = boost::test_tools;
using fastjet::PseudoJet;

// Two massless particles of equal p_T at (y1, φ1) and (y2, φ2):
// p_i = p (cos φ_i, sin φ_i, sinh y_i, cosh y_i), so
//   m² = 2 p1·p2 = 2 p² (cosh y1 cosh y2 - sinh y1 sinh y2 - cos Δφ)
//      = 2 p² (cosh Δy - cos Δφ).
BOOST_AUTO_TEST_CASE(two_particle_mass) {
  const double pt = 100.0;
  const double dy = 0.3;
  const double dphi = 0.4;
  const std::vector<PseudoJet> jet = {fastjet::PtYPhiM(pt, 0.2, 1.0, 0.0),
                                      fastjet::PtYPhiM(pt, 0.2 + dy, 1.0 + dphi, 0.0)};

  const double expected = std::sqrt(2.0 * pt * pt * (std::cosh(dy) - std::cos(dphi)));
  BOOST_TEST(physics::jet_mass(jet) == expected, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(single_particle_mass) {
  const std::vector<PseudoJet> jet = {fastjet::PtYPhiM(30.0, 0.5, 0.0, 0.13957)};
  // m² = E² - |p|² with E ≈ 34 loses about 1e-16 · 34² / 0.14² relative.
  BOOST_TEST(physics::jet_mass(jet) == 0.13957, tt::tolerance(1e-8));
}

BOOST_AUTO_TEST_CASE(features_in_documented_order) {
  const std::vector<PseudoJet> jet = {
      fastjet::PtYPhiM(100.0, 0.0, -0.3, 0.0), fastjet::PtYPhiM(80.0, 0.1, 0.3, 0.0),
      fastjet::PtYPhiM(10.0, -0.2, 0.1, 0.0), fastjet::PtYPhiM(4.0, 0.3, -0.1, 0.0)};
  const double radius = 1.0;

  const auto features = physics::compute_jet_features(jet, radius);
  const physics::EnergyCorrelations beta1 = physics::energy_correlations(jet, 1.0);
  const physics::EnergyCorrelations beta2 = physics::energy_correlations(jet, 2.0);

  BOOST_TEST(physics::jet_feature_names.size() == physics::jet_feature_count);
  BOOST_TEST(physics::jet_feature_names[0] == "mass");
  BOOST_TEST(features[0] == physics::jet_mass(jet));
  BOOST_TEST(features[1] == physics::tau21(jet, radius));
  BOOST_TEST(features[2] == physics::c2(beta1));
  BOOST_TEST(features[3] == physics::c2(beta2));
  BOOST_TEST(features[4] == physics::d2(beta1));
  BOOST_TEST(features[5] == physics::d2(beta2));
}

BOOST_AUTO_TEST_CASE(empty_jet_throws) {
  BOOST_CHECK_THROW(physics::jet_mass({}), std::invalid_argument);
  BOOST_CHECK_THROW(physics::compute_jet_features({}, 1.0), std::invalid_argument);
}
