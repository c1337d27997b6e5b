#pragma once

// The simulated jet-tagging data set with pileup as a categorical nuisance:
// W jets (Y = 1) against QCD jets (Y = 0), without (Z = 0) or with (Z = 1)
// pileup, described by the six substructure features of jet_features.hpp.
//
// NOTE: Debian's FastJet 3.4 is built without its thread-safety option
// (FASTJET_HAVE_LIMITED_THREAD_SAFETY is undefined), so calling these
// functions from several threads at once is not known to be safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "experiments/physics/data/clustering.hpp"
#include "experiments/physics/data/event_generator.hpp"
#include "experiments/physics/data/jet_features.hpp"
#include "experiments/physics/data/pileup.hpp"
#include "experiments/physics/data/shower.hpp"
#include "nn/data/dataset.hpp"

namespace physics {

// Every setting of the simulation. The cache key (cache.cpp) lists each
// field, so a new field must be added there too.
struct JetSimulationOptions {
  HardProcessOptions hard;
  ShowerOptions shower;
  PileupOptions pileup;  // used for Z = 1 events only
  ClusteringOptions clustering;

  // A shortcut for speed. Pileup particles farther than
  // clustering.jet_radius + pileup_region_margin in ΔR from the leading jet
  // of the hard event alone are left out of the clustering. If the resulting
  // leading jet lies more than pileup_region_margin / 2 from that jet, the
  // event is clustered again with every particle. Anti-k_t merges a soft
  // particle into a hard jet only within about R of its axis, so the jet
  // usually matches full clustering.
  // NOTE: not exact. In 2 of 2000 measured pileup events, far pileup changed
  // how anti-k_t merged a second hard cluster near the jet edge and moved the
  // trimmed mass by up to 2.5 GeV. Infinity always clusters every particle,
  // and so does 0, after a wasted first pass.
  double pileup_region_margin = 0.5;
};

// Throws std::invalid_argument naming the first invalid field.
void validate(const JetSimulationOptions& options);

// Called with (jets done, jets requested) during generation.
using JetProgressCallback = std::function<void(std::size_t done, std::size_t total)>;

// Returns the seed of jet `index` of a data set generated with `seed`: the
// SplitMix64 finalizer applied to seed + SplitMix64(index), so that jets are
// independent streams and can be generated in any order.
std::uint64_t jet_seed(std::uint64_t seed, std::size_t index);

// Simulates one event from its own generator seeded with `event_seed`: the
// hard event of `origin`, then pileup when `with_pileup` (restricted to the
// region around the hard jet described at pileup_region_margin), then
// clustering, trimming and the features. The hard event is drawn first, so
// the same seed gives the same hard event with and without pileup. Throws
// std::invalid_argument for invalid options.
std::array<double, jet_feature_count> simulate_jet_features(const JetSimulationOptions& options,
                                                            JetOrigin origin, bool with_pileup,
                                                            std::uint64_t event_seed);

// Generates `samples` jets: X [samples, 6] with the features of
// jet_feature_names, y [samples, 1] (1 = W, 0 = QCD) and z [samples, 1]
// (1 = pileup, 0 = none), all weights 1. Row i has y = i mod 2 and
// z = (i / 2) mod 2, so any leading block of rows has the four (y, z)
// combinations in equal numbers, up to one each. Row i uses the generator
// seeded with jet_seed(seed, i). The result depends only on the options,
// samples and seed (single-threaded, same build). `progress`, when set, is
// called after every 100 jets and after the last. Throws
// std::invalid_argument for samples 0 or invalid options.
nn::Dataset generate_jet_dataset(const JetSimulationOptions& options, std::size_t samples,
                                 std::uint64_t seed, const JetProgressCallback& progress = {});

}  // namespace physics
