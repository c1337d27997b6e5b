#define BOOST_TEST_MODULE physics_pileup
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "experiments/physics/data/pileup.hpp"

namespace tt = boost::test_tools;
using physics::Particle;

// 50 crossings with the defaults. Particles per crossing: a Poisson(50) sum
// of Poisson(40) counts, mean 50 · 40 = 2000 and variance 50 · 40 · 41 =
// 82000 (standard deviation 286), so the mean over 50 crossings has standard
// error 40; 200 is 5 of them. The p_T mean of about 100000 exponential draws
// with mean 0.5 GeV has standard error 0.0016 GeV.
BOOST_AUTO_TEST_CASE(counts_and_spectrum_match_model) {
  const physics::PileupOptions options;
  nn::Rng rng(11);
  std::vector<Particle> particles;
  const int crossings = 50;
  for (int i = 0; i < crossings; ++i) {
    physics::add_pileup(options, rng, particles);
  }

  const double per_crossing = static_cast<double>(particles.size()) / crossings;
  BOOST_TEST(std::abs(per_crossing - 2000.0) < 200.0);

  double pt_sum = 0.0;
  std::size_t central = 0;
  for (const Particle& particle : particles) {
    pt_sum += physics::transverse_momentum(particle);
    const double y = physics::rapidity(particle);
    BOOST_TEST_REQUIRE(std::abs(y) <= options.max_abs_rapidity);
    central += std::abs(y) < 1.25 ? 1 : 0;
  }
  BOOST_TEST(std::abs(pt_sum / static_cast<double>(particles.size()) - 0.5) < 0.01);
  // Flat in y: half of the particles have |y| < 1.25, binomial standard
  // error 0.0016.
  BOOST_TEST(std::abs(static_cast<double>(central) / static_cast<double>(particles.size()) - 0.5) <
             0.01);
}

BOOST_AUTO_TEST_CASE(region_keeps_exact_subset) {
  const physics::PileupOptions options;
  const physics::RapidityPhiDisc region{0.5, 3.0, 1.5};
  nn::Rng full_rng(5);
  nn::Rng region_rng(5);

  std::vector<Particle> full;
  std::vector<Particle> inside;
  physics::add_pileup(options, full_rng, full);
  physics::add_pileup(options, region_rng, inside, region);

  std::vector<Particle> expected;
  for (const Particle& particle : full) {
    const double dy = physics::rapidity(particle) - region.rapidity;
    const double dphi = physics::delta_phi(physics::azimuth(particle), region.phi);
    if (dy * dy + dphi * dphi < region.radius * region.radius) {
      expected.push_back(particle);
    }
  }

  BOOST_TEST(!expected.empty());
  BOOST_TEST_REQUIRE(inside.size() == expected.size());
  for (std::size_t i = 0; i < inside.size(); ++i) {
    BOOST_TEST(inside[i].px == expected[i].px);
    BOOST_TEST(inside[i].pz == expected[i].pz);
  }
  // Both calls drew every particle, so the generators are in the same state.
  BOOST_TEST(full_rng.uniform(0.0, 1.0) == region_rng.uniform(0.0, 1.0));
}

BOOST_AUTO_TEST_CASE(zero_interactions_add_nothing) {
  physics::PileupOptions options;
  options.mean_interactions = 0.0;
  nn::Rng rng(1);
  std::vector<Particle> particles;

  physics::add_pileup(options, rng, particles);

  BOOST_TEST(particles.empty());
}

BOOST_AUTO_TEST_CASE(invalid_options_throw) {
  nn::Rng rng(1);
  std::vector<Particle> particles;
  physics::PileupOptions negative;
  negative.mean_interactions = -1.0;
  physics::PileupOptions no_spectrum;
  no_spectrum.mean_pt = 0.0;

  BOOST_CHECK_THROW(physics::add_pileup(negative, rng, particles), std::invalid_argument);
  BOOST_CHECK_THROW(physics::add_pileup(no_spectrum, rng, particles), std::invalid_argument);
}
