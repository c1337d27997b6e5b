#pragma once

// Reductions and the normalizations built on them.
//
// `axis` is 0 (down the rows, giving [1, cols]) or 1 (along each row, giving
// [rows, 1]); reduced axes are kept with size 1 so that results broadcast back
// against their input. Any other axis throws std::invalid_argument.

#include <cstddef>

#include "autodiff/tape.hpp"

namespace autodiff {

// Sum of all elements, [1, 1].  d/dx_ij = 1.
Variable sum(Variable x);

// Sum along `axis`.  d/dx_ij = 1.
Variable sum(Variable x, std::size_t axis);

// Mean of all elements, [1, 1].  d/dx_ij = 1 / (rows * cols). Throws
// std::invalid_argument for an empty array.
Variable mean(Variable x);

// Mean along `axis`.  d/dx_ij = 1 / (size of that axis).
Variable mean(Variable x, std::size_t axis);

// log sum_j exp(x_j) along `axis`, computed as m + log sum_j exp(x_j - m) with
// m the maximum, so it is finite for any finite input.
// d/dx_j = softmax(x)_j.
Variable logsumexp(Variable x, std::size_t axis);

// exp(x_j) / sum_k exp(x_k) along `axis`, shifted by the maximum.
// Backward: dx = s * (g - sum_k g_k s_k).
Variable softmax(Variable x, std::size_t axis);

// x_j - logsumexp(x) along `axis`: finite where log(softmax(x)) would give
// log(0). Backward: dx = g - softmax(x) * sum_k g_k.
Variable log_softmax(Variable x, std::size_t axis);

}  // namespace autodiff
