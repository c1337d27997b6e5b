#include "experiments/physics/data/shower.hpp"

#include <cmath>
#include <numbers>
#include <optional>
#include <stdexcept>
#include <string>

#include "experiments/physics/data/option_checks.hpp"

namespace physics {
namespace {

// QCD colour factors and the number of active quark flavours.
constexpr double casimir_quark = 4.0 / 3.0;  // C_F
constexpr double casimir_gluon = 3.0;        // C_A
constexpr double flavour_factor = 0.5;       // T_R
constexpr double active_flavours = 5.0;      // n_f
constexpr double z_boson_mass = 91.1876;     // GeV, the reference scale of α_s

enum class Channel { quark_to_quark_gluon, gluon_to_gluon_gluon, gluon_to_quark_antiquark };

struct Branching {
  Channel channel;
  double angle;  // ΔR between the two daughters
  double z;      // p_T fraction of the first daughter
};

double one_loop_denominator(double scale, double alpha_s_at_mz) {
  const double b0 = (33.0 - 2.0 * active_flavours) / (12.0 * std::numbers::pi);
  return 1.0 + b0 * alpha_s_at_mz * std::log(scale * scale / (z_boson_mass * z_boson_mass));
}

// Draws w on [low, high] with density proportional to 1/w.
double draw_inverse(double low, double high, nn::Rng& rng) {
  return low * std::pow(high / low, rng.uniform(0.0, 1.0));
}

// Evolves a parton of transverse momentum `pt` down in angle from
// `max_angle` with the veto algorithm and returns its first resolved
// branching, or nothing when it reaches the cutoff first.
//
// Below the current angle θ_c every resolvable branching has
// z (1 - z) > ε = Q0 / (p_T θ_c), so z lies in [ε, 1 - ε]. There the
// emission density per unit ln θ is bounded by (α_max / π) g(z) with
// α_max = α_s(Q0) and g(z) = 2 C_F / (1 - z) for a quark, or
// C_A [1/z + 1/(1 - z)] + n_f T_R for a gluon. Trial angles are drawn from
// the bound, θ = θ_c U^(1 / A) with A = (α_max / π) ∫ g dz, and accepted with
// probability [α_s(k_t) / α_max] [P(z) / g(z)], or rejected when
// k_t <= Q0. After a rejection the bound is rebuilt below the trial angle,
// which the veto algorithm allows because the evolution is Markovian.
std::optional<Branching> evolve(double pt, PartonFlavour flavour, double max_angle,
                                const ShowerOptions& options, nn::Rng& rng) {
  const double cutoff = options.cutoff_kt;
  const double alpha_max = running_alpha_s(cutoff, options.alpha_s_at_mz);
  double angle = max_angle;

  while (true) {
    // z (1 - z) <= 1/4, so no branching below θ = 4 Q0 / p_T passes the cutoff.
    const double epsilon = cutoff / (pt * angle);
    if (epsilon >= 0.25) {
      return std::nullopt;
    }

    const double log_range = std::log((1.0 - epsilon) / epsilon);
    double soft_rate = 0.0;       // ∫ g dz of the soft-singular channel
    double splitting_rate = 0.0;  // ∫ g dz of g → q q̄, zero for a quark
    if (flavour == PartonFlavour::quark) {
      soft_rate = 2.0 * casimir_quark * log_range;
    } else {
      soft_rate = 2.0 * casimir_gluon * log_range;
      splitting_rate = active_flavours * flavour_factor * (1.0 - 2.0 * epsilon);
    }
    const double rate = alpha_max / std::numbers::pi * (soft_rate + splitting_rate);

    angle *= std::pow(rng.uniform(0.0, 1.0), 1.0 / rate);

    // Pick the channel in proportion to its bound, then z from that bound.
    Branching trial{Channel::quark_to_quark_gluon, angle, 0.0};
    double acceptance = 0.0;  // P(z) / g(z)
    if (flavour == PartonFlavour::quark) {
      trial.z = 1.0 - draw_inverse(epsilon, 1.0 - epsilon, rng);
      acceptance = 0.5 * (1.0 + trial.z * trial.z);
    } else if (rng.uniform(0.0, soft_rate + splitting_rate) < soft_rate) {
      trial.channel = Channel::gluon_to_gluon_gluon;
      const double w = draw_inverse(epsilon, 1.0 - epsilon, rng);
      trial.z = rng.uniform(0.0, 1.0) < 0.5 ? w : 1.0 - w;
      const double z = trial.z;
      const double splitting = z / (1.0 - z) + (1.0 - z) / z + z * (1.0 - z);
      acceptance = splitting / (1.0 / z + 1.0 / (1.0 - z));
    } else {
      trial.channel = Channel::gluon_to_quark_antiquark;
      trial.z = rng.uniform(epsilon, 1.0 - epsilon);
      acceptance = trial.z * trial.z + (1.0 - trial.z) * (1.0 - trial.z);
    }

    const double kt = trial.z * (1.0 - trial.z) * pt * angle;
    if (kt <= cutoff) {
      continue;
    }
    acceptance *= running_alpha_s(kt, options.alpha_s_at_mz) / alpha_max;
    if (rng.uniform(0.0, 1.0) < acceptance) {
      return trial;
    }
  }
}

}  // namespace

void validate(const ShowerOptions& options) {
  detail::require_option(options.alpha_s_at_mz > 0.0 && options.alpha_s_at_mz < 1.0,
                         "ShowerOptions", "alpha_s_at_mz", options.alpha_s_at_mz, "in (0, 1)");
  detail::require_option(
      options.cutoff_kt > 0.0 &&
          one_loop_denominator(options.cutoff_kt, options.alpha_s_at_mz) > 0.0,
      "ShowerOptions", "cutoff_kt", options.cutoff_kt,
      "positive and above the Landau pole of the one-loop coupling (0.5 to 1 GeV is usual)");
}

double running_alpha_s(double scale, double alpha_s_at_mz) {
  const double denominator = one_loop_denominator(scale, alpha_s_at_mz);
  if (!(scale > 0.0) || !(denominator > 0.0)) {
    throw std::invalid_argument("running_alpha_s: the scale " + detail::format_number(scale) +
                                " GeV is at or below the Landau pole of the one-loop coupling "
                                "with alpha_s(m_Z) = " +
                                detail::format_number(alpha_s_at_mz) + "; use a larger scale");
  }
  return alpha_s_at_mz / denominator;
}

void shower_parton(const ShowerSeed& seed, const ShowerOptions& options, nn::Rng& rng,
                   std::vector<Particle>& particles) {
  validate(options);
  detail::require_option(seed.pt > 0.0, "ShowerSeed", "pt", seed.pt, "positive");
  detail::require_option(seed.max_angle > 0.0, "ShowerSeed", "max_angle", seed.max_angle,
                         "positive");

  // Partons still to evolve. An explicit stack, not recursion, so that deep
  // showers cannot overflow the call stack.
  std::vector<ShowerSeed> pending{seed};
  while (!pending.empty()) {
    const ShowerSeed parton = pending.back();
    pending.pop_back();

    const std::optional<Branching> branching =
        evolve(parton.pt, parton.flavour, parton.max_angle, options, rng);
    if (!branching) {
      particles.push_back(
          from_pt_rapidity_phi_mass(parton.pt, parton.rapidity, parton.phi, pion_mass));
      continue;
    }

    // The daughters sit on a line through the parent at azimuthal direction
    // α in the (y, φ) plane, at distances (1 - z) θ and z θ on either side,
    // so that the p_T-weighted centroid stays at the parent.
    const double z = branching->z;
    const double theta = branching->angle;
    const double direction = rng.uniform(0.0, 2.0 * std::numbers::pi);
    const double dy = theta * std::cos(direction);
    const double dphi = theta * std::sin(direction);

    PartonFlavour first = PartonFlavour::quark;
    PartonFlavour second = PartonFlavour::gluon;
    if (branching->channel == Channel::gluon_to_gluon_gluon) {
      first = PartonFlavour::gluon;
    } else if (branching->channel == Channel::gluon_to_quark_antiquark) {
      second = PartonFlavour::quark;
    }

    pending.push_back({z * parton.pt, parton.rapidity + (1.0 - z) * dy,
                       parton.phi + (1.0 - z) * dphi, first, theta});
    pending.push_back(
        {(1.0 - z) * parton.pt, parton.rapidity - z * dy, parton.phi - z * dphi, second, theta});
  }
}

}  // namespace physics
