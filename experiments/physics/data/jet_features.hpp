#pragma once

// The six high-level substructure features of a jet, in a fixed order, all
// computed on the constituents of the trimmed jet:
//   0 mass      trimmed jet mass in GeV, sqrt(E² - |p|²) of the constituent sum
//   1 tau21     N-subjettiness ratio τ2 / τ1 at β = 1 (nsubjettiness.hpp)
//   2 c2_beta1  C2 at β = 1 (energy_correlation.hpp)
//   3 c2_beta2  C2 at β = 2
//   4 d2_beta1  D2 at β = 1
//   5 d2_beta2  D2 at β = 2

#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

#include <fastjet/PseudoJet.hh>

namespace physics {

inline constexpr std::size_t jet_feature_count = 6;

// Column names of the features, in column order.
inline constexpr std::array<std::string_view, jet_feature_count> jet_feature_names = {
    "mass", "tau21", "c2_beta1", "c2_beta2", "d2_beta1", "d2_beta2"};

// Returns the invariant mass of the constituent sum, with a negative m²
// from rounding clamped to 0. Throws std::invalid_argument for no
// constituents.
double jet_mass(const std::vector<fastjet::PseudoJet>& constituents);

// Computes the six features, in the order of jet_feature_names, of the jet
// made of `constituents`; `jet_radius` is the R0 of N-subjettiness. Throws
// std::invalid_argument for no constituents or a non-positive jet_radius.
std::array<double, jet_feature_count> compute_jet_features(
    const std::vector<fastjet::PseudoJet>& constituents, double jet_radius);

}  // namespace physics
