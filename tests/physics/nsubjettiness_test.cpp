#define BOOST_TEST_MODULE physics_nsubjettiness
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

#include <fastjet/PseudoJet.hh>

#include "experiments/physics/data/nsubjettiness.hpp"

namespace tt = boost::test_tools;
using fastjet::PseudoJet;

namespace {

// Massless particle at rapidity 0. For particles at y = 0 only, the E-scheme
// sum also has p_z = 0, so every axis below lies at y = 0 and ΔR = |Δφ|.
PseudoJet central(double pt, double phi) { return fastjet::PtYPhiM(pt, 0.0, phi, 0.0); }

// Azimuth of the E-scheme sum of central massless particles.
double sum_azimuth(const std::vector<PseudoJet>& particles) {
  double px = 0.0;
  double py = 0.0;
  for (const PseudoJet& particle : particles) {
    px += particle.px();
    py += particle.py();
  }
  return std::atan2(py, px);
}

}  // namespace

BOOST_AUTO_TEST_CASE(single_particle_is_zero) {
  // The axis of one particle is the particle itself.
  const std::vector<PseudoJet> jet = {central(200.0, 0.4)};

  BOOST_TEST(physics::nsubjettiness(jet, 1, 1.0, 1.0) == 0.0);
  BOOST_TEST(physics::nsubjettiness(jet, 2, 1.0, 1.0) == 0.0);
  BOOST_TEST(physics::tau21(jet, 1.0) == 0.0);
}

// Two equal-p_T particles at φ = ±d/2: the one axis is their sum at φ = 0,
// each particle is d/2 from it, so
//   τ1 = (p (d/2)^β + p (d/2)^β) / (2 p R0^β) = (d / 2)^β / R0^β
// and τ2 = 0 because each particle is its own axis.
BOOST_AUTO_TEST_CASE(two_particles_closed_form) {
  const double d = 0.6;
  const std::vector<PseudoJet> jet = {central(100.0, -d / 2.0), central(100.0, d / 2.0)};

  BOOST_TEST(physics::nsubjettiness(jet, 1, 1.0, 1.0) == d / 2.0, tt::tolerance(1e-12));
  BOOST_TEST(physics::nsubjettiness(jet, 1, 2.0, 1.0) == d * d / 4.0, tt::tolerance(1e-12));
  // R0 = 0.8 divides by R0^β.
  BOOST_TEST(physics::nsubjettiness(jet, 1, 1.0, 0.8) == d / 2.0 / 0.8, tt::tolerance(1e-12));
  BOOST_TEST(physics::nsubjettiness(jet, 2, 1.0, 1.0) == 0.0);
}

// Two hard prongs A (φ = -0.4) and B (φ = 0.4), 100 GeV each, and a soft
// particle C of 5 GeV at φ = 0.45. Exclusive k_t with two jets merges the
// pair with the smallest min(p_T)² ΔR², which is B and C (25 · 0.05²), so the
// axes are A and B + C:
//   τ2 = (100 |0.4 - φ_BC| + 5 |0.45 - φ_BC|) / 205,
//   τ1 = Σ p_i |φ_i - φ_ABC| / 205,
// with φ_BC and φ_ABC the azimuths of the sums. τ21 is small: two prongs.
BOOST_AUTO_TEST_CASE(two_prong_jet_has_small_tau21) {
  const std::vector<PseudoJet> jet = {central(100.0, -0.4), central(100.0, 0.4),
                                      central(5.0, 0.45)};
  const double phi_bc = sum_azimuth({jet[1], jet[2]});
  const double phi_abc = sum_azimuth(jet);
  const double tau2 = (100.0 * std::abs(0.4 - phi_bc) + 5.0 * std::abs(0.45 - phi_bc)) / 205.0;
  const double tau1 = (100.0 * std::abs(-0.4 - phi_abc) + 100.0 * std::abs(0.4 - phi_abc) +
                       5.0 * std::abs(0.45 - phi_abc)) /
                      205.0;

  BOOST_TEST(physics::nsubjettiness(jet, 1, 1.0, 1.0) == tau1, tt::tolerance(1e-12));
  BOOST_TEST(physics::nsubjettiness(jet, 2, 1.0, 1.0) == tau2, tt::tolerance(1e-12));
  BOOST_TEST(physics::tau21(jet, 1.0) == tau2 / tau1, tt::tolerance(1e-12));
  BOOST_TEST(physics::tau21(jet, 1.0) < 0.05);
}

// One hard particle with two soft ones at φ = 0.3 and -0.35: k_t merges the
// hard particle with the nearer soft one (25 · 0.3² < 25 · 0.35²), and the
// far soft particle becomes the second axis, so τ2 stays close to τ1.
BOOST_AUTO_TEST_CASE(one_prong_jet_has_large_tau21) {
  const std::vector<PseudoJet> one_prong = {central(100.0, 0.0), central(5.0, 0.3),
                                            central(5.0, -0.35)};
  const std::vector<PseudoJet> two_prong = {central(100.0, -0.4), central(100.0, 0.4),
                                            central(5.0, 0.45)};

  const double phi_hard = sum_azimuth({one_prong[0], one_prong[1]});
  const double phi_all = sum_azimuth(one_prong);
  const double tau2 = (100.0 * std::abs(phi_hard) + 5.0 * std::abs(0.3 - phi_hard)) / 110.0;
  const double tau1 = (100.0 * std::abs(phi_all) + 5.0 * std::abs(0.3 - phi_all) +
                       5.0 * std::abs(-0.35 - phi_all)) /
                      110.0;

  BOOST_TEST(physics::tau21(one_prong, 1.0) == tau2 / tau1, tt::tolerance(1e-12));
  BOOST_TEST(physics::tau21(one_prong, 1.0) > 0.5);
  BOOST_TEST(physics::tau21(two_prong, 1.0) < physics::tau21(one_prong, 1.0));
}

BOOST_AUTO_TEST_CASE(invalid_arguments_throw) {
  const std::vector<PseudoJet> jet = {central(10.0, 0.0), central(10.0, 0.2)};

  BOOST_CHECK_THROW(physics::nsubjettiness({}, 1, 1.0, 1.0), std::invalid_argument);
  BOOST_CHECK_THROW(physics::nsubjettiness(jet, 0, 1.0, 1.0), std::invalid_argument);
  BOOST_CHECK_THROW(physics::nsubjettiness(jet, 1, 0.0, 1.0), std::invalid_argument);
  BOOST_CHECK_THROW(physics::nsubjettiness(jet, 1, 1.0, -1.0), std::invalid_argument);
  BOOST_CHECK_THROW(physics::tau21({}, 1.0), std::invalid_argument);
}
