#define BOOST_TEST_MODULE physics_event_generator
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "experiments/physics/data/event_generator.hpp"

namespace tt = boost::test_tools;
using physics::Particle;

namespace {

Particle sum_of(const std::vector<Particle>& particles) {
  Particle sum;
  for (const Particle& p : particles) {
    sum.px += p.px;
    sum.py += p.py;
    sum.pz += p.pz;
    sum.e += p.e;
  }
  return sum;
}

}  // namespace

// A parent at rest decays into (m/2)(1, ±n) with n = (sin θ cos φ,
// sin θ sin φ, cos θ); with cos θ = 0.6 and φ = 0, n = (0.8, 0, 0.6).
BOOST_AUTO_TEST_CASE(decay_at_rest_closed_form) {
  const Particle parent{0.0, 0.0, 0.0, 80.0};
  const physics::DecayProducts products = physics::decay_to_massless_pair(parent, 0.6, 0.0);

  BOOST_TEST(products.first.px == 32.0, tt::tolerance(1e-12));
  BOOST_TEST(std::abs(products.first.py) < 1e-12);
  BOOST_TEST(products.first.pz == 24.0, tt::tolerance(1e-12));
  BOOST_TEST(products.first.e == 40.0, tt::tolerance(1e-12));
  BOOST_TEST(products.second.px == -32.0, tt::tolerance(1e-12));
  BOOST_TEST(products.second.pz == -24.0, tt::tolerance(1e-12));
}

// After the boost the daughters still sum to the parent, stay massless and
// have the parent's mass as their pair mass.
BOOST_AUTO_TEST_CASE(boosted_decay_conserves_momentum) {
  const Particle w = physics::from_pt_rapidity_phi_mass(300.0, 0.7, 2.0, 80.4);
  const physics::DecayProducts products = physics::decay_to_massless_pair(w, -0.3, 1.1);
  const Particle sum = sum_of({products.first, products.second});

  BOOST_TEST(sum.px == w.px, tt::tolerance(1e-12));
  BOOST_TEST(sum.py == w.py, tt::tolerance(1e-12));
  BOOST_TEST(sum.pz == w.pz, tt::tolerance(1e-12));
  BOOST_TEST(sum.e == w.e, tt::tolerance(1e-12));
  BOOST_TEST(physics::invariant_mass(sum) == 80.4, tt::tolerance(1e-9));
  // E ≈ 400 leaves a rounding residue of order sqrt(1e-16 · 400²) = 4e-6 in m.
  BOOST_TEST(physics::invariant_mass(products.first) < 1e-5);
  BOOST_TEST(physics::invariant_mass(products.second) < 1e-5);
}

BOOST_AUTO_TEST_CASE(decay_of_massless_parent_throws) {
  const Particle photon = physics::from_pt_rapidity_phi_mass(100.0, 0.0, 0.0, 0.0);
  BOOST_CHECK_THROW(physics::decay_to_massless_pair(photon, 0.0, 0.0), std::invalid_argument);
}

// The shower conserves the scalar p_T sum, so a QCD event's particles carry
// exactly the parton p_T, drawn flat in [min_pt, max_pt].
BOOST_AUTO_TEST_CASE(qcd_event_pt_in_range) {
  const physics::HardProcessOptions hard;
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    nn::Rng rng(seed);
    const std::vector<Particle> particles =
        physics::generate_hard_event(physics::JetOrigin::qcd, hard, {}, rng);
    double pt_sum = 0.0;
    for (const Particle& p : particles) {
      pt_sum += physics::transverse_momentum(p);
    }
    BOOST_TEST(pt_sum >= hard.min_pt - 1e-9);
    BOOST_TEST(pt_sum <= hard.max_pt + 1e-9);
  }
}

// After the showers each quark jet is boosted so that the W event's total
// four-momentum is the W's. The total mass is then the drawn W mass, inside
// the truncation window 80.4 ± 10 GeV, and the total p_T lies in [250, 300].
BOOST_AUTO_TEST_CASE(w_event_conserves_w_momentum) {
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    nn::Rng rng(seed);
    const std::vector<Particle> particles =
        physics::generate_hard_event(physics::JetOrigin::w_boson, {}, {}, rng);
    const Particle total = sum_of(particles);

    BOOST_TEST(physics::invariant_mass(total) > 70.4);
    BOOST_TEST(physics::invariant_mass(total) < 90.4);
    BOOST_TEST(physics::transverse_momentum(total) >= 250.0 - 1e-9);
    BOOST_TEST(physics::transverse_momentum(total) <= 300.0 + 1e-9);
  }
}

BOOST_AUTO_TEST_CASE(same_seed_same_event) {
  nn::Rng first_rng(9);
  nn::Rng second_rng(9);
  const auto first = physics::generate_hard_event(physics::JetOrigin::w_boson, {}, {}, first_rng);
  const auto second = physics::generate_hard_event(physics::JetOrigin::w_boson, {}, {}, second_rng);

  BOOST_TEST_REQUIRE(first.size() == second.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    BOOST_TEST(first[i].px == second[i].px);
    BOOST_TEST(first[i].pz == second[i].pz);
  }
}

BOOST_AUTO_TEST_CASE(invalid_options_throw) {
  nn::Rng rng(1);
  physics::HardProcessOptions reversed;
  reversed.min_pt = 300.0;
  reversed.max_pt = 250.0;
  physics::HardProcessOptions fraction;
  fraction.gluon_fraction = 1.5;

  try {
    physics::generate_hard_event(physics::JetOrigin::qcd, reversed, {}, rng);
    BOOST_ERROR("expected std::invalid_argument");
  } catch (const std::invalid_argument& error) {
    BOOST_TEST(std::string(error.what()).find("HardProcessOptions.max_pt is 250") !=
               std::string::npos);
  }
  BOOST_CHECK_THROW(physics::validate(fraction), std::invalid_argument);
}
