#define BOOST_TEST_MODULE physics_clustering
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "experiments/physics/data/clustering.hpp"

namespace tt = boost::test_tools;
using physics::Particle;

namespace {

Particle massless(double pt, double rapidity, double phi) {
  return physics::from_pt_rapidity_phi_mass(pt, rapidity, phi, 0.0);
}

}  // namespace

// A hard core of 2 × 100 GeV, a soft 2 GeV particle at ΔR ≈ 0.7 inside the
// R = 1 jet, and a 3 GeV particle at ΔR = 2 outside it. Anti-k_t puts the
// soft particle in the jet; trimming drops it, because its R = 0.2 subjet has
// 2 GeV < 0.05 · p_T(jet) ≈ 10 GeV.
BOOST_AUTO_TEST_CASE(trimming_removes_soft_far_particle) {
  const std::vector<Particle> event = {massless(100.0, 0.0, 0.0), massless(100.0, 0.1, 0.05),
                                       massless(2.0, 0.5, 0.5), massless(3.0, 0.0, 2.0)};

  const physics::TrimmedJet jet = physics::cluster_leading_trimmed_jet(event, {});

  // p_T of the vector sums: the first three particles, then the first two.
  const double jet_pt =
      std::hypot(event[0].px + event[1].px + event[2].px, event[0].py + event[1].py + event[2].py);
  const double core_pt = std::hypot(event[0].px + event[1].px, event[0].py + event[1].py);
  BOOST_TEST(jet.jet.pt() == jet_pt, tt::tolerance(1e-12));
  BOOST_TEST(jet.constituents.size() == 2U);
  BOOST_TEST(jet.trimmed.pt() == core_pt, tt::tolerance(1e-12));
  for (const fastjet::PseudoJet& constituent : jet.constituents) {
    BOOST_TEST(constituent.pt() == 100.0, tt::tolerance(1e-9));
  }
}

// A 15 GeV particle at ΔR ≈ 0.6 forms a subjet above 0.05 · 215 = 10.75 GeV,
// so trimming keeps it.
BOOST_AUTO_TEST_CASE(trimming_keeps_hard_subjet) {
  const std::vector<Particle> event = {massless(100.0, 0.0, 0.0), massless(100.0, 0.1, 0.05),
                                       massless(15.0, 0.4, 0.45)};

  const physics::TrimmedJet jet = physics::cluster_leading_trimmed_jet(event, {});

  BOOST_TEST(jet.constituents.size() == 3U);
  BOOST_TEST(jet.trimmed.pt() == jet.jet.pt(), tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(trimming_threshold_follows_options) {
  const std::vector<Particle> event = {massless(100.0, 0.0, 0.0), massless(100.0, 0.1, 0.05),
                                       massless(15.0, 0.4, 0.45)};
  physics::ClusteringOptions options;
  options.trimming_pt_fraction = 0.1;  // 21.5 GeV > 15 GeV: the subjet goes

  BOOST_TEST(physics::cluster_leading_trimmed_jet(event, options).constituents.size() == 2U);
}

BOOST_AUTO_TEST_CASE(leading_jet_is_hardest) {
  // Two well separated jets; the second is harder.
  const std::vector<Particle> event = {massless(60.0, 0.0, 0.0), massless(40.0, 0.1, 0.1),
                                       massless(150.0, 0.0, 3.0)};

  const fastjet::PseudoJet leading = physics::cluster_leading_jet(event, {});

  BOOST_TEST(leading.pt() == 150.0, tt::tolerance(1e-9));
  BOOST_TEST(physics::cluster_leading_trimmed_jet(event, {}).jet.pt() == 150.0,
             tt::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(acceptance_drops_forward_particles) {
  // The 500 GeV particle at η = 3 is outside |η| < 2.5.
  const std::vector<Particle> event = {massless(100.0, 0.0, 0.0), massless(500.0, 3.0, 1.0)};

  BOOST_TEST(physics::cluster_leading_jet(event, {}).pt() == 100.0, tt::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(no_accepted_particle_throws) {
  const std::vector<Particle> forward = {massless(100.0, 3.0, 0.0)};

  BOOST_CHECK_THROW(physics::cluster_leading_jet(forward, {}), std::invalid_argument);
  BOOST_CHECK_THROW(physics::cluster_leading_trimmed_jet({}, {}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(invalid_options_throw) {
  const std::vector<Particle> event = {massless(100.0, 0.0, 0.0)};

  physics::ClusteringOptions small_jet;
  small_jet.jet_radius = 0.1;  // below the trimming radius 0.2
  physics::ClusteringOptions fraction;
  fraction.trimming_pt_fraction = 1.0;

  try {
    physics::cluster_leading_trimmed_jet(event, small_jet);
    BOOST_ERROR("expected std::invalid_argument");
  } catch (const std::invalid_argument& error) {
    BOOST_TEST(std::string(error.what()).find("trimming_radius") != std::string::npos);
  }
  BOOST_CHECK_THROW(physics::cluster_leading_trimmed_jet(event, fraction), std::invalid_argument);
}
