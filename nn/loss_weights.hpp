#pragma once

// The coefficients that turn per-sample losses into their weighted mean,
// shared by the losses of nn/losses.hpp.

#include "autodiff/matrix.hpp"

namespace nn {

// Returns the coefficients c_i = w_i / sum_j w_j, [n, 1], that turn per-sample
// losses into their weighted mean, or c_i = 1 / n when `weights` is null.
// `predictions` is the shape of the loss's input, [n, ...]. Throws
// std::invalid_argument for an empty batch, weights that are not [n, 1], a
// negative, infinite or NaN weight (naming its row), and weights that sum to
// 0 or overflow.
autodiff::Matrix mean_coefficients(const char* loss, const autodiff::Shape& predictions,
                                   const autodiff::Matrix* weights);

}  // namespace nn
