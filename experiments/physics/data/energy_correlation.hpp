#pragma once

// Energy correlation functions and the ratios C2 and D2, written here rather
// than taken from fastjet-contrib. Definitions for hadron colliders, as in
// Larkoski, Salam and Thaler, JHEP 06 (2013) 108 (arXiv:1305.0007), and
// Larkoski, Moult and Neill, JHEP 12 (2014) 009 (arXiv:1409.6298):
//
//   e2^(β) = Σ_{i<j}   z_i z_j ΔR_ij^β
//   e3^(β) = Σ_{i<j<k} z_i z_j z_k (ΔR_ij ΔR_ik ΔR_jk)^β
//   C2^(β) = e3^(β) / (e2^(β))²,   D2^(β) = e3^(β) / (e2^(β))³
//
// with z_i = p_T,i / Σ_k p_T,k over the jet constituents (the scalar p_T sum
// is ECF(1) of Larkoski, Salam and Thaler) and ΔR_ij = sqrt(Δy² + Δφ²) in
// rapidity and azimuth. C2 and D2 are small for two-prong jets such as
// W → q q̄ and larger for one-prong QCD jets of the same mass.

#include <vector>

#include <fastjet/PseudoJet.hh>

namespace physics {

// The normalized two- and three-point correlations of one jet at one β.
struct EnergyCorrelations {
  double e2 = 0.0;
  double e3 = 0.0;
};

// Computes e2 and e3 of the constituents at angular exponent `beta`, in
// O(n³) time for n constituents. Throws std::invalid_argument for no
// constituents or a non-positive beta.
EnergyCorrelations energy_correlations(const std::vector<fastjet::PseudoJet>& constituents,
                                       double beta);

// C2 = e3 / e2², defined as 0 when e2 = 0 (all constituents collinear).
double c2(const EnergyCorrelations& correlations);

// D2 = e3 / e2³, defined as 0 when e2 = 0 (all constituents collinear).
double d2(const EnergyCorrelations& correlations);

}  // namespace physics
