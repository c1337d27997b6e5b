#pragma once

// A particle four-momentum in the collider frame and its standard kinematic
// variables. Units are GeV; z is the beam axis.

#include <cmath>
#include <numbers>

namespace physics {

// Charged pion mass in GeV (PDG), given to every simulated particle.
inline constexpr double pion_mass = 0.13957;

// Four-momentum (px, py, pz, E) of one final-state particle, in GeV.
struct Particle {
  double px = 0.0;
  double py = 0.0;
  double pz = 0.0;
  double e = 0.0;
};

// Builds the particle with transverse momentum pt, rapidity
// y = ½ ln((E + pz) / (E - pz)), azimuth phi and mass m:
// m_T = sqrt(pt² + m²), E = m_T cosh y, pz = m_T sinh y.
inline Particle from_pt_rapidity_phi_mass(double pt, double rapidity, double phi, double mass) {
  const double transverse_mass = std::sqrt(pt * pt + mass * mass);
  return {pt * std::cos(phi), pt * std::sin(phi), transverse_mass * std::sinh(rapidity),
          transverse_mass * std::cosh(rapidity)};
}

// Builds the particle with transverse momentum pt, pseudorapidity
// eta = -ln tan(θ/2), azimuth phi and mass m: |p| = pt cosh eta,
// pz = pt sinh eta, E = sqrt(|p|² + m²).
inline Particle from_pt_eta_phi_mass(double pt, double eta, double phi, double mass) {
  const double momentum = pt * std::cosh(eta);
  return {pt * std::cos(phi), pt * std::sin(phi), pt * std::sinh(eta),
          std::sqrt(momentum * momentum + mass * mass)};
}

// Transverse momentum sqrt(px² + py²).
inline double transverse_momentum(const Particle& p) { return std::hypot(p.px, p.py); }

// Azimuth atan2(py, px) in (-π, π].
inline double azimuth(const Particle& p) { return std::atan2(p.py, p.px); }

// Rapidity ½ ln((E + pz) / (E - pz)). Infinite for a massless particle along
// the beam.
inline double rapidity(const Particle& p) { return 0.5 * std::log((p.e + p.pz) / (p.e - p.pz)); }

// Pseudorapidity asinh(pz / pt). Infinite along the beam.
inline double pseudorapidity(const Particle& p) {
  return std::asinh(p.pz / transverse_momentum(p));
}

// Invariant mass sqrt(E² - |p|²), with a negative m² from rounding clamped to 0.
inline double invariant_mass(const Particle& p) {
  const double mass_squared = p.e * p.e - p.px * p.px - p.py * p.py - p.pz * p.pz;
  return mass_squared > 0.0 ? std::sqrt(mass_squared) : 0.0;
}

// Azimuthal difference a - b wrapped into [-π, π].
inline double delta_phi(double a, double b) {
  return std::remainder(a - b, 2.0 * std::numbers::pi);
}

}  // namespace physics
