#include "nn/loss_weights.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace nn {

using autodiff::Matrix;
using autodiff::Scalar;
using autodiff::Shape;
using autodiff::shape_error;
using autodiff::shape_of;

Matrix mean_coefficients(const char* loss, const Shape& predictions, const Matrix* weights) {
  const std::size_t rows = predictions[0];
  if (rows == 0) {
    throw shape_error(loss, "the batch has no samples", predictions);
  }
  if (weights == nullptr) {
    return Matrix(Shape{rows, 1}, static_cast<Scalar>(1.0 / static_cast<double>(rows)));
  }

  if (shape_of(*weights) != Shape{rows, 1}) {
    throw shape_error(loss, "weights must be [n, 1] for the n rows of the predictions", predictions,
                      shape_of(*weights));
  }
  // One branch-free pass sums the weights and notes whether any is negative,
  // infinite or NaN (NaN fails both comparisons). Only then a second pass
  // looks for the first such row, to name it. Four partial sums break the
  // chain of dependent additions, so that the loop vectorizes.
  const Scalar* values = weights->data();
  constexpr Scalar largest = std::numeric_limits<Scalar>::max();
  std::array<double, 4> partial_sums{};
  bool all_valid = true;
  std::size_t k = 0;
  for (; k + 4 <= rows; k += 4) {
    for (std::size_t lane = 0; lane < 4; ++lane) {
      const Scalar value = values[k + lane];
      partial_sums[lane] += value;
      all_valid &= value >= 0 && value <= largest;
    }
  }
  for (; k < rows; ++k) {
    partial_sums[0] += values[k];
    all_valid &= values[k] >= 0 && values[k] <= largest;
  }
  const double total = (partial_sums[0] + partial_sums[1]) + (partial_sums[2] + partial_sums[3]);
  if (!all_valid) {
    for (std::size_t i = 0; i < rows; ++i) {
      if (!(values[i] >= 0 && values[i] <= largest)) {
        throw std::invalid_argument(std::string(loss) + ": the weight of row " +
                                    std::to_string(i) + " is " + autodiff::format_number(values[i]) +
                                    "; weights must be finite and non-negative");
      }
    }
  }
  if (total == 0.0) {
    throw std::invalid_argument(std::string(loss) +
                                ": the weights sum to zero; give at least one sample a positive "
                                "weight");
  }
  if (!std::isfinite(total)) {
    throw std::invalid_argument(std::string(loss) +
                                ": the sum of the weights overflows to infinity; rescale them");
  }

  // w_i times 1 / total, within an ulp of w_i / total and without a
  // division per row, unless 1 / total overflows (a subnormal total) or is
  // subnormal itself (a total above 2^1022) and so loses bits.
  Matrix coefficients(Shape{rows, 1});
  Scalar* out = coefficients.data();
  const double inverse_total = 1.0 / total;
  if (std::isnormal(inverse_total)) {
    for (std::size_t row = 0; row < rows; ++row) {
      out[row] = static_cast<Scalar>(values[row] * inverse_total);
    }
  } else {
    for (std::size_t row = 0; row < rows; ++row) {
      out[row] = static_cast<Scalar>(values[row] / total);
    }
  }
  return coefficients;
}

}  // namespace nn
