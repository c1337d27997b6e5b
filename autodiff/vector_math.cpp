#include "autodiff/vector_math.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "autodiff/target_clones.hpp"

// The array functions are compiled for AVX2 and for the baseline
// (autodiff/target_clones.hpp). The library is compiled with
// -fno-trapping-math (autodiff/CMakeLists.txt), without which GCC does not
// turn the selects below into vector blends, and this file with
// -ffp-contract=fast, so that the AVX2 version evaluates the polynomials with
// fused multiply-adds (results then differ from the baseline version in the
// last bit).

namespace autodiff::vector_math {
namespace {

constexpr double log2_e = 0x1.71547652b82fep+0;
// ln 2 = ln2_high + ln2_low, with ln2_high of 29 significant bits so that
// n * ln2_high is exact for the |n| <= 1076 of any finite result.
constexpr double ln2_high = 0x1.62e42ffp-1;
constexpr double ln2_low = -0x1.718432a1b0e26p-35;
// Adding 1.5 * 2^52 rounds a double of magnitude below 2^51 to an integer,
// which then sits in the low bits of the sum's representation.
constexpr double round_shift = 0x1.8p52;
constexpr double overflow_above = 709.782712893384;     // ln of the largest double
constexpr double underflow_below = -745.1332191019412;  // e^x rounds to 0 below

// 1 / k! for k = 0, ..., 14.
constexpr double inverse_factorial[15] = {1.0,
                                          1.0,
                                          1.0 / 2.0,
                                          1.0 / 6.0,
                                          1.0 / 24.0,
                                          1.0 / 120.0,
                                          1.0 / 720.0,
                                          1.0 / 5040.0,
                                          1.0 / 40320.0,
                                          1.0 / 362880.0,
                                          1.0 / 3628800.0,
                                          1.0 / 39916800.0,
                                          1.0 / 479001600.0,
                                          1.0 / 6227020800.0,
                                          1.0 / 87178291200.0};

// sum_{k=0}^{13} c[k] r^k by Horner's rule. (Estrin's scheme, with a
// shorter chain of dependent operations, lost one ulp of accuracy and gained
// little speed in a quick measurement.)
inline double polynomial13(double r, const double* c) {
  double p = c[13];
  for (int k = 12; k >= 0; --k) {
    p = p * r + c[k];
  }
  return p;
}

// e^r = sum_{k=0}^{13} r^k / k!, whose truncation error for |r| <= ln 2 / 2
// is below r^14 / 14! = 4e-18, well under half an ulp of the result.
inline double exp_series(double r) { return polynomial13(r, inverse_factorial); }

// e^x = 2^n e^r with n = round(x / ln 2) and |r| <= ln 2 / 2. The factor 2^n
// is built from exponent bits as 2^n1 * 2^n2, n1 + n2 = n, so that both
// factors are normal doubles even where e^x is subnormal or near overflow.
inline double exp_kernel(double x) {
  const double clamped = x < -746.0 ? -746.0 : (x > 710.0 ? 710.0 : x);
  const double shifted = clamped * log2_e + round_shift;
  const double n = shifted - round_shift;
  const double r = (clamped - n * ln2_high) - n * ln2_low;

  // m = n + 2048 >= 0, so only unsigned shifts are needed, which SSE2 and
  // AVX2 have for 64-bit lanes. 2^(m1 - 1024) has exponent bits m1 - 1.
  const std::uint64_t m =
      std::bit_cast<std::uint64_t>(shifted) - std::bit_cast<std::uint64_t>(round_shift) + 2048;
  const std::uint64_t m1 = m >> 1;
  const std::uint64_t m2 = m - m1;
  const double scale1 = std::bit_cast<double>((m1 - 1) << 52);
  const double scale2 = std::bit_cast<double>((m2 - 1) << 52);

  double result = exp_series(r) * scale1 * scale2;
  result = x > overflow_above ? std::numeric_limits<double>::infinity() : result;
  result = x < underflow_below ? 0.0 : result;
  return result;
}

// e^y - 1 for y >= 0, with one polynomial: for y = n ln 2 + r,
// e^y - 1 = 2^n (e^r - 1) + (2^n - 1), where e^r - 1 comes from its series
// without the leading 1, so small y keep their relative precision. For
// n >= 1 both terms are positive or the first is small, so nothing cancels.
inline double expm1_nonnegative(double y) {
  const double shifted = y * log2_e + round_shift;
  const double n = shifted - round_shift;
  const double r = (y - n * ln2_high) - n * ln2_low;

  // r (1 + r / 2! + ... + r^13 / 14!), truncated below r^15 / 15!.
  const double expm1_r = r * polynomial13(r, inverse_factorial + 1);

  // 0 <= y <= 40 here, so 0 <= n <= 58 and 2^n is a normal double.
  const std::uint64_t exponent =
      std::bit_cast<std::uint64_t>(shifted) - std::bit_cast<std::uint64_t>(round_shift) + 1023;
  const double scale = std::bit_cast<double>(exponent << 52);
  return scale * expm1_r + (scale - 1.0);
}

// tanh |x| = (e^2|x| - 1) / (e^2|x| + 1); above |x| = 20 the quotient rounds
// to 1, so clamping there keeps e^2|x| finite.
inline double tanh_kernel(double x) {
  const double magnitude = std::fabs(x);
  const double y = 2.0 * (magnitude > 20.0 ? 20.0 : magnitude);
  const double e = expm1_nonnegative(y);
  return std::copysign(e / (e + 2.0), x);
}

inline double logistic_kernel(double x) {
  const double e = exp_kernel(-std::fabs(x));
  return x >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

void check_sizes(const char* function, std::span<const Scalar> x, std::span<Scalar> y) {
  if (x.size() != y.size()) {
    throw std::invalid_argument(std::string("vector_math::") + function + ": x has " +
                                std::to_string(x.size()) + " elements and y " +
                                std::to_string(y.size()) + "; pass arrays of one size");
  }
}

// The loops are written twice: a separate in-place loop lets the compiler
// vectorize without the overlap test that would send x == y to scalar code.
AUTODIFF_TARGET_CLONES void exp_loop(const Scalar* __restrict x, Scalar* __restrict y,
                                     std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = static_cast<Scalar>(exp_kernel(x[k]));
  }
}

AUTODIFF_TARGET_CLONES void exp_in_place(Scalar* y, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = static_cast<Scalar>(exp_kernel(y[k]));
  }
}

AUTODIFF_TARGET_CLONES void tanh_loop(const Scalar* __restrict x, Scalar* __restrict y,
                                      std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = static_cast<Scalar>(tanh_kernel(x[k]));
  }
}

AUTODIFF_TARGET_CLONES void tanh_in_place(Scalar* y, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = static_cast<Scalar>(tanh_kernel(y[k]));
  }
}

AUTODIFF_TARGET_CLONES void logistic_loop(const Scalar* __restrict x, Scalar* __restrict y,
                                          std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = static_cast<Scalar>(logistic_kernel(x[k]));
  }
}

AUTODIFF_TARGET_CLONES void logistic_in_place(Scalar* y, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = static_cast<Scalar>(logistic_kernel(y[k]));
  }
}

}  // namespace

void exp(std::span<const Scalar> x, std::span<Scalar> y) {
  check_sizes("exp", x, y);
  if (x.data() == y.data()) {
    exp_in_place(y.data(), y.size());
  } else {
    exp_loop(x.data(), y.data(), y.size());
  }
}

void tanh(std::span<const Scalar> x, std::span<Scalar> y) {
  check_sizes("tanh", x, y);
  if (x.data() == y.data()) {
    tanh_in_place(y.data(), y.size());
  } else {
    tanh_loop(x.data(), y.data(), y.size());
  }
}

void logistic(std::span<const Scalar> x, std::span<Scalar> y) {
  check_sizes("logistic", x, y);
  if (x.data() == y.data()) {
    logistic_in_place(y.data(), y.size());
  } else {
    logistic_loop(x.data(), y.data(), y.size());
  }
}

}  // namespace autodiff::vector_math
