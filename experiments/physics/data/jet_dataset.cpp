#include "experiments/physics/data/jet_dataset.hpp"

#include <stdexcept>
#include <utility>
#include <vector>

#include "experiments/physics/data/option_checks.hpp"
#include "nn/random.hpp"

namespace physics {
namespace {

// The SplitMix64 output function (Steele, Lea and Flood, OOPSLA 2014): a
// bijection on 64-bit integers that spreads nearby inputs far apart.
std::uint64_t splitmix64(std::uint64_t value) {
  value += 0x9e3779b97f4a7c15ULL;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

constexpr std::size_t progress_interval = 100;

// Adds pileup to `hard_particles`, clusters and trims. Only the pileup
// particles within jet_radius + margin of the hard event's leading jet are
// clustered. The result is accepted when the leading jet found that way lies
// within margin / 2 of the region's centre. Then every particle left out is
// farther than R + margin / 2 from the jet axis, and anti-k_t merges a soft
// particle into a hard jet only within about R of the axis, so the jet
// usually matches full clustering (see the NOTE at pileup_region_margin).
// Otherwise the same pileup is drawn again from a copy of the generator and
// every particle is clustered.
TrimmedJet cluster_with_pileup(const JetSimulationOptions& options, nn::Rng& rng,
                               const std::vector<Particle>& hard_particles) {
  const fastjet::PseudoJet axis = cluster_leading_jet(hard_particles, options.clustering);
  const double margin = options.pileup_region_margin;
  const RapidityPhiDisc region{axis.rap(), axis.phi(), options.clustering.jet_radius + margin};
  nn::Rng pileup_rng = rng;

  std::vector<Particle> particles = hard_particles;
  add_pileup(options.pileup, rng, particles, region);
  TrimmedJet jet = cluster_leading_trimmed_jet(particles, options.clustering);
  if (jet.jet.squared_distance(axis) < 0.25 * margin * margin) {
    return jet;
  }

  particles = hard_particles;
  add_pileup(options.pileup, pileup_rng, particles);
  return cluster_leading_trimmed_jet(particles, options.clustering);
}

}  // namespace

void validate(const JetSimulationOptions& options) {
  validate(options.hard);
  validate(options.shower);
  validate(options.pileup);
  validate(options.clustering);
  detail::require_option(options.pileup_region_margin >= 0.0, "JetSimulationOptions",
                         "pileup_region_margin", options.pileup_region_margin,
                         "non-negative (infinity clusters every particle)");
}

std::uint64_t jet_seed(std::uint64_t seed, std::size_t index) {
  return splitmix64(seed + splitmix64(static_cast<std::uint64_t>(index)));
}

std::array<double, jet_feature_count> simulate_jet_features(const JetSimulationOptions& options,
                                                            JetOrigin origin, bool with_pileup,
                                                            std::uint64_t event_seed) {
  validate(options);
  nn::Rng rng(event_seed);

  const std::vector<Particle> hard_particles =
      generate_hard_event(origin, options.hard, options.shower, rng);
  const TrimmedJet jet = with_pileup
                             ? cluster_with_pileup(options, rng, hard_particles)
                             : cluster_leading_trimmed_jet(hard_particles, options.clustering);
  return compute_jet_features(jet.constituents, options.clustering.jet_radius);
}

nn::Dataset generate_jet_dataset(const JetSimulationOptions& options, std::size_t samples,
                                 std::uint64_t seed, const JetProgressCallback& progress) {
  if (samples == 0) {
    throw std::invalid_argument("generate_jet_dataset: samples is 0; request at least one jet");
  }
  validate(options);

  autodiff::Matrix X({samples, jet_feature_count});
  autodiff::Matrix y({samples, std::size_t{1}});
  autodiff::Matrix z({samples, std::size_t{1}});

  for (std::size_t i = 0; i < samples; ++i) {
    const bool is_w = i % 2 == 1;
    const bool with_pileup = (i / 2) % 2 == 1;
    const JetOrigin origin = is_w ? JetOrigin::w_boson : JetOrigin::qcd;

    const auto features = simulate_jet_features(options, origin, with_pileup, jet_seed(seed, i));
    for (std::size_t column = 0; column < jet_feature_count; ++column) {
      X(i, column) = static_cast<autodiff::Scalar>(features[column]);
    }
    y(i, 0) = is_w ? 1.0 : 0.0;
    z(i, 0) = with_pileup ? 1.0 : 0.0;

    const std::size_t done = i + 1;
    if (progress && (done % progress_interval == 0 || done == samples)) {
      progress(done, samples);
    }
  }
  return nn::make_dataset(std::move(X), std::move(y), std::move(z));
}

}  // namespace physics
