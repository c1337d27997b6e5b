#pragma once

// Fused ops for the patterns of dense networks: one node, one output array
// and one backward function where the plain ops would record several.

#include "autodiff/tape.hpp"

namespace autodiff {

// The affine map of a dense layer, x · W + b, for x of shape [n, k], W of
// shape [k, m] and b of shape [1, m] broadcast over the rows, giving [n, m].
// The forward pass copies b into every row and adds x · W with one product
// of gemm_into (autodiff/ops/linalg.hpp), which takes OpenBLAS's gemm or, for
// small inner sizes and one-column products, rank-1 loops or gemv. Backward:
// dx = g · Wᵀ, dW = xᵀ · g (one product each), db = sum over the rows of g.
// Equal to matmul(x, W) + b, with one node instead of two.
// Throws std::invalid_argument naming both shapes when the inner sizes differ
// or b is not [1, m].
Variable affine(Variable x, Variable weights, Variable bias);

// relu(x · W + b) and tanh(x · W + b), a dense layer and its activation as
// one node: the activation runs in place on the affine output, and the
// backward pass forms g ⊙ act'(y) from the output y (relu' = [y > 0],
// tanh' = 1 - y^2) before the three products of affine(). Values and
// gradients equal those of relu(affine(x, W, b)) and tanh(affine(x, W, b)).
// Shape errors as for affine(), naming "affine_relu" or "affine_tanh".
Variable affine_relu(Variable x, Variable weights, Variable bias);
Variable affine_tanh(Variable x, Variable weights, Variable bias);

}  // namespace autodiff
