#include "autodiff/ops/linalg.hpp"

#include <xtensor-blas/xblas.hpp>

namespace autodiff {

Matrix gemm(const Matrix& a, const Matrix& b, bool transpose_a, bool transpose_b) {
  const std::size_t rows = transpose_a ? a.shape(1) : a.shape(0);
  const std::size_t cols = transpose_b ? b.shape(0) : b.shape(1);
  const std::size_t inner = transpose_a ? a.shape(0) : a.shape(1);

  Matrix result = xt::zeros<double>({rows, cols});
  // BLAS rejects a leading dimension of 0, and an empty product is all zeros.
  if (rows == 0 || cols == 0 || inner == 0) {
    return result;
  }
  xt::blas::gemm(a, b, result, transpose_a, transpose_b);
  return result;
}

Variable matmul(Variable a, Variable b) {
  const Shape a_shape = a.shape();
  const Shape b_shape = b.shape();
  if (a_shape[1] != b_shape[0]) {
    throw shape_error("matmul", "inner sizes differ ([n, k] · [k, m] expected)", a_shape,
                      b_shape);
  }

  Matrix value = gemm(a.value(), b.value());  // [n, m]

  return a.tape().record("matmul", std::move(value), {a, b},
                         [a, b](const Matrix& g, GradientSink& sink) {
                           if (sink.needs(0)) sink.accumulate(0, gemm(g, b.value(), false, true));
                           if (sink.needs(1)) sink.accumulate(1, gemm(a.value(), g, true, false));
                         });
}

}  // namespace autodiff
