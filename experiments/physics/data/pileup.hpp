#pragma once

// Pileup: soft proton-proton interactions in the same bunch crossing as the
// hard event, whose particles are added to the event before clustering.
//
// The model is deliberately simple. The number of interactions is Poisson
// with mean mean_interactions. Each interaction produces a Poisson number of
// particles with mean mean_particles_per_interaction, each with
//   - rapidity flat in [-max_abs_rapidity, max_abs_rapidity] and azimuth
//     flat in [0, 2π), independently of the other particles;
//   - p_T drawn from dN/dp_T ∝ exp(-p_T / mean_pt), a steeply falling
//     spectrum with mean mean_pt;
//   - the charged pion mass, for charged and neutral particles alike.
// Pileup changes the jet features only through the particles that land in
// the jet; nothing else shifts them.

#include <optional>
#include <vector>

#include "experiments/physics/data/particle.hpp"
#include "nn/random.hpp"

namespace physics {

// Settings of the pileup model. Momenta are in GeV.
struct PileupOptions {
  // Mean number of overlaid interactions per event (Poisson).
  double mean_interactions = 50.0;

  // Mean number of particles of one interaction in |y| < max_abs_rapidity
  // (Poisson), 8 per unit of rapidity.
  double mean_particles_per_interaction = 40.0;

  // Mean of the exponential p_T spectrum.
  double mean_pt = 0.5;

  // Pileup particles are spread flat over |y| < max_abs_rapidity.
  double max_abs_rapidity = 2.5;
};

// Throws std::invalid_argument naming the field unless mean_interactions
// and mean_particles_per_interaction are non-negative and mean_pt and
// max_abs_rapidity are positive.
void validate(const PileupOptions& options);

// A disc ΔR = sqrt(Δy² + Δφ²) < radius around (rapidity, phi).
struct RapidityPhiDisc {
  double rapidity = 0.0;
  double phi = 0.0;
  double radius = 0.0;
};

// Draws the pileup of one bunch crossing over the whole detector and appends
// to `particles` those inside `region`, or all of them without a region.
// Every particle is drawn either way and the generator advances the same,
// so with the same generator state the particles appended with a region are
// exactly those without it that lie in the region, in the same order.
// Throws std::invalid_argument for invalid options.
void add_pileup(const PileupOptions& options, nn::Rng& rng, std::vector<Particle>& particles,
                const std::optional<RapidityPhiDisc>& region = std::nullopt);

}  // namespace physics
