#pragma once

// Elementwise exponential, hyperbolic tangent and logistic function over
// arrays, written so that the compiler vectorizes them.
//
// glibc's scalar exp and tanh take about 7 and 20 ns per element on the
// benchmark machine of docs/benchmarks.md, and they were the largest cost of
// the toy experiment's validation passes. These loops evaluate a polynomial
// in plain arithmetic, which GCC turns into SSE2 code, and on CPUs with AVX2
// into 4-wide code chosen at load time (GCC's target_clones).
//
// Accuracy against glibc, checked by tests/autodiff/vector_math_test.cpp on
// 65536 uniform points per range: exp within 1 ulp, tanh within 5 ulp and
// logistic within 4 ulp of 1 / (1 + exp(-x)). Special values follow the C
// library: exp overflows to +inf above 709.78 and underflows to 0 below
// -745.13, tanh(±inf) = ±1, and NaN gives NaN.
//
// The kernels compute in double; in a float build (autodiff/matrix.hpp) each
// element is widened, evaluated and rounded back to float.
//
// Each function writes y_k = f(x_k) for every k. `x` and `y` must have the
// same size and be either the same array (in place) or not overlap.

#include <span>

#include "autodiff/matrix.hpp"

namespace autodiff::vector_math {

// e^x.
void exp(std::span<const Scalar> x, std::span<Scalar> y);

// tanh x, as (e^2|x| - 1) / (e^2|x| + 1) with the sign of x, from a series
// for e^2|x| - 1 near 0 so that small x keep their relative precision.
void tanh(std::span<const Scalar> x, std::span<Scalar> y);

// 1 / (1 + e^-x), from e^-|x| so that it never overflows.
void logistic(std::span<const Scalar> x, std::span<Scalar> y);

}  // namespace autodiff::vector_math
