#pragma once

// Ops that move values around without arithmetic: column slices and
// concatenation (to split and assemble a mixture density network head), and
// the gradient reversal layer.

#include <cstddef>
#include <span>

#include "autodiff/tape.hpp"

namespace autodiff {

// Columns [begin, end) of x, giving [rows, end - begin]. The backward pass
// writes the gradient into those columns of a zero array. Throws
// std::invalid_argument unless begin < end <= cols.
Variable slice_columns(Variable x, std::size_t begin, std::size_t end);

// The inputs side by side, [rows, sum of cols]. All inputs need the same
// number of rows; the backward pass hands each input its block of columns.
Variable concat_columns(std::span<const Variable> parts);
Variable concat_columns(std::initializer_list<Variable> parts);

// The identity in the forward pass; multiplies the incoming gradient by
// -lambda in the backward pass (Ganin and Lempitsky's gradient reversal).
// Placed between a classifier's output and an adversary's input, one backward
// pass of Lf + Lr gives the classifier the gradient of Lf - lambda Lr.
// Throws std::invalid_argument for a negative or non-finite lambda.
Variable reverse_gradient(Variable x, double lambda);

}  // namespace autodiff
