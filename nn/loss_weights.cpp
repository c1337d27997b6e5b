#include "nn/loss_weights.hpp"

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
  // looks for the first such row, to name it.
  const Scalar* values = weights->data();
  constexpr Scalar largest = std::numeric_limits<Scalar>::max();
  double total = 0.0;
  bool all_valid = true;
  for (std::size_t i = 0; i < rows; ++i) {
    total += values[i];
    all_valid &= values[i] >= 0 && values[i] <= largest;
  }
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

  Matrix coefficients(Shape{rows, 1});
  Scalar* out = coefficients.data();
  for (std::size_t i = 0; i < rows; ++i) {
    out[i] = static_cast<Scalar>(values[i] / total);
  }
  return coefficients;
}

}  // namespace nn
