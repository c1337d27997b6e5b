#define BOOST_TEST_MODULE autodiff_vector_math
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <span>
#include <stdexcept>
#include <vector>

#include "autodiff/vector_math.hpp"

namespace {

namespace vm = autodiff::vector_math;

constexpr double infinity = std::numeric_limits<double>::infinity();
constexpr float float_infinity = std::numeric_limits<float>::infinity();
constexpr float float_nan = std::numeric_limits<float>::quiet_NaN();

// |actual - expected| in units of the spacing of doubles at |expected|.
double ulp_error(double actual, double expected) {
  const double magnitude = std::abs(expected);
  const double spacing = std::nextafter(magnitude, infinity) - magnitude;
  return std::abs(actual - expected) / spacing;
}

// |actual - expected| in units of the spacing of floats at |expected|, where
// expected is `reference` rounded to float. Below FLT_MIN the spacing is that
// of the subnormals, 2^-149.
double float_ulp_error(float actual, double reference) {
  const float expected = static_cast<float>(reference);
  if (actual == expected) {
    return 0.0;
  }
  const float magnitude = std::abs(expected);
  const double spacing = std::nextafter(magnitude, float_infinity) - magnitude;
  return std::abs(static_cast<double>(actual) - static_cast<double>(expected)) / spacing;
}

template <typename T>
std::vector<T> uniform_points(double low, double high, std::size_t count) {
  std::mt19937_64 generator(7);
  std::uniform_real_distribution<double> uniform(low, high);
  std::vector<T> points(count);
  for (T& point : points) {
    point = static_cast<T>(uniform(generator));
  }
  return points;
}

// The position of x among the floats in increasing order, with 0 for both
// zeros: consecutive floats have consecutive positions.
std::int64_t float_position(float x) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
  const std::int64_t magnitude = bits & 0x7fffffffU;
  return (bits >> 31) != 0 ? -magnitude : magnitude;
}

float float_at_position(std::int64_t position) {
  const std::uint32_t magnitude = static_cast<std::uint32_t>(position < 0 ? -position : position);
  return std::bit_cast<float>(position < 0 ? magnitude | 0x80000000U : magnitude);
}

// Every `stride`-th float of [low, high], so that each binade gets points in
// proportion to the floats it contains.
std::vector<float> float_sweep(float low, float high, std::int64_t stride) {
  std::vector<float> points;
  for (std::int64_t position = float_position(low); position <= float_position(high);
       position += stride) {
    points.push_back(float_at_position(position));
  }
  return points;
}

// The overloads of each vector_math function, one per precision.
template <typename T>
using ArrayFunction = void (*)(std::span<const T>, std::span<T>);

template <typename T>
std::vector<T> evaluate(ArrayFunction<T> function, const std::vector<T>& x) {
  std::vector<T> y(x.size());
  function(std::span<const T>(x), std::span<T>(y));
  return y;
}

// The largest ulp error of `function` against `reference` on 65536 uniform
// points of [low, high].
double max_ulp_error(ArrayFunction<double> function,
                     const std::function<double(double)>& reference,
                     double low, double high) {
  const std::vector<double> x = uniform_points<double>(low, high, 65536);
  const std::vector<double> y = evaluate(function, x);
  double worst = 0.0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    worst = std::max(worst, ulp_error(y[k], reference(x[k])));
  }
  return worst;
}

// The largest float ulp error of `function` on the points x against
// `reference` evaluated in double.
double max_float_ulp_error(ArrayFunction<float> function,
                           const std::function<double(double)>& reference,
                           const std::vector<float>& x) {
  const std::vector<float> y = evaluate(function, x);
  double worst = 0.0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    worst = std::max(worst, float_ulp_error(y[k], reference(x[k])));
  }
  return worst;
}

// The same on 65536 uniform points of [low, high].
double max_float_ulp_error(ArrayFunction<float> function,
                           const std::function<double(double)>& reference, double low,
                           double high) {
  return max_float_ulp_error(function, reference, uniform_points<float>(low, high, 65536));
}

// `count` positive finite doubles with uniformly random bit patterns, so that
// every binade from the subnormals to DBL_MAX gets about as many points.
std::vector<double> positive_doubles(std::size_t count) {
  std::mt19937_64 generator(11);
  std::uniform_int_distribution<std::uint64_t> bits(1, std::bit_cast<std::uint64_t>(
                                                           std::numeric_limits<double>::max()));
  std::vector<double> points(count);
  for (double& point : points) {
    point = std::bit_cast<double>(bits(generator));
  }
  return points;
}

// The largest ulp error of `function` against `reference` on the points x.
double max_ulp_error(ArrayFunction<double> function,
                     const std::function<double(double)>& reference,
                     const std::vector<double>& x) {
  const std::vector<double> y = evaluate(function, x);
  double worst = 0.0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    worst = std::max(worst, ulp_error(y[k], reference(x[k])));
  }
  return worst;
}

double glibc_exp(double x) { return std::exp(x); }
double glibc_tanh(double x) { return std::tanh(x); }
double glibc_logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double glibc_log(double x) { return std::log(x); }
double glibc_log1p(double x) { return std::log1p(x); }

}  // namespace

BOOST_AUTO_TEST_CASE(exp_within_one_ulp) {
  BOOST_TEST(max_ulp_error(vm::exp, glibc_exp, -1.0, 1.0) <= 1.0);
  BOOST_TEST(max_ulp_error(vm::exp, glibc_exp, -700.0, 700.0) <= 1.0);
  BOOST_TEST(max_ulp_error(vm::exp, glibc_exp, -1e-8, 1e-8) <= 1.0);
}

BOOST_AUTO_TEST_CASE(exp_subnormal_and_limits) {
  const std::vector<double> x{-708.5, -740.0, -745.0, 709.7, 0.0};
  const std::vector<double> y = evaluate(vm::exp, x);

  for (std::size_t k = 0; k < x.size(); ++k) {
    BOOST_TEST(ulp_error(y[k], std::exp(x[k])) <= 1.0, "exp(" << x[k] << ") = " << y[k]);
  }
  BOOST_TEST(y[4] == 1.0);
}

BOOST_AUTO_TEST_CASE(exp_special_values) {
  const std::vector<double> x{
      710.0, 1e300, infinity, -746.0, -1e300, -infinity, std::numeric_limits<double>::quiet_NaN()};
  const std::vector<double> y = evaluate(vm::exp, x);

  BOOST_TEST(y[0] == infinity);
  BOOST_TEST(y[1] == infinity);
  BOOST_TEST(y[2] == infinity);
  BOOST_TEST(y[3] == 0.0);
  BOOST_TEST(y[4] == 0.0);
  BOOST_TEST(y[5] == 0.0);
  BOOST_TEST(std::isnan(y[6]));
}

// The largest error seen on 2^20 points per range was 4 ulp. The bound keeps
// one ulp of margin for points that these seeds do not draw.
BOOST_AUTO_TEST_CASE(tanh_within_five_ulp) {
  BOOST_TEST(max_ulp_error(vm::tanh, glibc_tanh, -0.2, 0.2) <= 5.0);
  BOOST_TEST(max_ulp_error(vm::tanh, glibc_tanh, -3.0, 3.0) <= 5.0);
  BOOST_TEST(max_ulp_error(vm::tanh, glibc_tanh, -25.0, 25.0) <= 5.0);
  BOOST_TEST(max_ulp_error(vm::tanh, glibc_tanh, -1e-10, 1e-10) <= 5.0);
}

BOOST_AUTO_TEST_CASE(tanh_special_values) {
  const std::vector<double> x{0.0,   -0.0,     1e-300,    30.0,
                              -30.0, infinity, -infinity, std::numeric_limits<double>::quiet_NaN()};
  const std::vector<double> y = evaluate(vm::tanh, x);

  BOOST_TEST(y[0] == 0.0);
  BOOST_TEST(std::signbit(y[1]));
  BOOST_TEST(y[2] == 1e-300);
  BOOST_TEST(y[3] == 1.0);
  BOOST_TEST(y[4] == -1.0);
  BOOST_TEST(y[5] == 1.0);
  BOOST_TEST(y[6] == -1.0);
  BOOST_TEST(std::isnan(y[7]));
}

BOOST_AUTO_TEST_CASE(logistic_within_four_ulp) {
  // The reference 1 / (1 + e^-x) rounds three times itself; the largest
  // difference seen on 2^20 points per range was 3 ulp.
  BOOST_TEST(max_ulp_error(vm::logistic, glibc_logistic, -5.0, 5.0) <= 4.0);
  BOOST_TEST(max_ulp_error(vm::logistic, glibc_logistic, -700.0, 40.0) <= 4.0);
}

BOOST_AUTO_TEST_CASE(logistic_special_values) {
  const std::vector<double> x{0.0,      800.0,     -800.0,
                              infinity, -infinity, std::numeric_limits<double>::quiet_NaN()};
  const std::vector<double> y = evaluate(vm::logistic, x);

  BOOST_TEST(y[0] == 0.5);
  BOOST_TEST(y[1] == 1.0);
  BOOST_TEST(y[2] == 0.0);
  BOOST_TEST(y[3] == 1.0);
  BOOST_TEST(y[4] == 0.0);
  BOOST_TEST(std::isnan(y[5]));
}

// The float tests compare with the double functions of glibc rounded to
// float, which are correctly rounded floats except in rare ties. The bounds
// are the largest errors that a one-off program found over every float of
// [-104, 89] for exp, [-12, 12] for tanh and [-110, 30] for logistic, in both
// the AVX2 and the baseline version. These tests sample those ranges.

BOOST_AUTO_TEST_CASE(float_exp_within_one_ulp) {
  BOOST_TEST(max_float_ulp_error(vm::exp, glibc_exp, -1.0, 1.0) <= 1.0);
  BOOST_TEST(max_float_ulp_error(vm::exp, glibc_exp, -87.0, 88.7) <= 1.0);
  BOOST_TEST(max_float_ulp_error(vm::exp, glibc_exp, -1e-4, 1e-4) <= 1.0);
  BOOST_TEST(max_float_ulp_error(vm::exp, glibc_exp, float_sweep(-103.9f, 88.72f, 4099)) <= 1.0);
}

// e^x is subnormal for x between -103.97 and -87.34. There the error is
// counted in units of the subnormal spacing 2^-149.
BOOST_AUTO_TEST_CASE(float_exp_subnormal_and_limits) {
  BOOST_TEST(max_float_ulp_error(vm::exp, glibc_exp, -103.97, -87.3) <= 1.0);

  const std::vector<float> x{-87.5f, -100.0f, -103.9f, 88.72f, 0.0f, -0.0f};
  const std::vector<float> y = evaluate(vm::exp, x);

  for (std::size_t k = 0; k < x.size(); ++k) {
    BOOST_TEST(float_ulp_error(y[k], std::exp(double{x[k]})) <= 1.0,
               "exp(" << x[k] << ") = " << y[k]);
  }
  BOOST_TEST(y[2] > 0.0f);
  BOOST_TEST(y[4] == 1.0f);
  BOOST_TEST(y[5] == 1.0f);
}

// The thresholds are the floats next to ln FLT_MAX = 88.7228391 and to the
// point -103.9720771 where e^x is half the smallest subnormal.
BOOST_AUTO_TEST_CASE(float_exp_special_values) {
  const std::vector<float> x{88.7228317f, 88.7228394f, 89.0f,        1e30f, float_infinity,
                             -103.972076f, -103.972084f, -104.0f, -1e30f, -float_infinity,
                             float_nan};
  const std::vector<float> y = evaluate(vm::exp, x);

  BOOST_TEST(float_ulp_error(y[0], std::exp(double{x[0]})) <= 1.0);
  BOOST_TEST(y[1] == float_infinity);
  BOOST_TEST(y[2] == float_infinity);
  BOOST_TEST(y[3] == float_infinity);
  BOOST_TEST(y[4] == float_infinity);
  BOOST_TEST(y[5] == std::numeric_limits<float>::denorm_min());
  BOOST_TEST(y[6] == 0.0f);
  BOOST_TEST(y[7] == 0.0f);
  BOOST_TEST(y[8] == 0.0f);
  BOOST_TEST(y[9] == 0.0f);
  BOOST_TEST(std::isnan(y[10]));
}

BOOST_AUTO_TEST_CASE(float_tanh_within_two_ulp) {
  BOOST_TEST(max_float_ulp_error(vm::tanh, glibc_tanh, -0.2, 0.2) <= 2.0);
  BOOST_TEST(max_float_ulp_error(vm::tanh, glibc_tanh, -3.0, 3.0) <= 2.0);
  BOOST_TEST(max_float_ulp_error(vm::tanh, glibc_tanh, -12.0, 12.0) <= 2.0);
  BOOST_TEST(max_float_ulp_error(vm::tanh, glibc_tanh, -1e-6, 1e-6) <= 2.0);
  BOOST_TEST(max_float_ulp_error(vm::tanh, glibc_tanh, float_sweep(-10.0f, 10.0f, 4099)) <= 2.0);
}

BOOST_AUTO_TEST_CASE(float_tanh_special_values) {
  const std::vector<float> x{0.0f,  -0.0f,          1e-30f,          -1e-30f, 1e-40f,
                             12.0f, -12.0f,         float_infinity, -float_infinity,
                             float_nan};
  const std::vector<float> y = evaluate(vm::tanh, x);

  BOOST_TEST(y[0] == 0.0f);
  BOOST_TEST(std::signbit(y[1]));
  BOOST_TEST(y[2] == 1e-30f);
  BOOST_TEST(y[3] == -1e-30f);
  BOOST_TEST(y[4] == 1e-40f);
  BOOST_TEST(y[5] == 1.0f);
  BOOST_TEST(y[6] == -1.0f);
  BOOST_TEST(y[7] == 1.0f);
  BOOST_TEST(y[8] == -1.0f);
  BOOST_TEST(std::isnan(y[9]));
}

BOOST_AUTO_TEST_CASE(float_tanh_odd) {
  const std::vector<float> x = uniform_points<float>(0.0, 12.0, 4096);
  std::vector<float> negated(x.size());
  for (std::size_t k = 0; k < x.size(); ++k) {
    negated[k] = -x[k];
  }
  const std::vector<float> y = evaluate(vm::tanh, x);
  const std::vector<float> y_of_negated = evaluate(vm::tanh, negated);

  for (std::size_t k = 0; k < x.size(); ++k) {
    BOOST_TEST(y_of_negated[k] == -y[k], "tanh(" << x[k] << ")");
  }
}

BOOST_AUTO_TEST_CASE(float_logistic_within_two_ulp) {
  BOOST_TEST(max_float_ulp_error(vm::logistic, glibc_logistic, -5.0, 5.0) <= 2.0);
  BOOST_TEST(max_float_ulp_error(vm::logistic, glibc_logistic, -103.0, 20.0) <= 2.0);
  BOOST_TEST(max_float_ulp_error(vm::logistic, glibc_logistic,
                                 float_sweep(-104.0f, 20.0f, 4099)) <= 2.0);
}

BOOST_AUTO_TEST_CASE(float_logistic_special_values) {
  const std::vector<float> x{0.0f,           100.0f,          -100.0f, -110.0f, 1e30f,
                             float_infinity, -float_infinity, float_nan};
  const std::vector<float> y = evaluate(vm::logistic, x);

  BOOST_TEST(y[0] == 0.5f);
  BOOST_TEST(y[1] == 1.0f);
  BOOST_TEST(float_ulp_error(y[2], glibc_logistic(-100.0)) <= 1.0);
  BOOST_TEST(y[3] == 0.0f);
  BOOST_TEST(y[4] == 1.0f);
  BOOST_TEST(y[5] == 1.0f);
  BOOST_TEST(y[6] == 0.0f);
  BOOST_TEST(std::isnan(y[7]));
}

BOOST_AUTO_TEST_CASE(float_logistic_within_unit_interval) {
  const std::vector<float> x = float_sweep(-200.0f, 200.0f, 65537);
  const std::vector<float> y = evaluate(vm::logistic, x);

  for (std::size_t k = 0; k < x.size(); ++k) {
    BOOST_TEST((y[k] >= 0.0f && y[k] <= 1.0f), "logistic(" << x[k] << ") = " << y[k]);
  }
}

// The logarithm bounds are the largest errors a one-off program found: over
// every positive float for float log and log1p (and every float of (-1, 0)
// for log1p), and on 2^24 random doubles for double, in the AVX2 version.

BOOST_AUTO_TEST_CASE(log_within_one_ulp) {
  BOOST_TEST(max_ulp_error(vm::log, glibc_log, 0.5, 2.0) <= 1.0);
  BOOST_TEST(max_ulp_error(vm::log, glibc_log, 1.0 - 1e-9, 1.0 + 1e-9) <= 1.0);
  BOOST_TEST(max_ulp_error(vm::log, glibc_log, positive_doubles(65536)) <= 1.0);
  BOOST_TEST(max_ulp_error(vm::log1p, glibc_log1p, -0.999, 5.0) <= 1.0);
  BOOST_TEST(max_ulp_error(vm::log1p, glibc_log1p, -1e-10, 1e-10) <= 1.0);
}

BOOST_AUTO_TEST_CASE(float_log_within_one_ulp) {
  BOOST_TEST(max_float_ulp_error(vm::log, glibc_log, 0.5, 2.0) <= 1.0);
  BOOST_TEST(max_float_ulp_error(vm::log, glibc_log, float_sweep(1e-45f, 3e38f, 65537)) <= 1.0);
  BOOST_TEST(max_float_ulp_error(vm::log1p, glibc_log1p, -0.999, 5.0) <= 1.0);
  BOOST_TEST(max_float_ulp_error(vm::log1p, glibc_log1p, float_sweep(1e-45f, 3e38f, 65537)) <=
             1.0);
  BOOST_TEST(max_float_ulp_error(vm::log1p, glibc_log1p, -1e-5, 1e-5) <= 1.0);
}

// Subnormal inputs are scaled into the normal range before the reduction.
BOOST_AUTO_TEST_CASE(log_special_values) {
  const std::vector<double> x{0.0, -0.0, -1.0, infinity, -infinity,
                              std::numeric_limits<double>::quiet_NaN(), 1.0,
                              std::numeric_limits<double>::denorm_min(), 0x1p-1050};
  const std::vector<double> y = evaluate(vm::log, x);

  BOOST_TEST(y[0] == -infinity);
  BOOST_TEST(y[1] == -infinity);
  BOOST_TEST(std::isnan(y[2]));
  BOOST_TEST(y[3] == infinity);
  BOOST_TEST(std::isnan(y[4]));
  BOOST_TEST(std::isnan(y[5]));
  BOOST_TEST(y[6] == 0.0);
  BOOST_TEST(ulp_error(y[7], std::log(x[7])) <= 1.0);
  BOOST_TEST(ulp_error(y[8], std::log(x[8])) <= 1.0);
}

BOOST_AUTO_TEST_CASE(log1p_special_values) {
  const std::vector<float> x{-1.0f, -2.0f, float_infinity, float_nan, 1e-30f, -1e-30f, -0.0f};
  const std::vector<float> y = evaluate(vm::log1p, x);

  BOOST_TEST(y[0] == -float_infinity);
  BOOST_TEST(std::isnan(y[1]));
  BOOST_TEST(y[2] == float_infinity);
  BOOST_TEST(std::isnan(y[3]));
  BOOST_TEST(y[4] == 1e-30f);
  BOOST_TEST(y[5] == -1e-30f);
  BOOST_TEST(std::signbit(y[6]));

  const std::vector<double> z{-1.0, 1e-300, -infinity};
  const std::vector<double> w = evaluate(vm::log1p, z);
  BOOST_TEST(w[0] == -infinity);
  BOOST_TEST(w[1] == 1e-300);
  BOOST_TEST(std::isnan(w[2]));
}

BOOST_AUTO_TEST_CASE(float_log_special_values) {
  const std::vector<float> x{0.0f, -1.0f, float_infinity, float_nan, 1.0f,
                             std::numeric_limits<float>::denorm_min()};
  const std::vector<float> y = evaluate(vm::log, x);

  BOOST_TEST(y[0] == -float_infinity);
  BOOST_TEST(std::isnan(y[1]));
  BOOST_TEST(y[2] == float_infinity);
  BOOST_TEST(std::isnan(y[3]));
  BOOST_TEST(y[4] == 0.0f);
  BOOST_TEST(float_ulp_error(y[5], std::log(double{x[5]})) <= 1.0);
}

BOOST_AUTO_TEST_CASE(log_in_place_matches_copy) {
  const std::vector<double> x = uniform_points<double>(1e-3, 1e3, 1001);
  const std::vector<float> x_float = uniform_points<float>(1e-3, 1e3, 1001);

  for (const ArrayFunction<double> function : {static_cast<ArrayFunction<double>>(vm::log),
                                               static_cast<ArrayFunction<double>>(vm::log1p)}) {
    std::vector<double> in_place = x;
    function(in_place, in_place);
    BOOST_TEST(in_place == evaluate(function, x), boost::test_tools::per_element());
  }
  for (const ArrayFunction<float> function : {static_cast<ArrayFunction<float>>(vm::log),
                                              static_cast<ArrayFunction<float>>(vm::log1p)}) {
    std::vector<float> in_place = x_float;
    function(in_place, in_place);
    BOOST_TEST(in_place == evaluate(function, x_float), boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(in_place_matches_copy) {
  const std::vector<double> x = uniform_points<double>(-30.0, 30.0, 1001);

  for (const ArrayFunction<double> function : {static_cast<ArrayFunction<double>>(vm::exp),
                                               static_cast<ArrayFunction<double>>(vm::tanh),
                                               static_cast<ArrayFunction<double>>(vm::logistic)}) {
    const std::vector<double> copied = evaluate(function, x);
    std::vector<double> in_place = x;
    function(in_place, in_place);
    BOOST_TEST(in_place == copied, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(float_in_place_matches_copy) {
  const std::vector<float> x = uniform_points<float>(-120.0, 100.0, 1001);

  for (const ArrayFunction<float> function : {static_cast<ArrayFunction<float>>(vm::exp),
                                              static_cast<ArrayFunction<float>>(vm::tanh),
                                              static_cast<ArrayFunction<float>>(vm::logistic)}) {
    const std::vector<float> copied = evaluate(function, x);
    std::vector<float> in_place = x;
    function(in_place, in_place);
    BOOST_TEST(in_place == copied, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(size_mismatch_throws) {
  const std::vector<double> x(3, 1.0);
  std::vector<double> y(2);

  BOOST_CHECK_THROW(vm::exp(x, y), std::invalid_argument);
  BOOST_CHECK_THROW(vm::tanh(x, y), std::invalid_argument);
  BOOST_CHECK_THROW(vm::logistic(x, y), std::invalid_argument);
  BOOST_CHECK_THROW(vm::log(x, y), std::invalid_argument);
  BOOST_CHECK_THROW(vm::log1p(x, y), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(float_size_mismatch_throws) {
  const std::vector<float> x(3, 1.0f);
  std::vector<float> y(2);

  BOOST_CHECK_THROW(vm::exp(x, y), std::invalid_argument);
  BOOST_CHECK_THROW(vm::tanh(x, y), std::invalid_argument);
  BOOST_CHECK_THROW(vm::logistic(x, y), std::invalid_argument);
  BOOST_CHECK_THROW(vm::log(x, y), std::invalid_argument);
  BOOST_CHECK_THROW(vm::log1p(x, y), std::invalid_argument);
}
