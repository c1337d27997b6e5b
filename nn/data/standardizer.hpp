#pragma once

// Per-feature standardization, x' = (x - mean) / scale, with statistics taken
// from the training data only.

#include <cstddef>
#include <vector>

#include "autodiff/matrix.hpp"

namespace nn {

// Fit on the training features, then transform training, validation and test
// features with the same statistics, so that no information from held-out
// data leaks into the model's inputs.
class Standardizer {
 public:
  // Rebuilds a fitted standardizer from saved statistics. Throws
  // std::invalid_argument if the vectors are empty or of different sizes, or
  // if a mean is not finite or a scale is not finite and positive.
  static Standardizer from_statistics(std::vector<double> mean, std::vector<double> scale);

  // Stores each column's mean and population standard deviation (divisor n)
  // of X [n, features]. A column whose values are all equal, including any
  // column when n = 1, gets scale 1 and mean equal to that value, so
  // transform maps the training values to exactly 0 and shifts other data by
  // that value. Throws std::invalid_argument if X has no rows or columns,
  // naming the row and column of a NaN or infinite element, or naming a
  // column whose mean or scale overflows or underflows double. On a throw the
  // previous statistics are kept.
  void fit(const autodiff::Matrix& X);

  // Returns (X - mean) / scale column by column, [n, features]. Throws
  // std::logic_error before fit() or from_statistics(), and
  // std::invalid_argument naming both column counts if X has a different
  // number of columns than the fitted data.
  autodiff::Matrix transform(const autodiff::Matrix& X) const;

  bool fitted() const { return !mean_.empty(); }

  // Number of columns of the fitted data; 0 before fitting.
  std::size_t features() const { return mean_.size(); }

  // Per-column means and scales, one entry per feature; empty before fitting.
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& scale() const { return scale_; }

 private:
  std::vector<double> mean_;
  std::vector<double> scale_;
};

}  // namespace nn
