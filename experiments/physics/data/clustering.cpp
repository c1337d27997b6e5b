#include "experiments/physics/data/clustering.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include <fastjet/ClusterSequence.hh>
#include <fastjet/Selector.hh>
#include <fastjet/tools/Filter.hh>

#include "experiments/physics/data/fastjet_output.hpp"
#include "experiments/physics/data/option_checks.hpp"

namespace physics {
namespace {

// A copy of the four-momentum only, without the link to a cluster sequence.
fastjet::PseudoJet detached(const fastjet::PseudoJet& jet) {
  return fastjet::PseudoJet(jet.px(), jet.py(), jet.pz(), jet.E());
}

// The particles inside the acceptance, as FastJet inputs.
std::vector<fastjet::PseudoJet> accepted_inputs(const char* function,
                                                const std::vector<Particle>& particles,
                                                const ClusteringOptions& options) {
  std::vector<fastjet::PseudoJet> inputs;
  inputs.reserve(particles.size());
  for (const Particle& particle : particles) {
    if (std::abs(pseudorapidity(particle)) < options.max_abs_eta) {
      inputs.emplace_back(particle.px, particle.py, particle.pz, particle.e);
    }
  }

  if (inputs.empty()) {
    throw std::invalid_argument(
        std::string(function) + ": none of the " + std::to_string(particles.size()) +
        " particles lies inside |eta| < " + detail::format_number(options.max_abs_eta) +
        ", so there is no jet; pass particles inside the acceptance");
  }
  return inputs;
}

}  // namespace

void validate(const ClusteringOptions& options) {
  const char* name = "ClusteringOptions";
  detail::require_option(options.jet_radius > 0.0, name, "jet_radius", options.jet_radius,
                         "positive");
  detail::require_option(
      options.trimming_radius > 0.0 && options.trimming_radius < options.jet_radius, name,
      "trimming_radius", options.trimming_radius,
      "positive and below jet_radius = " + detail::format_number(options.jet_radius));
  detail::require_option(options.trimming_pt_fraction >= 0.0 && options.trimming_pt_fraction < 1.0,
                         name, "trimming_pt_fraction", options.trimming_pt_fraction, "in [0, 1)");
  detail::require_option(options.max_abs_eta > 0.0, name, "max_abs_eta", options.max_abs_eta,
                         "positive");
}

fastjet::PseudoJet cluster_leading_jet(const std::vector<Particle>& particles,
                                       const ClusteringOptions& options) {
  validate(options);
  silence_fastjet_output();

  const std::vector<fastjet::PseudoJet> inputs =
      accepted_inputs("cluster_leading_jet", particles, options);
  const fastjet::JetDefinition jet_definition(fastjet::antikt_algorithm, options.jet_radius);
  const fastjet::ClusterSequence sequence(inputs, jet_definition);
  return detached(fastjet::sorted_by_pt(sequence.inclusive_jets()).front());
}

TrimmedJet cluster_leading_trimmed_jet(const std::vector<Particle>& particles,
                                       const ClusteringOptions& options) {
  validate(options);
  silence_fastjet_output();

  const std::vector<fastjet::PseudoJet> inputs =
      accepted_inputs("cluster_leading_trimmed_jet", particles, options);
  const fastjet::JetDefinition jet_definition(fastjet::antikt_algorithm, options.jet_radius);
  const fastjet::ClusterSequence sequence(inputs, jet_definition);
  const std::vector<fastjet::PseudoJet> jets = fastjet::sorted_by_pt(sequence.inclusive_jets());
  const fastjet::PseudoJet& leading = jets.front();

  // The p_T-fraction selector takes the untrimmed jet as its reference,
  // which Filter sets by itself.
  const fastjet::Filter trimmer(
      fastjet::JetDefinition(fastjet::kt_algorithm, options.trimming_radius),
      fastjet::SelectorPtFractionMin(options.trimming_pt_fraction));
  const fastjet::PseudoJet trimmed = trimmer(leading);

  TrimmedJet result{detached(leading), detached(trimmed), {}};
  for (const fastjet::PseudoJet& constituent : trimmed.constituents()) {
    result.constituents.push_back(detached(constituent));
  }
  return result;
}

}  // namespace physics
