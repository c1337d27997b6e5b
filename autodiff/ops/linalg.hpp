#pragma once

// Matrix products, computed by OpenBLAS dgemm through xtensor-blas.

#include "autodiff/tape.hpp"

namespace autodiff {

// a · b for a of shape [n, k] and b of shape [k, m], giving [n, m].
// Backward: da = g · bᵀ, db = aᵀ · g, each one dgemm with a transpose flag.
// Throws std::invalid_argument naming both shapes when the inner sizes differ.
Variable matmul(Variable a, Variable b);

// The plain product used by matmul, exposed for layers and benchmarks:
// result = op(a) · op(b), where op transposes when the flag is set.
Matrix gemm(const Matrix& a, const Matrix& b, bool transpose_a = false, bool transpose_b = false);

}  // namespace autodiff
