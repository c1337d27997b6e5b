#pragma once

// Reading jet-tagging data from HDF5 files laid out as those of Baldi et al.,
// "Jet substructure classification in high-energy physics with deep neural
// networks", Phys. Rev. D 93, 094034 (2016): one file per pileup condition,
// each with two datasets at the root,
//   features  [n, k]         floating point (float32 or float64), one row per jet
//   targets   [n] or [n, 1]  integer or floating point, 1 for a W jet, 0 for QCD

#include <filesystem>

#include "autodiff/matrix.hpp"
#include "nn/data/dataset.hpp"

namespace physics {

// The arrays of one file, converted to double.
struct JetArrays {
  autodiff::Matrix features;  // [n, k]
  autodiff::Matrix targets;   // [n, 1], each 0 or 1
};

// Reads `features` and `targets` from the HDF5 file at `path`. Throws
// std::runtime_error, with a message that names the file, the dataset, the
// shapes found and what to change, when
//   - the file does not exist or is not an HDF5 file;
//   - a dataset is missing or is not a dataset;
//   - features is not 2D [n, k] with n, k >= 1, or targets is not [n] or
//     [n, 1];
//   - features is not floating point, or targets is not numeric;
//   - the row counts of features and targets differ;
//   - a dataset claims more elements than one array of doubles can address
//     or than the bytes the file stores for it can contain (values never
//     written are not data), or the arrays do not fit in memory;
//   - a feature is NaN or infinite, or a target is not 0 or 1.
// HDF5's own error printing is off during the call.
JetArrays load_jet_hdf5(const std::filesystem::path& path);

// Reads the file as load_jet_hdf5(path) does and returns it as a dataset
// with y = targets, every z = pileup (for example 0 for the file without
// pileup and 1 for the one with) and unit weights. Throws as
// load_jet_hdf5(path), and std::invalid_argument for a non-finite pileup.
nn::Dataset load_jet_hdf5_dataset(const std::filesystem::path& path, double pileup);

}  // namespace physics
