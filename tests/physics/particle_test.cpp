#define BOOST_TEST_MODULE physics_particle
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <numbers>

#include "experiments/physics/data/particle.hpp"
#include "tolerances.hpp"

namespace tt = boost::test_tools;
using physics::Particle;

BOOST_AUTO_TEST_CASE(rapidity_construction_round_trip) {
  const Particle p = physics::from_pt_rapidity_phi_mass(120.0, -0.7, 2.5, 3.0);

  BOOST_TEST(physics::transverse_momentum(p) == 120.0,
             tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(physics::rapidity(p) == -0.7, tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(physics::azimuth(p) == 2.5, tt::tolerance(test_tolerance::exact_fraction));
  // m² = E² - |p|² loses digits to cancellation: E ≈ 150 and m = 3 leave
  // about 1e-16 · 150² / 3² ≈ 4e-13 relative error in m², so 1e-10 in m.
  BOOST_TEST(physics::invariant_mass(p) == 3.0, tt::tolerance(1e-10));
}

BOOST_AUTO_TEST_CASE(pseudorapidity_construction_round_trip) {
  const Particle p = physics::from_pt_eta_phi_mass(0.4, 1.8, -1.0, physics::pion_mass);

  BOOST_TEST(physics::transverse_momentum(p) == 0.4, tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(physics::pseudorapidity(p) == 1.8, tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(physics::azimuth(p) == -1.0, tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(physics::invariant_mass(p) == physics::pion_mass, tt::tolerance(1e-10));
  // A massive particle has |y| < |η|.
  BOOST_TEST(std::abs(physics::rapidity(p)) < 1.8);
}

BOOST_AUTO_TEST_CASE(massless_particle_has_zero_mass) {
  const Particle p = physics::from_pt_rapidity_phi_mass(50.0, 2.0, 0.0, 0.0);
  // E = 50 cosh 2 ≈ 188, so rounding leaves |m²| up to a few ulp of E²,
  // about 1e-11, and m up to about sqrt(1e-11) ≈ 3e-6.
  BOOST_TEST(physics::invariant_mass(p) < 1e-5);
}

BOOST_AUTO_TEST_CASE(delta_phi_wraps) {
  const double pi = std::numbers::pi;

  BOOST_TEST(physics::delta_phi(0.3, 0.1) == 0.2, tt::tolerance(test_tolerance::exact_fraction));
  // 3.0 - (-3.0) = 6.0 wraps to 6.0 - 2π = -0.2832.
  BOOST_TEST(physics::delta_phi(3.0, -3.0) == 6.0 - 2.0 * pi,
             tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(physics::delta_phi(0.1, 2.0 * pi + 0.3) == -0.2, tt::tolerance(1e-12));
  BOOST_TEST(std::abs(physics::delta_phi(-3.1, 3.1)) < pi);
}
