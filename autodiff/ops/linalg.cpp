#include "autodiff/ops/linalg.hpp"

#include <stdexcept>
#include <string>

#include <xtensor-blas/xblas.hpp>

// Declared by OpenBLAS's cblas.h, whose include path differs between the
// pthread, OpenMP and serial builds of Debian's packages.
extern "C" void openblas_set_num_threads(int threads);

namespace autodiff {

void set_blas_threads(int threads) {
  if (threads < 1) {
    throw std::invalid_argument("set_blas_threads: threads must be at least 1, got " +
                                std::to_string(threads));
  }
  openblas_set_num_threads(threads);
}

Matrix gemm(const Matrix& a, const Matrix& b, bool transpose_a, bool transpose_b) {
  const std::size_t rows = transpose_a ? a.shape(1) : a.shape(0);
  const std::size_t cols = transpose_b ? b.shape(0) : b.shape(1);
  const std::size_t inner = transpose_a ? a.shape(0) : a.shape(1);

  // An empty product is all zeros, and BLAS rejects a leading dimension of 0.
  if (rows == 0 || cols == 0 || inner == 0) {
    return xt::zeros<double>({rows, cols});
  }
  Matrix result({rows, cols});  // uninitialized: dgemm with beta = 0 overwrites it
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
