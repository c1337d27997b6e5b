#include "experiments/physics/data/jet_features.hpp"

#include <cmath>
#include <stdexcept>

#include "experiments/physics/data/energy_correlation.hpp"
#include "experiments/physics/data/nsubjettiness.hpp"

namespace physics {

double jet_mass(const std::vector<fastjet::PseudoJet>& constituents) {
  if (constituents.empty()) {
    throw std::invalid_argument(
        "jet_mass: the jet has no constituents; pass at least one particle");
  }

  fastjet::PseudoJet sum(0.0, 0.0, 0.0, 0.0);
  for (const fastjet::PseudoJet& particle : constituents) {
    sum += particle;
  }
  const double mass_squared = sum.m2();
  return mass_squared > 0.0 ? std::sqrt(mass_squared) : 0.0;
}

std::array<double, jet_feature_count> compute_jet_features(
    const std::vector<fastjet::PseudoJet>& constituents, double jet_radius) {
  const EnergyCorrelations beta1 = energy_correlations(constituents, 1.0);
  const EnergyCorrelations beta2 = energy_correlations(constituents, 2.0);

  return {jet_mass(constituents),
          tau21(constituents, jet_radius),
          c2(beta1),
          c2(beta2),
          d2(beta1),
          d2(beta2)};
}

}  // namespace physics
