#pragma once

// Pure Lorentz boosts of particle four-momenta.

#include <cmath>
#include <stdexcept>

#include "experiments/physics/data/particle.hpp"

namespace physics {

// A boost by the velocity β = (bx, by, bz), |β| < 1, with γ = 1/sqrt(1 - β²)
// stored separately so that it keeps its precision when |β| is near 1.
struct LorentzBoost {
  double bx = 0.0;
  double by = 0.0;
  double bz = 0.0;
  double gamma = 1.0;

  // The boost in the opposite direction, which undoes this one.
  LorentzBoost inverse() const { return {-bx, -by, -bz, gamma}; }
};

// Returns the boost that takes the rest frame of `frame` to the frame where
// it has its given momentum: β = p / E and γ = E / m. Applying it to
// (m, 0, 0, 0) gives `frame`; its inverse takes `frame` to rest. Throws
// std::invalid_argument when `frame` is not timelike with E > 0.
inline LorentzBoost boost_from_rest_frame_of(const Particle& frame) {
  const double mass_squared =
      frame.e * frame.e - frame.px * frame.px - frame.py * frame.py - frame.pz * frame.pz;
  if (!(frame.e > 0.0) || !(mass_squared > 0.0)) {
    throw std::invalid_argument(
        "boost_from_rest_frame_of: the four-momentum has E <= 0 or m² <= 0, so it has no rest "
        "frame; pass a massive particle or system");
  }
  return {frame.px / frame.e, frame.py / frame.e, frame.pz / frame.e,
          frame.e / std::sqrt(mass_squared)};
}

// Applies `boost` to `p`: E' = γ (E + β·p) and
// p' = p + [γ² / (γ + 1) (β·p) + γ E] β.
inline Particle apply(const LorentzBoost& boost, const Particle& p) {
  const double beta_dot_p = boost.bx * p.px + boost.by * p.py + boost.bz * p.pz;
  const double gamma = boost.gamma;
  const double factor = gamma * gamma / (gamma + 1.0) * beta_dot_p + gamma * p.e;
  return {p.px + factor * boost.bx, p.py + factor * boost.by, p.pz + factor * boost.bz,
          gamma * (p.e + beta_dot_p)};
}

}  // namespace physics
