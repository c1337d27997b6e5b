#include "autodiff/ops/fused.hpp"

#include <algorithm>

#include "autodiff/ops/linalg.hpp"
#include "autodiff/target_clones.hpp"

namespace autodiff {
namespace {

// Sums the rows of g [n, m] into sums[0, m): the first row is copied, then
// each further row is added element by element. The inner loop runs over a
// contiguous row, so the compiler vectorizes it (8 floats or 4 doubles per
// AVX2 instruction). A loop down each column would not vectorize.
AUTODIFF_TARGET_CLONES void sum_rows(const Scalar* __restrict data, std::size_t rows,
                                     std::size_t cols, Scalar* __restrict sums) {
  for (std::size_t j = 0; j < cols; ++j) {
    sums[j] = data[j];
  }
  for (std::size_t i = 1; i < rows; ++i) {
    const Scalar* row = data + i * cols;
    for (std::size_t j = 0; j < cols; ++j) {
      sums[j] += row[j];
    }
  }
}

// Writes (or adds, with `accumulate`) the column sums of g [n, m] into
// sums[0, m). A partial gradient gets the complete sums added, so the order
// of the additions does not depend on it. The sums to add go through a
// scratch array from the tape's pool.
void add_column_sums(const Matrix& g, Scalar* sums, bool accumulate, Tape& tape) {
  const std::size_t rows = g.shape(0);
  const std::size_t cols = g.shape(1);
  if (rows == 0) {
    if (!accumulate) {
      std::fill(sums, sums + cols, Scalar{0});
    }
    return;
  }
  if (!accumulate) {
    sum_rows(g.data(), rows, cols, sums);
    return;
  }

  Matrix column_sums = tape.buffer({1, cols});
  sum_rows(g.data(), rows, cols, column_sums.data());
  for (std::size_t j = 0; j < cols; ++j) {
    sums[j] += column_sums.data()[j];
  }
  tape.recycle(std::move(column_sums));
}

}  // namespace

Variable affine(Variable x, Variable weights, Variable bias) {
  const Shape x_shape = x.shape();
  const Shape w_shape = weights.shape();
  const Shape b_shape = bias.shape();
  if (x_shape[1] != w_shape[0]) {
    throw shape_error("affine",
                      "inner sizes of x and the weights differ ([n, k] · [k, m] "
                      "expected)",
                      x_shape, w_shape);
  }
  if (b_shape != Shape{1, w_shape[1]}) {
    throw shape_error("affine", "the bias must be [1, m] for weights [k, m]; weights and bias",
                      w_shape, b_shape);
  }
  Tape& tape = x.tape();

  // [n, m]: b in every row, then x · W added by dgemm with beta = 1.
  // A plain loop rather than std::copy, whose memmove call per row costs
  // more than the copy for rows of a few dozen elements.
  Matrix value = tape.buffer({x_shape[0], w_shape[1]});
  const Scalar* b = bias.value().data();
  for (std::size_t i = 0; i < x_shape[0]; ++i) {
    Scalar* row = value.data() + i * w_shape[1];
    for (std::size_t j = 0; j < w_shape[1]; ++j) {
      row[j] = b[j];
    }
  }
  gemm_into(x.value(), weights.value(), value, false, false, 1.0);

  return tape.record(
      "affine", std::move(value), {x, weights, bias}, [](const Matrix& g, GradientSink& sink) {
        if (sink.needs(0)) {
          const GradientTarget target = sink.target(0);
          gemm_into(g, sink.input(1), target.gradient, false, true, target.accumulate ? 1.0 : 0.0);
        }
        if (sink.needs(1)) {
          const GradientTarget target = sink.target(1);
          gemm_into(sink.input(0), g, target.gradient, true, false, target.accumulate ? 1.0 : 0.0);
        }
        if (sink.needs(2)) {
          const GradientTarget target = sink.target(2);
          add_column_sums(g, target.gradient.data(), target.accumulate, sink.tape());
        }
      });
}

}  // namespace autodiff
