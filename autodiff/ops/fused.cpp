#include "autodiff/ops/fused.hpp"

#include <algorithm>

#include "autodiff/ops/linalg.hpp"

namespace autodiff {
namespace {

// Writes (or adds, with `accumulate`) the column sums of g [n, m] into
// sums[0, m). Eight columns at a time are summed in local accumulators, which
// the compiler keeps in registers. Adding each row into `sums` in memory
// would chain every addition through a store and a load.
void add_column_sums(const Matrix& g, Scalar* sums, bool accumulate) {
  constexpr std::size_t block = 8;
  const std::size_t rows = g.shape(0);
  const std::size_t cols = g.shape(1);
  const Scalar* data = g.data();

  for (std::size_t first = 0; first < cols; first += block) {
    const std::size_t width = std::min(block, cols - first);
    double partial[block] = {};
    for (std::size_t i = 0; i < rows; ++i) {
      const Scalar* row = data + i * cols + first;
      for (std::size_t j = 0; j < width; ++j) {
        partial[j] += row[j];
      }
    }
    for (std::size_t j = 0; j < width; ++j) {
      const auto column_sum = static_cast<Scalar>(partial[j]);
      sums[first + j] = accumulate ? sums[first + j] + column_sum : column_sum;
    }
  }
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
          add_column_sums(g, target.gradient.data(), target.accumulate);
        }
      });
}

}  // namespace autodiff
