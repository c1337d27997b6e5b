#include "experiments/physics/data/pileup.hpp"

#include <numbers>
#include <random>

#include "experiments/physics/data/option_checks.hpp"

namespace physics {

void validate(const PileupOptions& options) {
  const char* name = "PileupOptions";
  detail::require_option(options.mean_interactions >= 0.0, name, "mean_interactions",
                         options.mean_interactions, "non-negative");
  detail::require_option(options.mean_particles_per_interaction >= 0.0, name,
                         "mean_particles_per_interaction", options.mean_particles_per_interaction,
                         "non-negative");
  detail::require_option(options.mean_pt > 0.0, name, "mean_pt", options.mean_pt, "positive");
  detail::require_option(options.max_abs_rapidity > 0.0, name, "max_abs_rapidity",
                         options.max_abs_rapidity, "positive");
}

void add_pileup(const PileupOptions& options, nn::Rng& rng, std::vector<Particle>& particles,
                const std::optional<RapidityPhiDisc>& region) {
  validate(options);

  // std::poisson_distribution requires a positive mean, so a zero mean
  // means no draw at all.
  const auto draw_count = [&rng](double mean) -> long {
    return mean > 0.0 ? std::poisson_distribution<long>(mean)(rng.engine()) : 0L;
  };
  std::exponential_distribution<double> pt_spectrum(1.0 / options.mean_pt);

  const long interactions = draw_count(options.mean_interactions);
  for (long interaction = 0; interaction < interactions; ++interaction) {
    const long count = draw_count(options.mean_particles_per_interaction);
    for (long i = 0; i < count; ++i) {
      const double y = rng.uniform(-options.max_abs_rapidity, options.max_abs_rapidity);
      const double phi = rng.uniform(0.0, 2.0 * std::numbers::pi);
      const double pt = pt_spectrum(rng.engine());

      // Building the four-vector is the costly part, so the region test
      // comes first.
      if (region) {
        const double dy = y - region->rapidity;
        const double dphi = delta_phi(phi, region->phi);
        if (dy * dy + dphi * dphi >= region->radius * region->radius) {
          continue;
        }
      }
      particles.push_back(from_pt_rapidity_phi_mass(pt, y, phi, pion_mass));
    }
  }
}

}  // namespace physics
