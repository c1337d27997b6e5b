#include "experiments/physics/data/nsubjettiness.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <fastjet/ClusterSequence.hh>

#include "experiments/physics/data/fastjet_output.hpp"
#include "experiments/physics/data/option_checks.hpp"

namespace physics {
namespace {

void check_arguments(const char* function, const std::vector<fastjet::PseudoJet>& constituents,
                     double beta, double jet_radius) {
  if (constituents.empty()) {
    throw std::invalid_argument(std::string(function) +
                                ": the jet has no constituents; pass at least one particle");
  }
  if (!(beta > 0.0) || !(jet_radius > 0.0)) {
    throw std::invalid_argument(std::string(function) + ": beta = " + detail::format_number(beta) +
                                " and jet_radius = " + detail::format_number(jet_radius) +
                                " must both be positive");
  }
}

// The exclusive k_t reclustering of the constituents. R is FastJet's largest
// allowed radius, so that no pseudojet is ever closer to the beam than to
// another pseudojet and exclusive_jets(N) merges down to exactly N.
fastjet::ClusterSequence recluster_kt(const std::vector<fastjet::PseudoJet>& constituents) {
  silence_fastjet_output();
  const fastjet::JetDefinition kt(fastjet::kt_algorithm, fastjet::JetDefinition::max_allowable_R);
  return fastjet::ClusterSequence(constituents, kt);
}

// τ_N for the given axes, normalized by Σ p_T R0^β.
double tau_with_axes(const std::vector<fastjet::PseudoJet>& constituents,
                     const std::vector<fastjet::PseudoJet>& axes, double beta, double jet_radius) {
  double numerator = 0.0;
  double pt_sum = 0.0;
  for (const fastjet::PseudoJet& particle : constituents) {
    double nearest = std::numeric_limits<double>::infinity();  // min over axes of ΔR²
    for (const fastjet::PseudoJet& axis : axes) {
      nearest = std::min(nearest, particle.squared_distance(axis));
    }
    numerator += particle.pt() * std::pow(nearest, 0.5 * beta);
    pt_sum += particle.pt();
  }
  return numerator / (pt_sum * std::pow(jet_radius, beta));
}

}  // namespace

double nsubjettiness(const std::vector<fastjet::PseudoJet>& constituents, unsigned axis_count,
                     double beta, double jet_radius) {
  check_arguments("nsubjettiness", constituents, beta, jet_radius);
  if (axis_count == 0) {
    throw std::invalid_argument("nsubjettiness: axis_count is 0; pass N >= 1 axes");
  }

  if (constituents.size() <= axis_count) {
    return 0.0;
  }
  const fastjet::ClusterSequence sequence = recluster_kt(constituents);
  return tau_with_axes(constituents, sequence.exclusive_jets(static_cast<int>(axis_count)), beta,
                       jet_radius);
}

double tau21(const std::vector<fastjet::PseudoJet>& constituents, double jet_radius) {
  constexpr double beta = 1.0;
  check_arguments("tau21", constituents, beta, jet_radius);

  // One or two constituents give τ2 = 0, so τ21 = 0 whatever τ1 is.
  if (constituents.size() <= 2) {
    return 0.0;
  }

  // τ1 and τ2 share one reclustering.
  const fastjet::ClusterSequence sequence = recluster_kt(constituents);
  const double tau1 = tau_with_axes(constituents, sequence.exclusive_jets(1), beta, jet_radius);
  const double tau2 = tau_with_axes(constituents, sequence.exclusive_jets(2), beta, jet_radius);
  return tau1 > 0.0 ? tau2 / tau1 : 0.0;
}

}  // namespace physics
