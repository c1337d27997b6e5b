// vector_math::log and vector_math::log1p (autodiff/vector_math.hpp), kept
// apart from the exponentials because they share no kernel with them.
//
// Both precisions use the usual reduction: x = 2^e m with m in
// [sqrt(1/2), sqrt(2)), f = m - 1 and s = f / (2 + f), so that
//
//   log m = 2 atanh s = 2s + s R(s^2),  R = (2/3) s^2 + (2/5) s^4 + ...
//         = f - (h - s (h + R)),        h = f^2 / 2,
//
// where the second form adds the small correction s (h + R) last, so that
// the rounding of 2s does not reach the result. |s| <= 0.1716, s^2 <= 0.0295.
// log x = e ln 2 + log m then splits ln 2 into a high part that e multiplies
// exactly and a low part added with the correction.

#include <bit>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>

#include "autodiff/target_clones.hpp"
#include "autodiff/vector_math.hpp"
#include "autodiff/vector_math_sizes.hpp"

namespace autodiff::vector_math {
namespace {

namespace double_precision {

constexpr double sqrt2 = 0x1.6a09e667f3bcdp+0;
// ln 2 = ln2_high + ln2_low, with ln2_high of 29 significant bits so that
// e * ln2_high is exact for the |e| <= 1129 of any double, subnormals
// included.
constexpr double ln2_high = 0x1.62e42ffp-1;
constexpr double ln2_low = -0x1.718432a1b0e26p-35;
constexpr double smallest_normal = 0x1p-1022;
constexpr std::uint64_t mantissa_bits = 0x000fffffffffffffULL;
constexpr std::uint64_t exponent_of_one = 0x3ff0000000000000ULL;
// The double 2^52 + k for the integer k in the low mantissa bits: a vector
// conversion of the exponent field to double without the 64-bit integer
// conversion that AVX2 lacks.
constexpr std::uint64_t two_to_52_bits = 0x4330000000000000ULL;
constexpr double two_to_52 = 0x1p52;

// 2 / (2k + 1) for k = 1, ..., 10.
constexpr double atanh_coefficients[10] = {2.0 / 3.0,  2.0 / 5.0,  2.0 / 7.0,  2.0 / 9.0,
                                           2.0 / 11.0, 2.0 / 13.0, 2.0 / 15.0, 2.0 / 17.0,
                                           2.0 / 19.0, 2.0 / 21.0};

// R(s^2) = sum_{k=1}^{10} 2 / (2k + 1) s^{2k} by Horner's rule. The first
// omitted term is below 2 s^23 / 23 <= 0.1 ulp of 2s.
inline double atanh_remainder(double s2) {
  double p = atanh_coefficients[9];
  for (int k = 8; k >= 0; --k) {
    p = p * s2 + atanh_coefficients[k];
  }
  return p * s2;
}

inline double log_kernel(double x) {
  // Subnormal x are scaled into the normal range by 2^54 first.
  const bool subnormal = x < smallest_normal;
  const double scaled = subnormal ? x * 0x1p54 : x;
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(scaled);

  // m in [1, 2) and the unbiased exponent e; then m in [sqrt(1/2), sqrt(2)).
  double m = std::bit_cast<double>((bits & mantissa_bits) | exponent_of_one);
  double e = std::bit_cast<double>(((bits >> 52) & 0x7ff) | two_to_52_bits) - two_to_52 -
             (subnormal ? 1023.0 + 54.0 : 1023.0);
  const bool above_sqrt2 = m > sqrt2;
  m = above_sqrt2 ? 0.5 * m : m;
  e = above_sqrt2 ? e + 1.0 : e;

  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double h = 0.5 * f * f;
  const double correction = s * (h + atanh_remainder(s * s)) + e * ln2_low;
  double result = e * ln2_high + (f - (h - correction));

  result = x == std::numeric_limits<double>::infinity() ? x : result;
  result = x == 0.0 ? -std::numeric_limits<double>::infinity() : result;
  result = x >= 0.0 ? result : std::numeric_limits<double>::quiet_NaN();  // x < 0 or NaN
  return result;
}

}  // namespace double_precision

namespace single_precision {

constexpr float sqrt2 = 0x1.6a09e6p+0f;
// ln 2 = ln2_high + ln2_low, with ln2_high of 15 significant bits so that
// e * ln2_high is exact for the |e| <= 175 of any float, subnormals included.
constexpr float ln2_high = 0x1.62e4p-1f;
constexpr float ln2_low = 0x1.7f7d1cp-20f;
constexpr float smallest_normal = 0x1p-126f;
constexpr std::uint32_t mantissa_bits = 0x007fffffU;
constexpr std::uint32_t exponent_of_one = 0x3f800000U;
constexpr std::uint32_t two_to_23_bits = 0x4b000000U;
constexpr float two_to_23 = 0x1p23f;

// R(s^2) = sum_{k=1}^{4} 2 / (2k + 1) s^{2k}, in float. The first omitted
// term is below 2 s^11 / 11 <= 0.03 ulp of 2s.
inline float atanh_remainder(float s2) {
  const float p = ((2.0f / 9.0f * s2 + 2.0f / 7.0f) * s2 + 2.0f / 5.0f) * s2 + 2.0f / 3.0f;
  return p * s2;
}

inline float log_kernel(float x) {
  const bool subnormal = x < smallest_normal;
  const float scaled = subnormal ? x * 0x1p25f : x;
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(scaled);

  float m = std::bit_cast<float>((bits & mantissa_bits) | exponent_of_one);
  float e = std::bit_cast<float>(((bits >> 23) & 0xffU) | two_to_23_bits) - two_to_23 -
            (subnormal ? 127.0f + 25.0f : 127.0f);
  const bool above_sqrt2 = m > sqrt2;
  m = above_sqrt2 ? 0.5f * m : m;
  e = above_sqrt2 ? e + 1.0f : e;

  const float f = m - 1.0f;
  const float s = f / (2.0f + f);
  const float h = 0.5f * f * f;
  const float correction = s * (h + atanh_remainder(s * s)) + e * ln2_low;
  float result = e * ln2_high + (f - (h - correction));

  result = x == std::numeric_limits<float>::infinity() ? x : result;
  result = x == 0.0f ? -std::numeric_limits<float>::infinity() : result;
  result = x >= 0.0f ? result : std::numeric_limits<float>::quiet_NaN();
  return result;
}

}  // namespace single_precision

using double_precision::log_kernel;
using single_precision::log_kernel;

// log(1 + x) = log w - ((w - 1) - x) / w with w = 1 + x rounded. The second
// term undoes the rounding of w to first order, and for |x| below half an
// ulp of 1 it leaves x itself.
template <typename T>
inline T log1p_kernel(T x) {
  const T w = T{1} + x;
  T result = log_kernel(w) - ((w - T{1}) - x) / w;
  result = w == std::numeric_limits<T>::infinity() ? w : result;
  result = w == T{0} ? -std::numeric_limits<T>::infinity() : result;
  result = x == T{0} ? x : result;  // keeps the sign of -0
  return result;
}

using detail::check_sizes;

// As in vector_math.cpp, a separate in-place loop vectorizes without an
// overlap test.
template <typename T>
AUTODIFF_TARGET_CLONES void log_loop(const T* __restrict x, T* __restrict y, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = log_kernel(x[k]);
  }
}

template <typename T>
AUTODIFF_TARGET_CLONES void log_in_place(T* y, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = log_kernel(y[k]);
  }
}

template <typename T>
AUTODIFF_TARGET_CLONES void log1p_loop(const T* __restrict x, T* __restrict y,
                                       std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = log1p_kernel(x[k]);
  }
}

template <typename T>
AUTODIFF_TARGET_CLONES void log1p_in_place(T* y, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    y[k] = log1p_kernel(y[k]);
  }
}

template <typename T>
void apply_log(std::span<const T> x, std::span<T> y) {
  check_sizes("log", x, y);
  if (x.data() == y.data()) {
    log_in_place(y.data(), y.size());
  } else {
    log_loop(x.data(), y.data(), y.size());
  }
}

template <typename T>
void apply_log1p(std::span<const T> x, std::span<T> y) {
  check_sizes("log1p", x, y);
  if (x.data() == y.data()) {
    log1p_in_place(y.data(), y.size());
  } else {
    log1p_loop(x.data(), y.data(), y.size());
  }
}

}  // namespace

void log(std::span<const double> x, std::span<double> y) {
  apply_log(x, y);
}

void log(std::span<const float> x, std::span<float> y) {
  apply_log(x, y);
}

void log1p(std::span<const double> x, std::span<double> y) {
  apply_log1p(x, y);
}

void log1p(std::span<const float> x, std::span<float> y) {
  apply_log1p(x, y);
}

}  // namespace autodiff::vector_math
