#include "experiments/physics/data/energy_correlation.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "experiments/physics/data/option_checks.hpp"

namespace physics {

EnergyCorrelations energy_correlations(const std::vector<fastjet::PseudoJet>& constituents,
                                       double beta) {
  if (constituents.empty()) {
    throw std::invalid_argument(
        "energy_correlations: the jet has no constituents; pass at least one particle");
  }
  if (!(beta > 0.0)) {
    throw std::invalid_argument("energy_correlations: beta is " + detail::format_number(beta) +
                                ", but it must be positive");
  }

  const std::size_t n = constituents.size();
  double pt_sum = 0.0;
  for (const fastjet::PseudoJet& particle : constituents) {
    pt_sum += particle.pt();
  }
  std::vector<double> z(n);  // [n] momentum fractions
  for (std::size_t i = 0; i < n; ++i) {
    z[i] = constituents[i].pt() / pt_sum;
  }

  // ΔR_ij^β for every pair, row-major, so the triple sum only multiplies.
  std::vector<double> angle(n * n, 0.0);  // [n, n]
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      const double value = std::pow(constituents[i].squared_distance(constituents[j]), 0.5 * beta);
      angle[i * n + j] = value;
      angle[j * n + i] = value;
    }
  }

  EnergyCorrelations result;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      const double pair = z[i] * z[j] * angle[i * n + j];
      result.e2 += pair;

      double triple = 0.0;  // Σ_{k>j} z_k ΔR_ik^β ΔR_jk^β
      for (std::size_t k = j + 1; k < n; ++k) {
        triple += z[k] * angle[i * n + k] * angle[j * n + k];
      }
      result.e3 += pair * triple;
    }
  }
  return result;
}

double c2(const EnergyCorrelations& correlations) {
  if (correlations.e2 == 0.0) {
    return 0.0;
  }
  return correlations.e3 / (correlations.e2 * correlations.e2);
}

double d2(const EnergyCorrelations& correlations) {
  if (correlations.e2 == 0.0) {
    return 0.0;
  }
  return correlations.e3 / (correlations.e2 * correlations.e2 * correlations.e2);
}

}  // namespace physics
