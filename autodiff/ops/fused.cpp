#include "autodiff/ops/fused.hpp"

#include <algorithm>
#include <cstring>

#include "autodiff/ops/kernels.hpp"
#include "autodiff/ops/linalg.hpp"
#include "autodiff/target_clones.hpp"
#include "autodiff/vector_math.hpp"

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

namespace {

// The elementwise loops of the fused ops. The relu loops are cloned for AVX2
// like the other kernels (autodiff/target_clones.hpp), which changes none of
// their results.

// Copies b [m] into every row of value [n, m]: into the first row, then
// the filled rows into as many rows again, so that log2(n) memcpy calls fill
// the array however narrow its rows are.
void fill_rows(const Scalar* b, std::size_t rows, std::size_t cols, Scalar* value) {
  if (rows == 0 || cols == 0) return;  // memcpy takes no null pointer, even for 0 bytes
  std::copy(b, b + cols, value);
  std::size_t filled = 1;
  while (filled < rows) {
    const std::size_t count = std::min(filled, rows - filled);
    std::memcpy(value + filled * cols, value, count * cols * sizeof(Scalar));
    filled += count;
  }
}

// Replaces y by max(y, 0), mapping NaN to 0 as relu() does.
AUTODIFF_TARGET_CLONES void relu_in_place(Scalar* y, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = y[k] > 0 ? y[k] : Scalar{0};
  }
}

// Writes g_pre = g relu'(v): g where the output y is positive, else 0.
AUTODIFF_TARGET_CLONES void relu_gradient(const Scalar* __restrict g, const Scalar* __restrict y,
                                          std::size_t count, Scalar* __restrict g_pre) {
  for (std::size_t k = 0; k < count; ++k) {
    g_pre[k] = y[k] > 0 ? g[k] : Scalar{0};
  }
}

// Writes g_pre = g tanh'(v) = g (1 - y^2) for the output y, in double as
// tanh() computes it. Not cloned: the AVX2 version would contract the arithmetic
// into fused multiply-adds and so differ from tanh() in the last bit.
void tanh_gradient(const Scalar* __restrict g, const Scalar* __restrict y, std::size_t count,
                   Scalar* __restrict g_pre) {
  for (std::size_t k = 0; k < count; ++k) {
    g_pre[k] = static_cast<Scalar>(g[k] * (1.0 - y[k] * y[k]));
  }
}

// Checks the shapes of an affine op named `op` and returns x · W + b [n, m]
// in a tape buffer: b in every row, then x · W added by gemm with beta = 1.
Matrix affine_value(const char* op, const Variable& x, const Variable& weights,
                    const Variable& bias) {
  const Shape x_shape = x.shape();
  const Shape w_shape = weights.shape();
  const Shape b_shape = bias.shape();
  if (x_shape[1] != w_shape[0]) {
    throw shape_error(op, "inner sizes of x and the weights differ ([n, k] · [k, m] expected)",
                      x_shape, w_shape);
  }
  if (b_shape != Shape{1, w_shape[1]}) {
    throw shape_error(op, "the bias must be [1, m] for weights [k, m]; weights and bias", w_shape,
                      b_shape);
  }

  Matrix value = x.tape().buffer({x_shape[0], w_shape[1]});
  fill_rows(bias.value().data(), x_shape[0], w_shape[1], value.data());
  gemm_into(x.value(), weights.value(), value, false, false, 1.0);
  return value;
}

// Writes the gradients of x · W + b for the gradient g [n, m] of its output:
// dx = g · Wᵀ, dW = xᵀ · g and db = the column sums of g.
void affine_backward(const Matrix& g, GradientSink& sink) {
  product_backward(g, sink);
  if (sink.needs(2)) {
    const GradientTarget target = sink.target(2);
    add_column_sums(g, target.gradient.data(), target.accumulate, sink.tape());
  }
}

// Runs affine_backward on g_pre = g ⊙ act'(y), which `activation_gradient`
// forms from the output gradient g and the output y.
using ActivationGradient = void (*)(const Scalar*, const Scalar*, std::size_t, Scalar*);

void activated_affine_backward(const Matrix& g, GradientSink& sink,
                               ActivationGradient activation_gradient) {
  if (!sink.needs(0) && !sink.needs(1) && !sink.needs(2)) return;
  Matrix pre_activation = sink.tape().buffer(shape_of(g));
  activation_gradient(g.data(), sink.output().data(), g.size(), pre_activation.data());
  affine_backward(pre_activation, sink);
  sink.tape().recycle(std::move(pre_activation));
}

}  // namespace

Variable affine(Variable x, Variable weights, Variable bias) {
  Matrix value = affine_value("affine", x, weights, bias);
  return x.tape().record("affine", std::move(value), {x, weights, bias}, affine_backward);
}

Variable affine_relu(Variable x, Variable weights, Variable bias) {
  Matrix value = affine_value("affine_relu", x, weights, bias);
  relu_in_place(value.data(), value.size());
  return x.tape().record("affine_relu", std::move(value), {x, weights, bias},
                         [](const Matrix& g, GradientSink& sink) {
                           activated_affine_backward(g, sink, relu_gradient);
                         });
}

Variable affine_tanh(Variable x, Variable weights, Variable bias) {
  Matrix value = affine_value("affine_tanh", x, weights, bias);
  vector_math::tanh(kernels::elements(value), kernels::elements(value));

  return x.tape().record("affine_tanh", std::move(value), {x, weights, bias},
                         [](const Matrix& g, GradientSink& sink) {
                           activated_affine_backward(g, sink, tanh_gradient);
                         });
}

}  // namespace autodiff
