#include "experiments/physics/data/event_generator.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "experiments/physics/data/lorentz_boost.hpp"
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

// The unit vector (sin θ* cos φ*, sin θ* sin φ*, cos θ*), stored in the
// momentum components of a Particle with E = 1.
Particle decay_axis(double cos_theta_star, double phi_star) {
  const double sin_theta_star = std::sqrt(std::max(0.0, 1.0 - cos_theta_star * cos_theta_star));
  return {sin_theta_star * std::cos(phi_star), sin_theta_star * std::sin(phi_star), cos_theta_star,
          1.0};
}

Particle sum_momenta(const std::vector<Particle>& particles, const LorentzBoost& boost) {
  Particle sum;
  for (const Particle& particle : particles) {
    const Particle boosted = apply(boost, particle);
    sum.px += boosted.px;
    sum.py += boosted.py;
    sum.pz += boosted.pz;
    sum.e += boosted.e;
  }
  return sum;
}

// Restores four-momentum conservation in W → q q̄ after the showers. Jet i
// contains the particles of one quark's shower, with total momentum P_i and
// mass m_i in the W rest frame. It is boosted as a whole to
// Q_i = (E_i, ±p* n) along the decay axis n, with the two-body momentum
//   p* = sqrt((M² - (m1 + m2)²) (M² - (m1 - m2)²)) / (2M),
// so that Q_1 + Q_2 = (M, 0). Each jet keeps its mass and internal shape.
// Returns false, changing nothing, when m1 + m2 >= M.
bool reshuffle_w_decay(std::vector<Particle>& first, std::vector<Particle>& second,
                       const Particle& axis, double w_mass, const LorentzBoost& to_lab) {
  const LorentzBoost to_rest = to_lab.inverse();
  const Particle p1 = sum_momenta(first, to_rest);
  const Particle p2 = sum_momenta(second, to_rest);
  const double m1 = invariant_mass(p1);
  const double m2 = invariant_mass(p2);
  if (m1 + m2 >= w_mass) {
    return false;
  }

  const double sum_term = w_mass * w_mass - (m1 + m2) * (m1 + m2);
  const double difference_term = w_mass * w_mass - (m1 - m2) * (m1 - m2);
  const double momentum = std::sqrt(sum_term * difference_term) / (2.0 * w_mass);
  const Particle q1{momentum * axis.px, momentum * axis.py, momentum * axis.pz,
                    std::sqrt(momentum * momentum + m1 * m1)};
  const Particle q2{-q1.px, -q1.py, -q1.pz, std::sqrt(momentum * momentum + m2 * m2)};

  // Lab → W rest frame → rest frame of P_i → frame where the jet has Q_i → lab.
  const auto move_jet = [&](std::vector<Particle>& jet, const Particle& from, const Particle& to) {
    const LorentzBoost from_rest = boost_from_rest_frame_of(from).inverse();
    const LorentzBoost to_target = boost_from_rest_frame_of(to);
    for (Particle& particle : jet) {
      particle = apply(to_lab, apply(to_target, apply(from_rest, apply(to_rest, particle))));
    }
  };
  move_jet(first, p1, q1);
  move_jet(second, p2, q2);
  return true;
}

// Showers attempted per W event before giving up. A retry happens only when
// the two quark jets together are heavier than the W, which is rare.
constexpr int max_w_shower_attempts = 1000;

std::vector<Particle> generate_qcd_event(const Direction& direction, const HardProcessOptions& hard,
                                         const ShowerOptions& shower, nn::Rng& rng) {
  const PartonFlavour flavour =
      rng.uniform(0.0, 1.0) < hard.gluon_fraction ? PartonFlavour::gluon : PartonFlavour::quark;

  std::vector<Particle> particles;
  shower_parton({direction.pt, direction.rapidity, direction.phi, flavour, hard.qcd_max_angle},
                shower, rng, particles);
  return particles;
}

std::vector<Particle> generate_w_event(const Direction& direction, const HardProcessOptions& hard,
                                       const ShowerOptions& shower, nn::Rng& rng) {
  const double mass = draw_w_mass(hard, rng);
  const Particle w =
      from_pt_rapidity_phi_mass(direction.pt, direction.rapidity, direction.phi, mass);
  const double cos_theta_star = rng.uniform(-1.0, 1.0);
  const double phi_star = rng.uniform(0.0, 2.0 * std::numbers::pi);
  const DecayProducts quarks = decay_to_massless_pair(w, cos_theta_star, phi_star);

  // Colour coherence of the singlet pair confines each quark's radiation to
  // angles below the pair's opening angle.
  const double dy = rapidity(quarks.first) - rapidity(quarks.second);
  const double dphi = delta_phi(azimuth(quarks.first), azimuth(quarks.second));
  const double opening = std::hypot(dy, dphi);

  const Particle axis = decay_axis(cos_theta_star, phi_star);
  const LorentzBoost to_lab = boost_from_rest_frame_of(w);
  for (int attempt = 0; attempt < max_w_shower_attempts; ++attempt) {
    std::vector<Particle> first;
    std::vector<Particle> second;
    shower_parton(seed_from(quarks.first, PartonFlavour::quark, opening), shower, rng, first);
    shower_parton(seed_from(quarks.second, PartonFlavour::quark, opening), shower, rng, second);
    if (reshuffle_w_decay(first, second, axis, mass, to_lab)) {
      first.insert(first.end(), second.begin(), second.end());
      return first;
    }
  }
  throw std::runtime_error("generate_hard_event: in " + std::to_string(max_w_shower_attempts) +
                           " attempts the showers of a W of mass " + detail::format_number(mass) +
                           " GeV always gave two jets heavier than the W; check the shower "
                           "options");
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
  detail::require_option(options.qcd_max_angle > 0.0, name, "qcd_max_angle", options.qcd_max_angle,
                         "positive");
}

DecayProducts decay_to_massless_pair(const Particle& parent, double cos_theta_star,
                                     double phi_star) {
  const double mass_squared =
      parent.e * parent.e - parent.px * parent.px - parent.py * parent.py - parent.pz * parent.pz;
  if (!(parent.e > 0.0) || !(mass_squared > 0.0)) {
    throw std::invalid_argument(
        "decay_to_massless_pair: the parent has E = " + detail::format_number(parent.e) +
        " GeV and m² = " + detail::format_number(mass_squared) +
        " GeV², but a decaying particle needs E > 0 and m² > 0");
  }

  // Rest frame: back-to-back daughters, each with energy and momentum m/2.
  const double half_mass = 0.5 * std::sqrt(mass_squared);
  const Particle axis = decay_axis(cos_theta_star, phi_star);
  const Particle first{half_mass * axis.px, half_mass * axis.py, half_mass * axis.pz, half_mass};
  const Particle second{-first.px, -first.py, -first.pz, half_mass};

  const LorentzBoost to_lab = boost_from_rest_frame_of(parent);
  return {apply(to_lab, first), apply(to_lab, second)};
}

std::vector<Particle> generate_hard_event(JetOrigin origin, const HardProcessOptions& hard,
                                          const ShowerOptions& shower, nn::Rng& rng) {
  validate(hard);
  validate(shower);

  const Direction direction = draw_direction(hard, rng);
  if (origin == JetOrigin::qcd) {
    return generate_qcd_event(direction, hard, shower, rng);
  }
  return generate_w_event(direction, hard, shower, rng);
}

}  // namespace physics
