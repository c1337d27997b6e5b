#define BOOST_TEST_MODULE physics_energy_correlation
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

#include <fastjet/PseudoJet.hh>

#include "experiments/physics/data/energy_correlation.hpp"
#include "tolerances.hpp"

namespace tt = boost::test_tools;
using fastjet::PseudoJet;

namespace {

PseudoJet massless(double pt, double rapidity, double phi) {
  return fastjet::PtYPhiM(pt, rapidity, phi, 0.0);
}

}  // namespace

// Two particles with z1 = z2 = 1/2 at ΔR = d: e2 = z1 z2 d^β = d^β / 4, and
// e3 = 0 because there is no triple, so C2 = D2 = 0.
BOOST_AUTO_TEST_CASE(two_particles_closed_form) {
  const double d = 0.5;
  // Δy = 0.3 and Δφ = 0.4 give ΔR = 0.5.
  const std::vector<PseudoJet> jet = {massless(80.0, 0.1, 1.0), massless(80.0, 0.4, 1.4)};

  const physics::EnergyCorrelations beta1 = physics::energy_correlations(jet, 1.0);
  const physics::EnergyCorrelations beta2 = physics::energy_correlations(jet, 2.0);

  BOOST_TEST(beta1.e2 == d / 4.0, tt::tolerance(1e-12));
  BOOST_TEST(beta2.e2 == d * d / 4.0, tt::tolerance(1e-12));
  BOOST_TEST(beta1.e3 == 0.0);
  BOOST_TEST(physics::c2(beta1) == 0.0);
  BOOST_TEST(physics::d2(beta2) == 0.0);
}

// Three equal-p_T particles at the corners of an equilateral triangle of
// side d in (y, φ): z = 1/3 each, so
//   e2 = 3 (1/9) d^β = d^β / 3,   e3 = (1/27) d^{3β},
//   C2 = e3 / e2² = d^β / 3,      D2 = e3 / e2³ = 1 for every d and β.
BOOST_AUTO_TEST_CASE(equilateral_triangle_closed_form) {
  const double d = 0.3;
  const std::vector<PseudoJet> jet = {massless(50.0, 0.0, 0.0), massless(50.0, d, 0.0),
                                      massless(50.0, d / 2.0, d * std::sqrt(3.0) / 2.0)};

  for (const double beta : {1.0, 2.0}) {
    const physics::EnergyCorrelations ecf = physics::energy_correlations(jet, beta);
    const double side = std::pow(d, beta);

    BOOST_TEST(ecf.e2 == side / 3.0, tt::tolerance(1e-12));
    BOOST_TEST(ecf.e3 == side * side * side / 27.0, tt::tolerance(1e-12));
    BOOST_TEST(physics::c2(ecf) == side / 3.0, tt::tolerance(1e-12));
    BOOST_TEST(physics::d2(ecf) == 1.0, tt::tolerance(1e-12));
  }
}

// p_T 1, 2, 3 on a line at y = 0, 0.1, 0.3 (φ = 0): z = 1/6, 2/6, 3/6 and
// ΔR12 = 0.1, ΔR13 = 0.3, ΔR23 = 0.2. At β = 1
//   e2 = (1·2·0.1 + 1·3·0.3 + 2·3·0.2) / 36 = 2.3 / 36,
//   e3 = (1·2·3 / 216) · 0.1·0.3·0.2 = 0.006 / 36.
BOOST_AUTO_TEST_CASE(unequal_momenta_weighting) {
  const std::vector<PseudoJet> jet = {massless(1.0, 0.0, 0.0), massless(2.0, 0.1, 0.0),
                                      massless(3.0, 0.3, 0.0)};

  const physics::EnergyCorrelations ecf = physics::energy_correlations(jet, 1.0);

  BOOST_TEST(ecf.e2 == 2.3 / 36.0, tt::tolerance(1e-12));
  BOOST_TEST(ecf.e3 == 0.006 / 36.0, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(azimuth_wraps_across_pi) {
  // φ = π - 0.1 and -π + 0.1 are 0.2 apart, not 2π - 0.2.
  const std::vector<PseudoJet> jet = {massless(10.0, 0.0, M_PI - 0.1),
                                      massless(10.0, 0.0, -M_PI + 0.1)};
  BOOST_TEST(physics::energy_correlations(jet, 1.0).e2 == 0.2 / 4.0, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(collinear_particles_give_zero_ratios) {
  // One particle, or two at the same point, have e2 = 0; the ratios are
  // defined as 0 instead of 0 / 0.
  const std::vector<PseudoJet> single = {massless(100.0, 0.2, 0.3)};
  const std::vector<PseudoJet> collinear = {massless(60.0, 0.2, 0.3), massless(40.0, 0.2, 0.3)};

  for (const auto& jet : {single, collinear}) {
    const physics::EnergyCorrelations ecf = physics::energy_correlations(jet, 2.0);
    BOOST_TEST(ecf.e2 == 0.0);
    BOOST_TEST(physics::c2(ecf) == 0.0);
    BOOST_TEST(physics::d2(ecf) == 0.0);
  }
}

BOOST_AUTO_TEST_CASE(invalid_arguments_throw) {
  const std::vector<PseudoJet> jet = {massless(10.0, 0.0, 0.0), massless(10.0, 0.1, 0.0)};

  BOOST_CHECK_THROW(physics::energy_correlations({}, 1.0), std::invalid_argument);
  BOOST_CHECK_THROW(physics::energy_correlations(jet, 0.0), std::invalid_argument);
  BOOST_CHECK_THROW(physics::energy_correlations(jet, -1.0), std::invalid_argument);
}
