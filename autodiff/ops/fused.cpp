#include "autodiff/ops/fused.hpp"

#include <algorithm>

#include "autodiff/ops/linalg.hpp"

namespace autodiff {

Variable affine(Variable x, Variable weights, Variable bias) {
  const Shape x_shape = x.shape();
  const Shape w_shape = weights.shape();
  const Shape b_shape = bias.shape();
  if (x_shape[1] != w_shape[0]) {
    throw shape_error("affine", "inner sizes of x and the weights differ ([n, k] · [k, m] "
                      "expected)", x_shape, w_shape);
  }
  if (b_shape != Shape{1, w_shape[1]}) {
    throw shape_error("affine", "the bias must be [1, m] for weights [k, m]; weights and bias",
                      w_shape, b_shape);
  }
  Tape& tape = x.tape();

  // [n, m]: b in every row, then x · W added by dgemm with beta = 1.
  Matrix value = tape.buffer({x_shape[0], w_shape[1]});
  const double* b = bias.value().data();
  for (std::size_t i = 0; i < x_shape[0]; ++i) {
    std::copy(b, b + w_shape[1], value.data() + i * w_shape[1]);
  }
  gemm_into(x.value(), weights.value(), value, false, false, 1.0);

  return tape.record("affine", std::move(value), {x, weights, bias},
                     [](const Matrix& g, GradientSink& sink) {
                       if (sink.needs(0)) {
                         const GradientTarget target = sink.target(0);
                         gemm_into(g, sink.input(1), target.gradient, false, true,
                                   target.accumulate ? 1.0 : 0.0);
                       }
                       if (sink.needs(1)) {
                         const GradientTarget target = sink.target(1);
                         gemm_into(sink.input(0), g, target.gradient, true, false,
                                   target.accumulate ? 1.0 : 0.0);
                       }
                       if (sink.needs(2)) {
                         // db_j = sum_i g_ij, accumulated row by row.
                         const GradientTarget target = sink.target(2);
                         double* db = target.gradient.data();
                         const std::size_t cols = g.shape(1);
                         if (!target.accumulate) {
                           std::fill(db, db + cols, 0.0);
                         }
                         for (std::size_t i = 0; i < g.shape(0); ++i) {
                           const double* row = g.data() + i * cols;
                           for (std::size_t j = 0; j < cols; ++j) {
                             db[j] += row[j];
                           }
                         }
                       }
                     });
}

}  // namespace autodiff
