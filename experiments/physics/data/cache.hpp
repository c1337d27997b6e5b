#pragma once

// An on-disk cache of generated jet data sets, so that an experiment run
// regenerates nothing that an earlier run with the same settings made.
//
// Each data set is one HDF5 file "jets-<hash>.h5" in the cache folder, where
// <hash> is the 64-bit FNV-1a hash of the cache key text (below) in hex. The
// file contains
//   features  [n, 6] float64, columns in the order of jet_feature_names
//   targets   [n]    float64, 1 = W, 0 = QCD
//   pileup    [n]    float64, 1 = with pileup, 0 = without
// and a root attribute "key" with the full key text, which a load compares,
// so that a hash collision regenerates instead of loading the wrong data.
// The features and targets datasets follow the layout of hdf5_loader.hpp.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "experiments/physics/data/jet_dataset.hpp"
#include "nn/data/dataset.hpp"

namespace physics {

// Version of the simulation code, part of the cache key. Increase it with
// every change that alters generated values, so that old cache files are no
// longer matched.
inline constexpr int jet_simulation_version = 1;

// Returns the cache key text: the simulation version, every option field
// with its value in the shortest exact decimal form, the sample count and
// the seed, one "name=value" per line.
std::string jet_cache_key(const JetSimulationOptions& options, std::size_t samples,
                          std::uint64_t seed);

// Returns the path of the cache file for these settings in `cache_folder`.
std::filesystem::path jet_cache_path(const std::filesystem::path& cache_folder,
                                     const JetSimulationOptions& options, std::size_t samples,
                                     std::uint64_t seed);

// A data set from the cache, and whether it was loaded or freshly generated.
struct CachedJetDataset {
  nn::Dataset data;
  std::filesystem::path file;
  bool loaded_from_cache = false;
};

// Loads the data set for these settings from `cache_folder` when the cache
// file exists and its key matches. Otherwise it generates the data set with
// generate_jet_dataset() (passing `progress` on), writes it to the cache
// file atomically (a temporary file in the same folder, flushed to disk and
// then renamed over the final name) and returns it. Creates the folder when
// missing. Throws std::invalid_argument as generate_jet_dataset() does, and
// std::runtime_error naming the file when the folder cannot be created, the
// file cannot be written, or an existing cache file cannot be read (delete
// it to regenerate).
CachedJetDataset load_or_generate_jet_dataset(const std::filesystem::path& cache_folder,
                                              const JetSimulationOptions& options,
                                              std::size_t samples, std::uint64_t seed,
                                              const JetProgressCallback& progress = {});

}  // namespace physics
