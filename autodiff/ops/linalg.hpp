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

// The same product written into an existing array:
// result = op(a) · op(b) + beta · result, so beta = 1 adds the product to
// result and beta = 0 overwrites it (result may then hold anything, NaN
// included). Throws std::invalid_argument naming the shapes when the inner
// sizes differ or result does not have the product's shape.
void gemm_into(const Matrix& a, const Matrix& b, Matrix& result, bool transpose_a,
               bool transpose_b, double beta);

// The backward pass of a product a · b recorded with a and b as inputs 0
// and 1: writes da = g · bᵀ and db = aᵀ · g for the gradient g of the
// product, each for an input that needs it, added to a partial gradient.
// matmul() and the fused affine ops of autodiff/ops/fused.hpp use it.
void product_backward(const Matrix& g, GradientSink& sink);

// Sets the number of OpenBLAS threads for every later product. The networks
// of pivoting experiments are small, and waking a thread pool for a
// [128, 20] · [20, 20] product costs more than it saves, so experiment
// programs call set_blas_threads(1). The library itself never changes it.
void set_blas_threads(int threads);

}  // namespace autodiff
