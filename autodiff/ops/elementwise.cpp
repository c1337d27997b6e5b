#include "autodiff/ops/elementwise.hpp"

#include <cmath>

#include "autodiff/ops/kernels.hpp"
#include "autodiff/vector_math.hpp"

namespace autodiff {
namespace {

// The logistic function, with e^-|x| so that it never overflows; the two
// branches are the same function.
double logistic(Scalar v) {
  const double e = std::exp(-std::abs(v));
  return v >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

using kernels::elements;

// Records the array function function(x, value) as op `op`. The callers wrap
// the vector_math overloads in a lambda, since a template parameter cannot be
// deduced from an overload set.
template <typename ArrayFunction>
Variable record_vectorized(const char* op, Variable x, ArrayFunction function,
                           BackwardFunction backward) {
  Tape& tape = x.tape();

  Matrix value = tape.buffer(x.shape());
  function(elements(x.value()), elements(value));

  return tape.record(op, std::move(value), {x}, std::move(backward));
}

// Records function(x) elementwise as op `op`.
template <typename Function>
Variable record_unary(const char* op, Variable x, Function function, BackwardFunction backward) {
  Tape& tape = x.tape();
  const Scalar* input = x.value().data();

  Matrix value = tape.buffer(x.shape());
  kernels::map(value, [input, &function](std::size_t k) { return function(input[k]); });

  return tape.record(op, std::move(value), {x}, std::move(backward));
}

constexpr auto array_exp = [](auto x, auto y) { vector_math::exp(x, y); };
constexpr auto array_tanh = [](auto x, auto y) { vector_math::tanh(x, y); };
constexpr auto array_logistic = [](auto x, auto y) { vector_math::logistic(x, y); };

}  // namespace

Matrix stable_sigmoid(const Matrix& x) {
  Matrix result(x.shape());
  vector_math::logistic(elements(x), elements(result));
  return result;
}

Variable exp(Variable x) {
  return record_vectorized("exp", x, array_exp, [](const Matrix& g, GradientSink& sink) {
    if (!sink.needs(0)) return;
    const Scalar* gradient = g.data();
    const Scalar* output = sink.output().data();
    kernels::write(sink.target(0),
                   [gradient, output](std::size_t k) { return gradient[k] * output[k]; });
  });
}

Variable log(Variable x) {
  return record_unary(
      "log", x, [](Scalar v) { return std::log(v); },
      [](const Matrix& g, GradientSink& sink) {
        if (!sink.needs(0)) return;
        const Scalar* gradient = g.data();
        const Scalar* input = sink.input(0).data();
        kernels::write(sink.target(0),
                       [gradient, input](std::size_t k) { return gradient[k] / input[k]; });
      });
}

Variable tanh(Variable x) {
  return record_vectorized("tanh", x, array_tanh, [](const Matrix& g, GradientSink& sink) {
    if (!sink.needs(0)) return;
    const Scalar* gradient = g.data();
    const Scalar* t = sink.output().data();
    kernels::write(sink.target(0),
                   [gradient, t](std::size_t k) { return gradient[k] * (1.0 - t[k] * t[k]); });
  });
}

Variable sigmoid(Variable x) {
  return record_vectorized(
      "sigmoid", x, array_logistic, [](const Matrix& g, GradientSink& sink) {
        if (!sink.needs(0)) return;
        const Scalar* gradient = g.data();
        const Scalar* s = sink.output().data();
        kernels::write(sink.target(0),
                       [gradient, s](std::size_t k) { return gradient[k] * s[k] * (1.0 - s[k]); });
      });
}

Variable relu(Variable x) {
  // v > 0 ? v : 0 maps NaN to 0, as xt::maximum(x, 0.0) did.
  return record_unary(
      "relu", x, [](Scalar v) { return v > 0.0 ? v : 0.0; },
      [](const Matrix& g, GradientSink& sink) {
        if (!sink.needs(0)) return;
        const Scalar* gradient = g.data();
        const Scalar* input = sink.input(0).data();
        // Both loads are unconditional, so GCC turns the
        // select into a vector blend instead of a branch.
        kernels::write(sink.target(0), [gradient, input](std::size_t k) {
          const double share = gradient[k];
          return input[k] > 0.0 ? share : 0.0;
        });
      });
}

Variable softplus(Variable x) {
  return record_unary(
      "softplus", x,
      [](Scalar v) { return (v > 0.0 ? v : 0.0) + std::log1p(std::exp(-std::abs(v))); },
      [](const Matrix& g, GradientSink& sink) {
        if (!sink.needs(0)) return;
        const Scalar* gradient = g.data();
        const Scalar* input = sink.input(0).data();
        kernels::write(sink.target(0), [gradient, input](std::size_t k) {
          return gradient[k] * logistic(input[k]);
        });
      });
}

Variable square(Variable x) {
  return record_unary(
      "square", x, [](Scalar v) { return v * v; },
      [](const Matrix& g, GradientSink& sink) {
        if (!sink.needs(0)) return;
        const Scalar* gradient = g.data();
        const Scalar* input = sink.input(0).data();
        kernels::write(sink.target(0),
                       [gradient, input](std::size_t k) { return 2.0 * gradient[k] * input[k]; });
      });
}

}  // namespace autodiff
