#include "experiments/physics/data/event_generator.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "experiments/physics/data/option_checks.hpp"

namespace physics {
namespace {

// Draws m from the Cauchy density (Γ/2π) / ((m - M)² + Γ²/4) restricted to
// [M - window, M + window], by inverting its CDF ½ + atan(2 (m - M) / Γ) / π.
double draw_w_mass(const HardProcessOptions& options, nn::Rng& rng) {
  const double half_width = 0.5 * options.w_width;
  const double low = std::atan(-options.w_mass_window / half_width);
  const double high = std::atan(options.w_mass_window / half_width);
  return options.w_mass + half_width * std::tan(rng.uniform(low, high));
}

// The p_T, rapidity and azimuth of the W boson or the QCD parton.
struct Direction {
  double pt;
  double rapidity;
  double phi;
};

Direction draw_direction(const HardProcessOptions& options, nn::Rng& rng) {
  const double pt = rng.uniform(options.min_pt, options.max_pt);
  const double rapidity = rng.uniform(-options.max_abs_rapidity, options.max_abs_rapidity);
  const double phi = rng.uniform(0.0, 2.0 * std::numbers::pi);
  return {pt, rapidity, phi};
}

ShowerSeed seed_from(const Particle& parton, PartonFlavour flavour, double max_angle) {
  return {transverse_momentum(parton), rapidity(parton), azimuth(parton), flavour, max_angle};
}

}  // namespace

void validate(const HardProcessOptions& options) {
  const char* name = "HardProcessOptions";
  detail::require_option(options.min_pt > 0.0, name, "min_pt", options.min_pt, "positive");
  detail::require_option(options.max_pt >= options.min_pt, name, "max_pt", options.max_pt,
                         "at least min_pt = " + detail::format_number(options.min_pt));
  detail::require_option(options.max_abs_rapidity >= 0.0, name, "max_abs_rapidity",
                         options.max_abs_rapidity, "non-negative");
  detail::require_option(options.w_width > 0.0, name, "w_width", options.w_width, "positive");
  detail::require_option(options.w_mass_window > 0.0 && options.w_mass_window < options.w_mass,
                         name, "w_mass_window", options.w_mass_window,
                         "positive and below w_mass = " + detail::format_number(options.w_mass));
  detail::require_option(options.gluon_fraction >= 0.0 && options.gluon_fraction <= 1.0, name,
                         "gluon_fraction", options.gluon_fraction, "in [0, 1]");
  detail::require_option(options.qcd_max_angle > 0.0, name, "qcd_max_angle",
                         options.qcd_max_angle, "positive");
}

DecayProducts decay_to_massless_pair(const Particle& parent, double cos_theta_star,
                                     double phi_star) {
  const double momentum_squared =
      parent.px * parent.px + parent.py * parent.py + parent.pz * parent.pz;
  const double mass_squared = parent.e * parent.e - momentum_squared;
  if (!(parent.e > 0.0) || !(mass_squared > 0.0)) {
    throw std::invalid_argument("decay_to_massless_pair: the parent has E = " +
                                detail::format_number(parent.e) + " GeV and m² = " +
                                detail::format_number(mass_squared) +
                                " GeV², but a decaying particle needs E > 0 and m² > 0");
  }

  // Rest frame: back-to-back daughters, each with energy and momentum m/2.
  const double half_mass = 0.5 * std::sqrt(mass_squared);
  const double sin_theta_star = std::sqrt(std::max(0.0, 1.0 - cos_theta_star * cos_theta_star));
  const double nx = sin_theta_star * std::cos(phi_star);
  const double ny = sin_theta_star * std::sin(phi_star);
  const double nz = cos_theta_star;

  // Boost by β = p / E with γ = E / m. A rest-frame vector (E', p') becomes
  // E = γ (E' + β·p') and p = p' + [γ² / (γ + 1) (β·p') + γ E'] β.
  const double gamma = parent.e / (2.0 * half_mass);
  const double bx = parent.px / parent.e;
  const double by = parent.py / parent.e;
  const double bz = parent.pz / parent.e;
  const auto boost = [&](double sign) {
    const double px = sign * half_mass * nx;
    const double py = sign * half_mass * ny;
    const double pz = sign * half_mass * nz;
    const double beta_dot_p = bx * px + by * py + bz * pz;
    const double factor = gamma * gamma / (gamma + 1.0) * beta_dot_p + gamma * half_mass;
    return Particle{px + factor * bx, py + factor * by, pz + factor * bz,
                    gamma * (half_mass + beta_dot_p)};
  };
  return {boost(1.0), boost(-1.0)};
}

std::vector<Particle> generate_hard_event(JetOrigin origin, const HardProcessOptions& hard,
                                          const ShowerOptions& shower, nn::Rng& rng) {
  validate(hard);
  validate(shower);

  std::vector<Particle> particles;
  const Direction direction = draw_direction(hard, rng);

  if (origin == JetOrigin::qcd) {
    const PartonFlavour flavour = rng.uniform(0.0, 1.0) < hard.gluon_fraction
                                      ? PartonFlavour::gluon
                                      : PartonFlavour::quark;
    shower_parton({direction.pt, direction.rapidity, direction.phi, flavour, hard.qcd_max_angle},
                  shower, rng, particles);
    return particles;
  }

  const double mass = draw_w_mass(hard, rng);
  const Particle w = from_pt_rapidity_phi_mass(direction.pt, direction.rapidity, direction.phi, mass);
  const double cos_theta_star = rng.uniform(-1.0, 1.0);
  const double phi_star = rng.uniform(0.0, 2.0 * std::numbers::pi);
  const DecayProducts quarks = decay_to_massless_pair(w, cos_theta_star, phi_star);

  // Colour coherence of the singlet pair confines each quark's radiation to
  // angles below the pair's opening angle.
  const double dy = rapidity(quarks.first) - rapidity(quarks.second);
  const double dphi = delta_phi(azimuth(quarks.first), azimuth(quarks.second));
  const double opening = std::hypot(dy, dphi);

  shower_parton(seed_from(quarks.first, PartonFlavour::quark, opening), shower, rng, particles);
  shower_parton(seed_from(quarks.second, PartonFlavour::quark, opening), shower, rng, particles);
  return particles;
}

}  // namespace physics
