#pragma once

// N-subjettiness (Thaler and Van Tilburg, JHEP 03 (2011) 015,
// arXiv:1011.2268), written here rather than taken from fastjet-contrib.
//
//   τ_N = Σ_k p_T,k min(ΔR_1k^β, ..., ΔR_Nk^β) / Σ_k p_T,k R0^β
//
// over the jet constituents k, where ΔR_ak = sqrt(Δy² + Δφ²) is the distance
// from constituent k to axis a and R0 the jet radius. τ_N is small when the
// jet has N or fewer hard prongs. The N axes are the exclusive k_t subjets:
// the constituents reclustered with the k_t algorithm until N pseudojets are
// left. The axes are not minimized further (no one-pass optimization).

#include <vector>

#include <fastjet/PseudoJet.hh>

namespace physics {

// Returns τ_N of the constituents for axis count `axis_count`, angular
// exponent `beta` and jet radius `jet_radius` (R0). A jet with at most N
// constituents has τ_N = 0, because each constituent is its own axis.
// Throws std::invalid_argument for no constituents, axis_count 0, or
// non-positive beta or jet_radius.
double nsubjettiness(const std::vector<fastjet::PseudoJet>& constituents, unsigned axis_count,
                     double beta, double jet_radius);

// Returns τ21 = τ2 / τ1 at β = 1, a two-prong tagger: near 0 for two hard
// prongs and larger for one. Defined as 0 when τ1 = 0, which happens only
// when every constituent lies on the single axis (one particle, or exactly
// collinear ones). Throws as nsubjettiness().
double tau21(const std::vector<fastjet::PseudoJet>& constituents, double jet_radius);

}  // namespace physics
