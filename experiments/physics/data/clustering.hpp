#pragma once

// Jet reconstruction with FastJet: anti-k_t clustering of all particles of an
// event, selection of the leading jet and trimming (Krohn, Thaler and Wang,
// JHEP 02 (2010) 084, arXiv:0912.1342).

#include <vector>

#include <fastjet/PseudoJet.hh>

#include "experiments/physics/data/particle.hpp"

namespace physics {

// Settings of the jet reconstruction.
struct ClusteringOptions {
  // Radius R of the anti-k_t jets (E-scheme recombination).
  double jet_radius = 1.0;

  // Trimming reclusters the jet's constituents into k_t subjets of radius
  // trimming_radius and keeps the subjets with
  // p_T > trimming_pt_fraction · p_T(jet), where p_T(jet) is the p_T of the
  // untrimmed jet.
  double trimming_radius = 0.2;
  double trimming_pt_fraction = 0.05;

  // Detector acceptance: particles with |η| >= max_abs_eta are dropped
  // before clustering.
  double max_abs_eta = 2.5;
};

// Throws std::invalid_argument naming the field unless jet_radius,
// trimming_radius and max_abs_eta are positive, trimming_radius < jet_radius
// and trimming_pt_fraction is in [0, 1).
void validate(const ClusteringOptions& options);

// The leading jet of an event before and after trimming. Every PseudoJet here
// is a plain four-momentum, detached from the cluster sequence that made it,
// so it stays valid after the call.
struct TrimmedJet {
  fastjet::PseudoJet jet;                        // untrimmed leading anti-k_t jet
  fastjet::PseudoJet trimmed;                    // sum of the kept subjets
  std::vector<fastjet::PseudoJet> constituents;  // particles of the trimmed jet
};

// Clusters the particles inside the acceptance with anti-k_t and returns the
// jet of highest p_T, detached from its cluster sequence. Throws
// std::invalid_argument for invalid options or when no particle lies inside
// the acceptance.
fastjet::PseudoJet cluster_leading_jet(const std::vector<Particle>& particles,
                                       const ClusteringOptions& options);

// Clusters the particles inside the acceptance with anti-k_t, takes the jet
// of highest p_T and trims it. Throws std::invalid_argument for invalid
// options or when no particle lies inside the acceptance.
TrimmedJet cluster_leading_trimmed_jet(const std::vector<Particle>& particles,
                                       const ClusteringOptions& options);

}  // namespace physics
