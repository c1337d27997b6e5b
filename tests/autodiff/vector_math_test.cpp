#define BOOST_TEST_MODULE autodiff_vector_math
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "autodiff/vector_math.hpp"

namespace {

namespace vm = autodiff::vector_math;

using ArrayFunction = void (*)(std::span<const double>, std::span<double>);

constexpr double infinity = std::numeric_limits<double>::infinity();

// |actual - expected| in units of the spacing of doubles at |expected|.
double ulp_error(double actual, double expected) {
  const double magnitude = std::abs(expected);
  const double spacing = std::nextafter(magnitude, infinity) - magnitude;
  return std::abs(actual - expected) / spacing;
}

std::vector<double> uniform_points(double low, double high, std::size_t count) {
  std::mt19937_64 generator(7);
  std::uniform_real_distribution<double> uniform(low, high);
  std::vector<double> points(count);
  for (double& point : points) {
    point = uniform(generator);
  }
  return points;
}

std::vector<double> apply(ArrayFunction function, const std::vector<double>& x) {
  std::vector<double> y(x.size());
  function(x, y);
  return y;
}

// The largest ulp error of `function` against `reference` on 65536 uniform
// points of [low, high].
double max_ulp_error(ArrayFunction function, const std::function<double(double)>& reference,
                     double low, double high) {
  const std::vector<double> x = uniform_points(low, high, 65536);
  const std::vector<double> y = apply(function, x);
  double worst = 0.0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    worst = std::max(worst, ulp_error(y[k], reference(x[k])));
  }
  return worst;
}

double glibc_logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

BOOST_AUTO_TEST_CASE(exp_within_one_ulp) {
  const auto reference = [](double x) { return std::exp(x); };

  BOOST_TEST(max_ulp_error(vm::exp, reference, -1.0, 1.0) <= 1.0);
  BOOST_TEST(max_ulp_error(vm::exp, reference, -700.0, 700.0) <= 1.0);
  BOOST_TEST(max_ulp_error(vm::exp, reference, -1e-8, 1e-8) <= 1.0);
}

BOOST_AUTO_TEST_CASE(exp_subnormal_and_limits) {
  const std::vector<double> x{-708.5, -740.0, -745.0, 709.7, 0.0};
  const std::vector<double> y = apply(vm::exp, x);

  for (std::size_t k = 0; k < x.size(); ++k) {
    BOOST_TEST(ulp_error(y[k], std::exp(x[k])) <= 1.0, "exp(" << x[k] << ") = " << y[k]);
  }
  BOOST_TEST(y[4] == 1.0);
}

BOOST_AUTO_TEST_CASE(exp_special_values) {
  const std::vector<double> x{
      710.0, 1e300, infinity, -746.0, -1e300, -infinity, std::numeric_limits<double>::quiet_NaN()};
  const std::vector<double> y = apply(vm::exp, x);

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
  const auto reference = [](double x) { return std::tanh(x); };

  BOOST_TEST(max_ulp_error(vm::tanh, reference, -0.2, 0.2) <= 5.0);
  BOOST_TEST(max_ulp_error(vm::tanh, reference, -3.0, 3.0) <= 5.0);
  BOOST_TEST(max_ulp_error(vm::tanh, reference, -25.0, 25.0) <= 5.0);
  BOOST_TEST(max_ulp_error(vm::tanh, reference, -1e-10, 1e-10) <= 5.0);
}

BOOST_AUTO_TEST_CASE(tanh_special_values) {
  const std::vector<double> x{0.0,   -0.0,     1e-300,    30.0,
                              -30.0, infinity, -infinity, std::numeric_limits<double>::quiet_NaN()};
  const std::vector<double> y = apply(vm::tanh, x);

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
  const std::vector<double> y = apply(vm::logistic, x);

  BOOST_TEST(y[0] == 0.5);
  BOOST_TEST(y[1] == 1.0);
  BOOST_TEST(y[2] == 0.0);
  BOOST_TEST(y[3] == 1.0);
  BOOST_TEST(y[4] == 0.0);
  BOOST_TEST(std::isnan(y[5]));
}

BOOST_AUTO_TEST_CASE(in_place_matches_copy) {
  const std::vector<double> x = uniform_points(-30.0, 30.0, 1001);

  for (const ArrayFunction function :
       {ArrayFunction{vm::exp}, ArrayFunction{vm::tanh}, ArrayFunction{vm::logistic}}) {
    const std::vector<double> copied = apply(function, x);
    std::vector<double> in_place = x;
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
}
