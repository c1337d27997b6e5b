#pragma once

// Elementwise exponential, hyperbolic tangent, logistic function and
// logarithm over arrays of double or float, written so that the compiler
// vectorizes them.
//
// glibc's scalar exp and tanh took about 7 and 20 ns per element on the
// Zen 3 machine of docs/benchmarks-history.md, and they were the largest cost of
// the toy experiment's validation passes. These loops evaluate a polynomial
// in plain arithmetic, which GCC turns into SSE2 code, and on CPUs with AVX2
// or AVX-512 into 256- or 512-bit code chosen at load time (GCC's
// target_clones, see autodiff/target_clones.hpp). One AVX2 instruction then
// handles 4 doubles or 8 floats, one AVX-512 instruction twice as many.
//
// Each precision has its own kernels. The float versions reduce the range
// and evaluate polynomials of degree 7 (exp) and 8 (tanh) in float
// arithmetic, so that they keep all 8 lanes. Both versions are compiled in
// every build, and a call with spans of autodiff::Scalar
// (autodiff/matrix.hpp) picks the one of the build.
//
// Double accuracy against glibc, checked by tests/autodiff/vector_math_test.cpp
// on 65536 uniform points per range: exp within 1 ulp, tanh within 5 ulp and
// logistic within 4 ulp of 1 / (1 + exp(-x)). Special values follow the C
// library: exp overflows to +inf above 709.78 and underflows to 0 below
// -745.13, tanh(±inf) = ±1, and NaN gives NaN.
//
// Float accuracy is measured against f(x) computed in double and rounded to
// float, over every float of [-104, 89] for exp, [-12, 12] for tanh and
// [-110, 30] for logistic, in both the AVX2 and the baseline version. exp is
// within 1 ulp (over 99% correctly rounded), tanh within 2 ulp and logistic
// within 2 ulp. The test samples these ranges. exp overflows to +inf above
// 88.72 (ln FLT_MAX), returns subnormals down to -103.97 and 0 below.
// tanh(±inf) = ±1, tanh keeps the relative precision of small and subnormal
// x, logistic stays in [0, 1], and NaN gives NaN.
//
// Each function writes y_k = f(x_k) for every k. `x` and `y` must have the
// same size, else the function throws std::invalid_argument. They must also
// be either the same array (in place) or not overlap, which is not checked.

#include <span>

namespace autodiff::vector_math {

// e^x.
void exp(std::span<const double> x, std::span<double> y);
void exp(std::span<const float> x, std::span<float> y);

// tanh x, as (e^2|x| - 1) / (e^2|x| + 1) with the sign of x, from a series
// for e^2|x| - 1 near 0 so that small x keep their relative precision.
void tanh(std::span<const double> x, std::span<double> y);
void tanh(std::span<const float> x, std::span<float> y);

// 1 / (1 + e^-x), from e^-|x| so that it never overflows.
void logistic(std::span<const double> x, std::span<double> y);
void logistic(std::span<const float> x, std::span<float> y);

// The natural logarithm: -inf at 0, NaN below 0 (autodiff/vector_math_log.cpp).
void log(std::span<const double> x, std::span<double> y);
void log(std::span<const float> x, std::span<float> y);

// log(1 + x), accurate for small x: x itself for |x| below half an ulp of 1.
void log1p(std::span<const double> x, std::span<double> y);
void log1p(std::span<const float> x, std::span<float> y);

}  // namespace autodiff::vector_math
