#pragma once

// A final-state parton shower: the coherent branching algorithm (angular
// ordering) in the collinear limit, with leading-order splitting functions
// and a one-loop running coupling. It is a simplified model, not a
// replacement for Pythia or Herwig (docs/physics-simulation.md lists what it
// leaves out).
//
// Kinematics use the boost-invariant coordinates of hadron colliders: a
// parton with transverse momentum p_T at rapidity y and azimuth φ branches
// into two partons with p_T fractions z and 1 - z, separated by an angle
// θ = ΔR = sqrt(Δy² + Δφ²). The probability of one branching is
//
//   dP = α_s(k_t) / (2π) · dθ²/θ² · P(z) dz,   k_t = z (1 - z) p_T θ,
//
// with P_qq(z) = C_F (1 + z²) / (1 - z) for q → q g (z = quark fraction),
// C_A [z / (1 - z) + (1 - z) / z + z (1 - z)] for g → g g (this is P_gg
// times ½ for the identical gluons) and n_f T_R [z² + (1 - z)²] for
// g → q q̄. Branchings with k_t below the cutoff Q0 are not resolved. Each
// daughter evolves on with the opening angle of its parent's branching as
// its maximum angle, which is the angular ordering that colour coherence
// imposes on soft gluons.

#include <vector>

#include "experiments/physics/data/particle.hpp"
#include "nn/random.hpp"

namespace physics {

// Settings of the shower. Every momentum is in GeV.
struct ShowerOptions {
  // Q0: the smallest relative transverse momentum k_t of a branching; partons
  // that cannot branch above it become final particles. 0.5 GeV is of the
  // order of the hadronization scale, where perturbative branching stops.
  double cutoff_kt = 0.5;

  // α_s(m_Z) of the one-loop running coupling with 5 active flavours.
  double alpha_s_at_mz = 0.118;
};

// Throws std::invalid_argument naming the field when cutoff_kt is not above
// the one-loop Landau pole (about 0.09 GeV for α_s(m_Z) = 0.118) or
// alpha_s_at_mz is not in (0, 1).
void validate(const ShowerOptions& options);

enum class PartonFlavour { quark, gluon };

// A parton that starts a shower: p_T in GeV, rapidity, azimuth, flavour and
// the largest branching angle ΔR allowed by colour coherence.
struct ShowerSeed {
  double pt = 0.0;
  double rapidity = 0.0;
  double phi = 0.0;
  PartonFlavour flavour = PartonFlavour::quark;
  double max_angle = 1.0;
};

// One-loop α_s(Q) = α_s(m_Z) / (1 + b0 α_s(m_Z) ln(Q² / m_Z²)), with
// b0 = (33 - 2 n_f) / (12π) and n_f = 5. Throws std::invalid_argument for
// Q at or below the Landau pole, where the denominator is not positive.
double running_alpha_s(double scale, double alpha_s_at_mz);

// Showers `seed` and appends its final partons to `particles`. Each becomes a
// particle of the charged pion mass with the parton's p_T, rapidity and
// azimuth, as in local parton-hadron duality, because there is no
// hadronization model. The sum of the final p_T equals seed.pt and their
// p_T-weighted centroid in (y, φ) equals the seed's, up to rounding. Energy
// is conserved only up to O(θ²), because the partons stay massless between
// branchings.
// Throws std::invalid_argument for invalid options, a non-positive p_T or a
// non-positive maximum angle.
void shower_parton(const ShowerSeed& seed, const ShowerOptions& options, nn::Rng& rng,
                   std::vector<Particle>& particles);

}  // namespace physics
