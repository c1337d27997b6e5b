#include "autodiff/ops/linalg.hpp"

#include <array>
#include <stdexcept>
#include <string>

#include <xtensor-blas/xblas.hpp>
#include <xtensor/xadapt.hpp>

#include "autodiff/ops/kernels.hpp"
#include "autodiff/target_clones.hpp"

// Declared by OpenBLAS's cblas.h, whose include path differs between the
// pthread, OpenMP and serial builds of Debian's packages. cblas_somatcopy
// and cblas_domatcopy, OpenBLAS's extension b = alpha · op(a), take their
// enum arguments as the int values of CBLAS, defined below.
extern "C" {
void openblas_set_num_threads(int threads);
void cblas_somatcopy(int order, int transpose, int rows, int cols, float alpha, const float* a,
                     int lda, float* b, int ldb);
void cblas_domatcopy(int order, int transpose, int rows, int cols, double alpha, const double* a,
                     int lda, double* b, int ldb);
}

namespace autodiff {
namespace {

// Up to this inner size, rank_updates() is faster than OpenBLAS's gemm,
// which packs both operands into blocks first (about 20% for [128, 1] ·
// [1, 20] in a standalone measurement on the Zen 5 machine of
// docs/benchmarks-history.md).
// For aᵀ · b with up to this many columns of a, one gemv per column took the
// toy adversary step from 16.4 to 15.3 us in the float build. Such products
// are the first layer of a network of one or two inputs and its weight
// gradient.
constexpr std::size_t small_size = 2;

// Up to this many multiply-adds, product_backward() computes the input
// gradient g · bᵀ as g · (b transposed into a buffer). On a Zen 4 core,
// OpenBLAS 0.3.21 ran a row-major a · bᵀ through its packing path and a · b
// through its small-matrix kernel. In double, g · bᵀ took 3.4 us for g
// [128, 20] and b [20, 20], and the copy with the product 2.5 us. For g
// [128, 64] and b [64, 64] (5 · 10⁵ multiply-adds) they took 23.8 and 20.8
// us, for g [1024, 64] (4 · 10⁶) both 186 to 188 us. The limit lies between,
// a guess.
// NOTE: measured on that machine only. Where OpenBLAS has no small-matrix
// kernel, both products pack their operands and the copy costs time.
constexpr std::size_t transposed_copy_limit = 1000000;

// result = a · b + beta · result as rank-1 updates, one per column of a,
// each a loop over a contiguous row of b that the compiler vectorizes. The
// first update of a row also applies beta, so a one-column a takes one pass.
AUTODIFF_TARGET_CLONES void rank_updates(const Matrix& a, const Matrix& b, Matrix& result,
                                         double beta) {
  const std::size_t rows = result.shape(0);
  const std::size_t cols = result.shape(1);
  const std::size_t a_cols = a.shape(1);
  const auto scale = static_cast<Scalar>(beta);

  for (std::size_t i = 0; i < rows; ++i) {
    Scalar* row = result.data() + i * cols;
    const Scalar* factors = a.data() + i * a_cols;
    if (beta == 0.0) {
      for (std::size_t j = 0; j < cols; ++j) {
        row[j] = factors[0] * b.data()[j];
      }
    } else {
      for (std::size_t j = 0; j < cols; ++j) {
        row[j] = scale * row[j] + factors[0] * b.data()[j];
      }
    }
    for (std::size_t p = 1; p < a_cols; ++p) {
      const Scalar* b_row = b.data() + p * cols;
      for (std::size_t j = 0; j < cols; ++j) {
        row[j] += factors[p] * b_row[j];
      }
    }
  }
}

// result = aᵀ · b + beta · result for an a of few columns: row p of the
// result is bᵀ times column p of a, one OpenBLAS gemv each, which reads b
// in place where gemm would pack it first.
void transposed_products(const Matrix& a, const Matrix& b, Matrix& result, double beta) {
  using xt::blas_index_t;
  const auto rows = static_cast<blas_index_t>(b.shape(0));
  const auto cols = static_cast<blas_index_t>(b.shape(1));
  const auto a_cols = static_cast<blas_index_t>(a.shape(1));
  for (blas_index_t p = 0; p < a_cols; ++p) {
    cxxblas::gemv<blas_index_t>(cxxblas::StorageOrder::RowMajor, cxxblas::Transpose::Trans, rows,
                                cols, Scalar{1}, b.data(), cols, a.data() + p, a_cols,
                                static_cast<Scalar>(beta), result.data() + p * cols,
                                blas_index_t{1});
  }
}

// result = op(a) · v + beta · result for a product of one column, where v
// contains the inner-size elements of b: [k, 1], or [1, k] when b is
// transposed, contiguous either way. OpenBLAS's gemv reads the operands in
// place, where its gemm first packs them, which for the [n, 20] · [20, 1]
// output layer of a toy network costs more than the product.
void gemv_into(const Matrix& a, bool transpose_a, const Matrix& b, Matrix& result, double beta) {
  const auto vector = xt::adapt(b.data(), b.size(), xt::no_ownership(),
                                std::array<std::size_t, 1>{b.size()});
  auto column = xt::adapt(result.data(), result.size(), xt::no_ownership(),
                          std::array<std::size_t, 1>{result.size()});
  xt::blas::gemv(a, vector, column, transpose_a, Scalar{1}, static_cast<Scalar>(beta));
}

constexpr int row_major = 101;  // CblasRowMajor
constexpr int transpose = 112;  // CblasTrans

// Writes b [cols, rows] = aᵀ for a row-major a [rows, cols] with OpenBLAS's
// omatcopy. A build uses only the overload of its Scalar.
[[maybe_unused]] void omatcopy_transposed(int rows, int cols, const float* a, float* b) {
  cblas_somatcopy(row_major, transpose, rows, cols, 1.0f, a, cols, b, rows);
}

[[maybe_unused]] void omatcopy_transposed(int rows, int cols, const double* a, double* b) {
  cblas_domatcopy(row_major, transpose, rows, cols, 1.0, a, cols, b, rows);
}

// Writes the transpose of a [k, m] into result [m, k]. OpenBLAS's omatcopy
// took 0.29 us for a [64, 64] float array on a Zen 4 core, against 1.46 us
// for a loop over 8 x 8 blocks. product_backward() calls it for arrays of at
// most transposed_copy_limit elements, so the sizes fit in an int.
void transpose_into(const Matrix& a, Matrix& result) {
  const auto rows = static_cast<int>(a.shape(0));
  const auto cols = static_cast<int>(a.shape(1));
  if (rows == 0 || cols == 0) return;  // OpenBLAS rejects a leading dimension of 0
  omatcopy_transposed(rows, cols, a.data(), result.data());
}

}  // namespace

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
    return xt::zeros<Scalar>({rows, cols});
  }
  Matrix result({rows, cols});  // uninitialized: dgemm with beta = 0 overwrites it
  xt::blas::gemm(a, b, result, transpose_a, transpose_b);
  return result;
}

void gemm_into(const Matrix& a, const Matrix& b, Matrix& result, bool transpose_a, bool transpose_b,
               double beta) {
  const std::size_t rows = transpose_a ? a.shape(1) : a.shape(0);
  const std::size_t cols = transpose_b ? b.shape(0) : b.shape(1);
  const std::size_t inner = transpose_a ? a.shape(0) : a.shape(1);
  const std::size_t b_inner = transpose_b ? b.shape(1) : b.shape(0);
  if (inner != b_inner) {
    throw shape_error("gemm_into", "inner sizes of op(a) and op(b) differ", shape_of(a),
                      shape_of(b));
  }
  if (shape_of(result) != Shape{rows, cols}) {
    throw shape_error("gemm_into", "result must have the shape [rows of op(a), cols of op(b)]",
                      Shape{rows, cols}, shape_of(result));
  }

  // BLAS rejects a leading dimension of 0. An empty inner size makes the
  // product zero, so only the beta scaling is left.
  if (rows == 0 || cols == 0) {
    return;
  }
  if (inner == 0) {
    Scalar* data = result.data();
    const auto scale = static_cast<Scalar>(beta);
    for (std::size_t k = 0; k < result.size(); ++k) {
      data[k] = beta == 0.0 ? Scalar{0} : scale * data[k];
    }
    return;
  }
  // a · b with a small inner size, and aᵀ · b with a of few columns.
  if (!transpose_b && !transpose_a && inner <= small_size) {
    rank_updates(a, b, result, beta);
    return;
  }
  if (!transpose_b && transpose_a && rows <= small_size) {
    transposed_products(a, b, result, beta);
    return;
  }
  if (cols == 1) {
    gemv_into(a, transpose_a, b, result, beta);
    return;
  }
  xt::blas::gemm(a, b, result, transpose_a, transpose_b, Scalar{1}, static_cast<Scalar>(beta));
}

Variable matmul(Variable a, Variable b) {
  const Shape a_shape = a.shape();
  const Shape b_shape = b.shape();
  if (a_shape[1] != b_shape[0]) {
    throw shape_error("matmul", "inner sizes differ ([n, k] · [k, m] expected)", a_shape, b_shape);
  }
  Tape& tape = a.tape();

  Matrix value = tape.buffer({a_shape[0], b_shape[1]});  // [n, m]
  gemm_into(a.value(), b.value(), value, false, false, 0.0);

  return tape.record("matmul", std::move(value), {a, b}, product_backward);
}

void product_backward(const Matrix& g, GradientSink& sink) {
  // Each gradient is one product written into the input's gradient array;
  // beta = 1 adds to a partial gradient.
  if (sink.needs(0)) {
    const GradientTarget target = sink.target(0);
    const Matrix& b = sink.input(1);
    const double beta = target.accumulate ? 1.0 : 0.0;
    if (g.shape(0) > 0 && g.shape(0) * b.size() <= transposed_copy_limit) {
      Matrix b_transposed = sink.tape().buffer({b.shape(1), b.shape(0)});
      transpose_into(b, b_transposed);
      gemm_into(g, b_transposed, target.gradient, false, false, beta);
      sink.tape().recycle(std::move(b_transposed));
    } else {
      gemm_into(g, b, target.gradient, false, true, beta);
    }
  }
  if (sink.needs(1)) {
    const GradientTarget target = sink.target(1);
    gemm_into(sink.input(0), g, target.gradient, true, false, target.accumulate ? 1.0 : 0.0);
  }
}

}  // namespace autodiff
