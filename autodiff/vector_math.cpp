#include "autodiff/vector_math.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "autodiff/target_clones.hpp"
#include "autodiff/vector_math_sizes.hpp"

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

// Float kernels, with the formulas above in float arithmetic and the
// polynomial degrees and thresholds of float.
namespace single_precision {

constexpr float log2_e = 0x1.715476p+0f;
// ln 2 = ln2_high + ln2_low, with ln2_high of 15 significant bits so that
// n * ln2_high is exact for the |n| <= 150 of any finite nonzero result.
constexpr float ln2_high = 0x1.62e4p-1f;
constexpr float ln2_low = 0x1.7f7d1cp-20f;
// Adding 1.5 * 2^23 rounds a float of magnitude below 2^22 to an integer,
// which then sits in the low bits of the sum's representation.
constexpr float round_shift = 0x1.8p23f;
// 88.7228317, the largest float whose e^x rounds to a finite float.
constexpr float overflow_above = 0x1.62e42ep+6f;
// -103.972076, the smallest float whose e^x rounds to a nonzero float (the
// subnormal 2^-149).
constexpr float underflow_below = -0x1.9fe368p+6f;

// 1 / k! for k = 0, ..., 8, each rounded to float.
constexpr float inverse_factorial[9] = {1.0f,
                                        1.0f,
                                        1.0f / 2.0f,
                                        1.0f / 6.0f,
                                        1.0f / 24.0f,
                                        1.0f / 120.0f,
                                        1.0f / 720.0f,
                                        1.0f / 5040.0f,
                                        1.0f / 40320.0f};

// sum_{k=0}^{degree} c[k] r^k by Horner's rule.
template <int degree>
inline float polynomial(float r, const float* c) {
  float p = c[degree];
  for (int k = degree - 1; k >= 0; --k) {
    p = p * r + c[k];
  }
  return p;
}

// e^x = 2^n e^r with n = round(x / ln 2) and |r| <= ln 2 / 2, where
// e^r = sum_{k=0}^{7} r^k / k! has a truncation error of about
// r^8 / 8! <= 5.2e-9, a tenth of an ulp of float at e^r >= 0.7. The factor 2^n
// is built from exponent bits as 2^n1 * 2^n2, n1 + n2 = n, so that both
// factors are normal floats even where e^x is subnormal or near overflow.
inline float exp_kernel(float x) {
  const float clamped = x < -104.0f ? -104.0f : (x > 89.0f ? 89.0f : x);
  const float shifted = clamped * log2_e + round_shift;
  const float n = shifted - round_shift;
  const float r = (clamped - n * ln2_high) - n * ln2_low;

  // m = n + 256 lies in [106, 384], so 2^(m1 - 128) with m1 = m / 2 has the
  // exponent bits m1 - 1, within the normal range 1 to 254, and so has
  // 2^(m2 - 128). The subtraction of the shifts' bits gives n modulo 2^32.
  const std::uint32_t m =
      std::bit_cast<std::uint32_t>(shifted) - std::bit_cast<std::uint32_t>(round_shift) + 256;
  const std::uint32_t m1 = m >> 1;
  const std::uint32_t m2 = m - m1;
  const float scale1 = std::bit_cast<float>((m1 - 1) << 23);
  const float scale2 = std::bit_cast<float>((m2 - 1) << 23);

  float result = polynomial<7>(r, inverse_factorial) * scale1 * scale2;
  result = x > overflow_above ? std::numeric_limits<float>::infinity() : result;
  result = x < underflow_below ? 0.0f : result;
  return result;
}

// e^y - 1 for y >= 0, as 2^n (e^r - 1) + (2^n - 1) like the double version,
// with e^r - 1 = r + r^2 (1 / 2! + r / 3! + ... + r^6 / 8!), truncated at
// about r^9 / 9! <= 6e-10 |r|. Adding r last leaves little more than the rounding of
// that sum as the error of e^r - 1, which keeps tanh of small x within 2 ulp.
inline float expm1_nonnegative(float y) {
  const float shifted = y * log2_e + round_shift;
  const float n = shifted - round_shift;
  const float r = (y - n * ln2_high) - n * ln2_low;

  const float expm1_r = r + r * (r * polynomial<6>(r, inverse_factorial + 2));

  // 0 <= y <= 20 here, so 0 <= n <= 29 and 2^n is a normal float.
  const std::uint32_t exponent =
      std::bit_cast<std::uint32_t>(shifted) - std::bit_cast<std::uint32_t>(round_shift) + 127;
  const float scale = std::bit_cast<float>(exponent << 23);
  return scale * expm1_r + (scale - 1.0f);
}

// tanh |x| = (e^2|x| - 1) / (e^2|x| + 1). Above |x| = 13 ln 2 = 9.01 the
// quotient rounds to 1 in float, so clamping at 10 keeps e^2|x| finite.
inline float tanh_kernel(float x) {
  const float magnitude = std::fabs(x);
  const float y = 2.0f * (magnitude > 10.0f ? 10.0f : magnitude);
  const float e = expm1_nonnegative(y);
  return std::copysign(e / (e + 2.0f), x);
}

// With e = e^-|x|, 1 / (1 + e) for x >= 0 and e / (1 + e) below, in one
// division. The numerator is at most the denominator, so the result stays
// in [0, 1].
inline float logistic_kernel(float x) {
  const float e = exp_kernel(-std::fabs(x));
  return (x >= 0.0f ? 1.0f : e) / (1.0f + e);
}

}  // namespace single_precision

// The loops below call these by the element type of their arrays.
using single_precision::exp_kernel;
using single_precision::logistic_kernel;
using single_precision::tanh_kernel;

using detail::check_sizes;

// The loops are written twice: a separate in-place loop lets the compiler
// vectorize without the overlap test that would send x == y to scalar code.
// Each is instantiated for double and float, and each instance is cloned.
template <typename T>
AUTODIFF_TARGET_CLONES void exp_loop(const T* __restrict x, T* __restrict y, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = exp_kernel(x[k]);
  }
}

template <typename T>
AUTODIFF_TARGET_CLONES void exp_in_place(T* y, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = exp_kernel(y[k]);
  }
}

template <typename T>
AUTODIFF_TARGET_CLONES void tanh_loop(const T* __restrict x, T* __restrict y, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = tanh_kernel(x[k]);
  }
}

template <typename T>
AUTODIFF_TARGET_CLONES void tanh_in_place(T* y, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = tanh_kernel(y[k]);
  }
}

template <typename T>
AUTODIFF_TARGET_CLONES void logistic_loop(const T* __restrict x, T* __restrict y,
                                          std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = logistic_kernel(x[k]);
  }
}

template <typename T>
AUTODIFF_TARGET_CLONES void logistic_in_place(T* y, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = logistic_kernel(y[k]);
  }
}

template <typename T>
void apply_exp(std::span<const T> x, std::span<T> y) {
  check_sizes("exp", x, y);
  if (x.data() == y.data()) {
    exp_in_place(y.data(), y.size());
  } else {
    exp_loop(x.data(), y.data(), y.size());
  }
}

template <typename T>
void apply_tanh(std::span<const T> x, std::span<T> y) {
  check_sizes("tanh", x, y);
  if (x.data() == y.data()) {
    tanh_in_place(y.data(), y.size());
  } else {
    tanh_loop(x.data(), y.data(), y.size());
  }
}

template <typename T>
void apply_logistic(std::span<const T> x, std::span<T> y) {
  check_sizes("logistic", x, y);
  if (x.data() == y.data()) {
    logistic_in_place(y.data(), y.size());
  } else {
    logistic_loop(x.data(), y.data(), y.size());
  }
}

}  // namespace

void exp(std::span<const double> x, std::span<double> y) {
  apply_exp(x, y);
}

void exp(std::span<const float> x, std::span<float> y) {
  apply_exp(x, y);
}

void tanh(std::span<const double> x, std::span<double> y) {
  apply_tanh(x, y);
}

void tanh(std::span<const float> x, std::span<float> y) {
  apply_tanh(x, y);
}

void logistic(std::span<const double> x, std::span<double> y) {
  apply_logistic(x, y);
}

void logistic(std::span<const float> x, std::span<float> y) {
  apply_logistic(x, y);
}

}  // namespace autodiff::vector_math
