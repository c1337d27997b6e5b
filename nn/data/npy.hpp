#pragma once

// NumPy .npy files of one numeric array, as np.save writes them.
//
// The header is validated here before xtensor's reader (xt::load_npy in
// xtensor/xnpy.hpp) gets the file, because xtensor 0.24 trusts the header.
// Fuzzed alone, its reader hit undefined behaviour on an empty header,
// allocated up to 4 GiB for the header length field, and misread header
// lengths whose low byte is 0x80 or more.

#include <filesystem>

#include "autodiff/matrix.hpp"

namespace nn {

// Reads the .npy file at `path` into a Matrix. A 1-D array of n
// values becomes a column [n, 1] and a 2-D array [rows, columns] keeps its
// shape; C order and Fortran order both give the same matrix. Accepted
// element types are little-endian float64, float32, signed and unsigned
// integers of 1, 2, 4 or 8 bytes, and bool (0 or 1), all converted to double
// and stored as autodiff::Scalar, which rounds them to float in a float build.
// NaN and infinities are returned as they are. Format versions 1.0, 2.0 and
// 3.0 are accepted. Arrays with zero elements give a matrix with zero rows
// or columns.
//
// NOTE: integers of magnitude above 2^53 lose precision in the conversion,
// and above 2^24 in a float build.
//
// Throws std::runtime_error naming the file and the problem for a missing,
// unreadable or empty file, and for a file that is not .npy (wrong magic
// string or junk in the header). It also throws for a malformed header, an
// unsupported version, or a header longer than 10000 bytes (numpy's own
// default limit). Unsupported dtypes throw too: big-endian, float16, complex,
// strings, objects and structured arrays. So do a rank other than 1 or 2, a
// dimension above 2^60, a file shorter than the header's shape needs
// (truncated), bytes after the data, and a bool array with bytes other than
// 0 or 1.
autodiff::Matrix read_npy(const std::filesystem::path& path);

}  // namespace nn
