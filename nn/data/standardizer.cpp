#include "nn/data/standardizer.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include "autodiff/matrix.hpp"

namespace nn {
namespace {

using autodiff::Matrix;
using autodiff::Scalar;

using autodiff::format_number;

}  // namespace

Standardizer Standardizer::from_statistics(std::vector<double> mean, std::vector<double> scale) {
  if (mean.empty() || mean.size() != scale.size()) {
    throw std::invalid_argument("Standardizer::from_statistics: got " +
                                std::to_string(mean.size()) + " means and " +
                                std::to_string(scale.size()) +
                                " scales; pass one mean and one scale per feature, at least one");
  }

  for (std::size_t column = 0; column < mean.size(); ++column) {
    if (!std::isfinite(mean[column])) {
      throw std::invalid_argument("Standardizer::from_statistics: mean of column " +
                                  std::to_string(column) + " is " + format_number(mean[column]) +
                                  "; means must be finite");
    }
    if (!std::isfinite(scale[column]) || scale[column] <= 0.0) {
      throw std::invalid_argument("Standardizer::from_statistics: scale of column " +
                                  std::to_string(column) + " is " + format_number(scale[column]) +
                                  "; scales must be finite and positive");
    }
  }

  Standardizer standardizer;
  standardizer.mean_ = std::move(mean);
  standardizer.scale_ = std::move(scale);
  return standardizer;
}

void Standardizer::fit(const Matrix& X) {
  const std::size_t rows = X.shape(0);
  const std::size_t columns = X.shape(1);
  if (rows == 0 || columns == 0) {
    throw autodiff::shape_error("Standardizer::fit", "X must have at least one row and one column",
                                autodiff::shape_of(X));
  }

  // Pass 1: column sums, checking every value on the way.
  std::vector<double> mean(columns, 0.0);
  for (std::size_t row = 0; row < rows; ++row) {
    for (std::size_t column = 0; column < columns; ++column) {
      const double value = X(row, column);
      if (!std::isfinite(value)) {
        throw std::invalid_argument("Standardizer::fit: X at row " + std::to_string(row) +
                                    ", column " + std::to_string(column) + " is " +
                                    format_number(value) +
                                    "; remove or impute non-finite values before fitting");
      }
      mean[column] += value;
    }
  }
  for (double& sum : mean) {
    sum /= static_cast<double>(rows);
  }

  // Pass 2: sums of squared deviations from the mean, which are more accurate
  // than E[x^2] - E[x]^2, and whether every value equals the first row's.
  std::vector<double> squared_deviation(columns, 0.0);
  std::vector<bool> constant(columns, true);
  for (std::size_t row = 0; row < rows; ++row) {
    for (std::size_t column = 0; column < columns; ++column) {
      const double deviation = X(row, column) - mean[column];
      squared_deviation[column] += deviation * deviation;
      if (X(row, column) != X(0, column)) {
        constant[column] = false;
      }
    }
  }

  std::vector<double> scale(columns, 1.0);
  for (std::size_t column = 0; column < columns; ++column) {
    if (constant[column]) {
      // The rounded mean of equal values can differ from them in the last
      // bit, so take the value itself to map the column to exactly 0.
      mean[column] = X(0, column);
    } else {
      scale[column] = std::sqrt(squared_deviation[column] / static_cast<double>(rows));
    }

    // Values near the limits of double overflow the sums, and deviations below
    // about 1.6e-162 square to 0, which gives a zero scale.
    if (!std::isfinite(mean[column]) || !std::isfinite(scale[column]) || scale[column] == 0.0) {
      throw std::invalid_argument("Standardizer::fit: column " + std::to_string(column) +
                                  " gives mean " + format_number(mean[column]) + " and scale " +
                                  format_number(scale[column]) +
                                  " because its values overflow or underflow double arithmetic; "
                                  "rescale that column before fitting");
    }
  }

  mean_ = std::move(mean);
  scale_ = std::move(scale);
}

Matrix Standardizer::transform(const Matrix& X) const {
  if (!fitted()) {
    throw std::logic_error(
        "Standardizer::transform: the standardizer is not fitted; call fit() on the training "
        "features or restore it with from_statistics() first");
  }
  if (X.shape(1) != features()) {
    throw std::invalid_argument("Standardizer::transform: X has " + std::to_string(X.shape(1)) +
                                " columns but the standardizer was fitted on " +
                                std::to_string(features()) +
                                "; pass features with the same columns as the training data");
  }

  Matrix result(autodiff::shape_of(X));  // [n, features]
  for (std::size_t row = 0; row < X.shape(0); ++row) {
    for (std::size_t column = 0; column < X.shape(1); ++column) {
      result(row, column) = static_cast<Scalar>((X(row, column) - mean_[column]) / scale_[column]);
    }
  }
  return result;
}

}  // namespace nn
