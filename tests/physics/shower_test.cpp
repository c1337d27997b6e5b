#define BOOST_TEST_MODULE physics_shower
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "experiments/physics/data/shower.hpp"

namespace tt = boost::test_tools;
using physics::Particle;

namespace {

std::vector<Particle> shower(const physics::ShowerSeed& seed, std::uint64_t rng_seed) {
  nn::Rng rng(rng_seed);
  std::vector<Particle> particles;
  physics::shower_parton(seed, {}, rng, particles);
  return particles;
}

double mean_multiplicity(physics::PartonFlavour flavour, int showers) {
  double total = 0.0;
  for (int i = 0; i < showers; ++i) {
    total += static_cast<double>(
        shower({300.0, 0.0, 0.0, flavour, 1.0}, static_cast<std::uint64_t>(i)).size());
  }
  return total / showers;
}

}  // namespace

// Each branching splits p_T into z p_T and (1 - z) p_T and moves the
// daughters by (1 - z) θ and -z θ. So after any number of branchings Σ p_T
// and the p_T-weighted centroid in (y, φ) are those of the seed.
BOOST_AUTO_TEST_CASE(conserves_pt_and_centroid) {
  const physics::ShowerSeed seed{275.0, 0.4, 1.2, physics::PartonFlavour::gluon, 1.0};

  for (std::uint64_t rng_seed = 1; rng_seed <= 20; ++rng_seed) {
    const std::vector<Particle> particles = shower(seed, rng_seed);
    double pt_sum = 0.0;
    double y_moment = 0.0;
    double phi_moment = 0.0;
    for (const Particle& particle : particles) {
      const double pt = physics::transverse_momentum(particle);
      pt_sum += pt;
      y_moment += pt * (physics::rapidity(particle) - seed.rapidity);
      phi_moment += pt * physics::delta_phi(physics::azimuth(particle), seed.phi);
    }

    BOOST_TEST(pt_sum == seed.pt, tt::tolerance(1e-12));
    BOOST_TEST(std::abs(y_moment / pt_sum) < 1e-10);
    BOOST_TEST(std::abs(phi_moment / pt_sum) < 1e-10);
  }
}

BOOST_AUTO_TEST_CASE(particles_have_pion_mass) {
  const std::vector<Particle> particles =
      shower({100.0, 0.0, 0.0, physics::PartonFlavour::quark, 1.0}, 3);
  for (const Particle& particle : particles) {
    BOOST_TEST(physics::invariant_mass(particle) == physics::pion_mass, tt::tolerance(1e-6));
  }
}

BOOST_AUTO_TEST_CASE(same_seed_same_shower) {
  const physics::ShowerSeed seed{250.0, -0.3, 2.0, physics::PartonFlavour::quark, 1.5};
  const std::vector<Particle> first = shower(seed, 42);
  const std::vector<Particle> second = shower(seed, 42);
  const std::vector<Particle> other = shower(seed, 43);

  BOOST_TEST_REQUIRE(first.size() == second.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    BOOST_TEST(first[i].px == second[i].px);
    BOOST_TEST(first[i].e == second[i].e);
  }
  const bool differs = first.size() != other.size() || first[0].px != other[0].px;
  BOOST_TEST(differs);
}

// Below θ = 4 Q0 / p_T no branching has k_t = z (1 - z) p_T θ > Q0, so a seed
// with a smaller maximum angle stays one particle.
BOOST_AUTO_TEST_CASE(no_branching_below_cutoff) {
  const physics::ShowerSeed seed{100.0, 0.0, 0.0, physics::PartonFlavour::gluon, 0.019};
  for (std::uint64_t rng_seed = 0; rng_seed < 50; ++rng_seed) {
    BOOST_TEST(shower(seed, rng_seed).size() == 1U);
  }
}

// Gluons radiate with C_A = 3 and quarks with C_F = 4/3, so gluon showers end
// with more particles on average. Over 200 showers each the difference is
// many standard errors (multiplicities spread by a few particles).
BOOST_AUTO_TEST_CASE(gluons_radiate_more_than_quarks) {
  const double quark = mean_multiplicity(physics::PartonFlavour::quark, 200);
  const double gluon = mean_multiplicity(physics::PartonFlavour::gluon, 200);

  BOOST_TEST(quark > 2.0);
  BOOST_TEST(gluon > 1.3 * quark);
}

// One loop, n_f = 5: α_s(Q) = α_s(m_Z) / (1 + b0 α_s(m_Z) ln(Q² / m_Z²)) with
// b0 = 23 / (12π). At Q = 10 GeV: 0.118 / (1 - 0.31826) = 0.1730836 (Python,
// same formula in double precision).
BOOST_AUTO_TEST_CASE(running_coupling_values) {
  BOOST_TEST(physics::running_alpha_s(91.1876, 0.118) == 0.118, tt::tolerance(1e-14));
  BOOST_TEST(physics::running_alpha_s(10.0, 0.118) == 0.1730836362208376, tt::tolerance(1e-12));
  BOOST_TEST(physics::running_alpha_s(1.0, 0.118) > physics::running_alpha_s(10.0, 0.118));
  // The Landau pole of this coupling is near 0.088 GeV.
  BOOST_CHECK_THROW(physics::running_alpha_s(0.05, 0.118), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(invalid_input_throws) {
  nn::Rng rng(1);
  std::vector<Particle> particles;
  physics::ShowerOptions below_pole;
  below_pole.cutoff_kt = 0.05;

  BOOST_CHECK_THROW(physics::validate(below_pole), std::invalid_argument);
  BOOST_CHECK_THROW(physics::shower_parton({0.0, 0.0, 0.0, physics::PartonFlavour::quark, 1.0}, {},
                                           rng, particles),
                    std::invalid_argument);
  BOOST_CHECK_THROW(physics::shower_parton({10.0, 0.0, 0.0, physics::PartonFlavour::quark, 0.0}, {},
                                           rng, particles),
                    std::invalid_argument);
  BOOST_TEST(particles.empty());
}
