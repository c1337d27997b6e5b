#pragma once

// A labelled sample set: features, class labels, nuisance values and
// per-sample weights, kept row-aligned.

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "autodiff/matrix.hpp"

namespace nn {

// Row i of every field describes sample i. Build one with make_dataset(),
// which validates shapes and values. The fields stay public so that training
// code can pass X or a column straight to the tape. Because a caller can
// change them after make_dataset(), code that takes a dataset checks it again
// with check_dataset().
struct Dataset {
  autodiff::Matrix X;        // [n, features]
  autodiff::Matrix y;        // [n, 1] class label 0 or 1, or a soft label in between
  autodiff::Matrix z;        // [n, 1] nuisance value
  autodiff::Matrix weights;  // [n, 1] non-negative sample weight, 1 when unweighted

  // Number of samples n.
  std::size_t size() const { return X.shape(0); }

  // Number of feature columns of X.
  std::size_t features() const { return X.shape(1); }

  // Gathers the rows `indices`, in that order, from X, y, z and weights
  // together. Repeated indices repeat rows and an empty list gives a dataset
  // of 0 rows. Throws std::invalid_argument naming the position and the value
  // of the first index >= size().
  Dataset rows(std::span<const std::size_t> indices) const;

  // The same gather into `out`, whose arrays keep their storage when they
  // already have the shapes of the result, so that a training loop gathers
  // its minibatches without allocating. Throws std::invalid_argument when
  // `out` is this dataset.
  void rows_into(std::span<const std::size_t> indices, Dataset& out) const;

  // Copies the consecutive rows begin .. end - 1 into `out` the same way.
  // Throws std::invalid_argument unless begin <= end <= size(), and when
  // `out` is this dataset.
  void row_range_into(std::size_t begin, std::size_t end, Dataset& out) const;
};

// Builds a dataset after checking that
// - X has at least one row and one column;
// - y, z and weights are columns [n, 1] with n = rows of X;
// - no element of any of them is NaN or infinite;
// - every y is in [0, 1], the range of a binary cross-entropy target;
// - weights are non-negative and their sum is positive.
// Without `weights`, every sample gets weight 1. Throws std::invalid_argument
// naming the array and, for a bad value, its row and column.
Dataset make_dataset(autodiff::Matrix X, autodiff::Matrix y, autodiff::Matrix z,
                     std::optional<autodiff::Matrix> weights = {});

// Checks a dataset whose fields may have been changed after make_dataset():
// - y, z and weights are columns [n, 1] with n = rows of X;
// - no element of X, y, z or weights is NaN or infinite;
// - every y is in [0, 1] and every weight is >= 0.
// A dataset of 0 rows passes, and so do weights that sum to 0: callers that
// need rows or a positive total weight check that themselves. Throws
// std::invalid_argument whose message starts with `where` and names the
// array, the row and the value. Reads every element once, O(n (features + 3)).
void check_dataset(const Dataset& dataset, const std::string& where);

// Keeps the rows i, in increasing order, for which `keep(i)` is true, for
// instance the background samples:
//   select_rows_where(data, [&](std::size_t i) { return data.y(i, 0) == 0.0; })
// The result has 0 rows when nothing matches.
Dataset select_rows_where(const Dataset& dataset, const std::function<bool(std::size_t)>& keep);

}  // namespace nn
