#pragma once

// The hard part of a simulated event: one boosted W boson decaying to two
// quarks (signal) or one hard quark or gluon (QCD background), showered into
// final particles. Pileup is added separately (pileup.hpp).

#include <vector>

#include "experiments/physics/data/particle.hpp"
#include "experiments/physics/data/shower.hpp"
#include "nn/random.hpp"

namespace physics {

// The class label Y of a jet: 0 for QCD, 1 for a W boson.
enum class JetOrigin { qcd = 0, w_boson = 1 };

// Settings of the hard process. Momenta and masses are in GeV.
struct HardProcessOptions {
  // The W boson, or the QCD parton, has p_T flat in [min_pt, max_pt].
  double min_pt = 250.0;
  double max_pt = 300.0;

  // Its rapidity is flat in [-max_abs_rapidity, max_abs_rapidity], and its
  // azimuth flat in [0, 2π).
  double max_abs_rapidity = 1.0;

  // The W mass follows a Breit-Wigner (Cauchy) distribution of this peak and
  // full width, truncated to |m - w_mass| < w_mass_window.
  double w_mass = 80.4;
  double w_width = 2.085;
  double w_mass_window = 10.0;

  // Probability that a QCD jet starts from a gluon, otherwise from a quark.
  double gluon_fraction = 0.5;

  // Largest branching angle ΔR of a QCD parton's shower.
  double qcd_max_angle = 1.5;
};

// Throws std::invalid_argument naming the field when a value is out of range:
// 0 < min_pt <= max_pt, max_abs_rapidity >= 0, w_width > 0,
// 0 < w_mass_window < w_mass, gluon_fraction in [0, 1], qcd_max_angle > 0.
void validate(const HardProcessOptions& options);

// The two massless daughters of a two-body decay.
struct DecayProducts {
  Particle first;
  Particle second;
};

// Decays `parent` (of positive mass m) into two massless particles. In the
// parent's rest frame each has energy m/2, with `first` moving along
// (sin θ* cos φ*, sin θ* sin φ*, cos θ*) and `second` opposite. Both are then
// boosted by the parent's velocity p/E. Throws std::invalid_argument when
// the parent is not timelike (E <= |p|).
DecayProducts decay_to_massless_pair(const Particle& parent, double cos_theta_star,
                                     double phi_star);

// Generates the final particles of one hard event.
//
// W boson: p_T, y and φ as in the options and the mass from the truncated
// Breit-Wigner. The W decays isotropically to a quark pair in its rest frame,
// ignoring W polarization. Each quark showers with the pair's separation ΔR
// as its maximum angle, because the pair is a colour singlet. Each quark's
// jet is then boosted as a whole in the W rest frame, so that the two jets
// are back to back with total four-momentum exactly that of the W. When the
// two jets are heavier than the W, the showers are redrawn.
//
// QCD: one gluon (probability gluon_fraction) or quark with p_T, y and φ as
// in the options, showered up to qcd_max_angle. The particles' p_T sum is the
// parton's p_T; their mass comes from the shower, with the recoil against
// the rest of the event not simulated.
//
// Throws std::invalid_argument for invalid options, and std::runtime_error
// when 1000 W shower attempts in a row give jets heavier than the W (not
// seen with the default options).
std::vector<Particle> generate_hard_event(JetOrigin origin, const HardProcessOptions& hard,
                                          const ShowerOptions& shower, nn::Rng& rng);

}  // namespace physics
