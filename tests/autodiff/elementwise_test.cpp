#define BOOST_TEST_MODULE autodiff_elementwise
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <span>
#include <vector>

#include "autodiff/gradient_check.hpp"
#include "autodiff/ops/arithmetic.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/reductions.hpp"
#include "tolerances.hpp"

namespace tt = boost::test_tools;
using autodiff::Matrix;
using autodiff::Shape;
using autodiff::Tape;
using autodiff::Variable;

namespace {

Matrix random_matrix(const Shape& shape, double low, double high, unsigned seed) {
  std::mt19937_64 generator(seed);
  std::uniform_real_distribution<double> uniform(low, high);
  Matrix result(shape);
  for (auto& element : result) {
    element = uniform(generator);
  }
  return result;
}

void check_matrix(const Matrix& actual, const Matrix& expected) {
  BOOST_TEST_REQUIRE(actual.shape(0) == expected.shape(0));
  BOOST_TEST_REQUIRE(actual.shape(1) == expected.shape(1));
  for (std::size_t i = 0; i < expected.shape(0); ++i) {
    for (std::size_t j = 0; j < expected.shape(1); ++j) {
      BOOST_TEST_CONTEXT("element [" << i << ", " << j << "]") {
        BOOST_TEST(actual(i, j) == expected(i, j), tt::tolerance(test_tolerance::exact_fraction));
      }
    }
  }
}

void check_all_finite(const Matrix& matrix) {
  for (std::size_t i = 0; i < matrix.shape(0); ++i) {
    for (std::size_t j = 0; j < matrix.shape(1); ++j) {
      BOOST_TEST(std::isfinite(matrix(i, j)), "element [" << i << ", " << j << "] is "
                                                           << matrix(i, j));
    }
  }
}

void check_op_gradient(const autodiff::TapeFunction& function, const std::vector<Matrix>& inputs) {
  autodiff::GradientCheckOptions options;
  options.absolute_tolerance = test_tolerance::gradient_absolute;
  options.relative_tolerance = test_tolerance::gradient_relative;

  const autodiff::GradientCheckResult result = autodiff::check_gradient(function, inputs, options);

  BOOST_TEST(result.passed, result.first_failure);
}

// Returns d sum(op(x)) / dx, the elementwise derivative of `op` at `x`.
template <class Op>
Matrix derivative_at(Op op, const Matrix& x) {
  Tape tape;
  const Variable input = tape.variable(x);
  tape.backward(sum(op(input)), {input});
  return input.gradient();
}

const double ln2 = std::numbers::ln2;
const double ln3 = std::log(3.0);

}  // namespace

BOOST_AUTO_TEST_SUITE(elementwise)

BOOST_AUTO_TEST_CASE(exp_forward) {
  Tape tape;
  const Variable x = tape.constant({{0.0, 1.0, ln2, -ln2}});

  check_matrix(exp(x).value(), {{1.0, std::numbers::e, 2.0, 0.5}});
}

BOOST_AUTO_TEST_CASE(log_forward) {
  Tape tape;
  const Variable x = tape.constant({{1.0, std::numbers::e, 2.0, 0.5}});

  check_matrix(log(x).value(), {{0.0, 1.0, ln2, -ln2}});
}

BOOST_AUTO_TEST_CASE(log_outside_domain) {
  Tape tape;
  const Variable x = tape.constant({{0.0, -1.0}});

  const Matrix& value = log(x).value();

  BOOST_TEST(value(0, 0) == -std::numeric_limits<double>::infinity());
  BOOST_TEST(std::isnan(value(0, 1)));
}

BOOST_AUTO_TEST_CASE(tanh_forward) {
  Tape tape;
  const Variable x = tape.constant({{0.0, ln2, -ln2}});

  // tanh x = (e^2x - 1) / (e^2x + 1), and e^(2 ln 2) = 4 gives 3 / 5.
  check_matrix(tanh(x).value(), {{0.0, 0.6, -0.6}});
}

BOOST_AUTO_TEST_CASE(sigmoid_forward) {
  Tape tape;
  const Variable x = tape.constant({{0.0, ln3, -ln3}});

  // 1 / (1 + e^-ln3) = 1 / (1 + 1/3) = 3/4, and sigmoid(-x) = 1 - sigmoid(x).
  check_matrix(sigmoid(x).value(), {{0.5, 0.75, 0.25}});
}

BOOST_AUTO_TEST_CASE(relu_forward) {
  Tape tape;
  const Variable x = tape.constant({{-2.0, 0.0, 3.0}});

  check_matrix(relu(x).value(), {{0.0, 0.0, 3.0}});
}

BOOST_AUTO_TEST_CASE(softplus_forward) {
  Tape tape;
  const Variable x = tape.constant({{0.0, ln3, -ln3}});

  // ln(1 + e^x): ln 2, ln(1 + 3) = 2 ln 2 and ln(1 + 1/3) = ln 4 - ln 3.
  check_matrix(softplus(x).value(), {{ln2, 2.0 * ln2, 2.0 * ln2 - ln3}});
}

BOOST_AUTO_TEST_CASE(square_forward) {
  Tape tape;
  const Variable x = tape.constant({{-3.0, 0.5, 0.0}});

  check_matrix(square(x).value(), {{9.0, 0.25, 0.0}});
}

BOOST_AUTO_TEST_CASE(ops_keep_shape) {
  Tape tape;
  const Variable x = tape.constant(xt::ones<double>({3, 2}));
  const Variable empty = tape.constant(Matrix(Shape{0, 4}));

  for (const Variable input : {x, empty}) {
    BOOST_TEST_CONTEXT("input " << autodiff::to_string(input.shape())) {
      BOOST_TEST(exp(input).shape() == input.shape());
      BOOST_TEST(log(input).shape() == input.shape());
      BOOST_TEST(tanh(input).shape() == input.shape());
      BOOST_TEST(sigmoid(input).shape() == input.shape());
      BOOST_TEST(relu(input).shape() == input.shape());
      BOOST_TEST(softplus(input).shape() == input.shape());
      BOOST_TEST(square(input).shape() == input.shape());
    }
  }
}

BOOST_AUTO_TEST_CASE(exp_gradient) {
  check_op_gradient([](Tape&, std::span<const Variable> inputs) { return exp(inputs[0]); },
                    {random_matrix({3, 2}, -2.0, 2.0, 21)});
}

BOOST_AUTO_TEST_CASE(log_gradient) {
  check_op_gradient([](Tape&, std::span<const Variable> inputs) { return log(inputs[0]); },
                    {random_matrix({3, 2}, 0.5, 3.0, 22)});
}

BOOST_AUTO_TEST_CASE(tanh_gradient) {
  check_op_gradient([](Tape&, std::span<const Variable> inputs) { return tanh(inputs[0]); },
                    {random_matrix({3, 2}, -2.0, 2.0, 23)});
}

BOOST_AUTO_TEST_CASE(sigmoid_gradient) {
  check_op_gradient([](Tape&, std::span<const Variable> inputs) { return sigmoid(inputs[0]); },
                    {random_matrix({3, 2}, -4.0, 4.0, 24)});
}

BOOST_AUTO_TEST_CASE(relu_gradient) {
  // Every element is at least 0.3 from the kink at 0.
  const Matrix x{{-1.5, 0.3}, {2.0, -0.7}, {0.9, -0.3}};

  check_op_gradient([](Tape&, std::span<const Variable> inputs) { return relu(inputs[0]); }, {x});
}

BOOST_AUTO_TEST_CASE(relu_subgradient_at_zero) {
  check_matrix(derivative_at([](Variable x) { return relu(x); }, {{-1.0, 0.0, 1.0}}),
               {{0.0, 0.0, 1.0}});
}

BOOST_AUTO_TEST_CASE(softplus_gradient) {
  check_op_gradient([](Tape&, std::span<const Variable> inputs) { return softplus(inputs[0]); },
                    {random_matrix({3, 2}, -4.0, 4.0, 25)});
}

BOOST_AUTO_TEST_CASE(square_gradient) {
  check_op_gradient([](Tape&, std::span<const Variable> inputs) { return square(inputs[0]); },
                    {random_matrix({3, 2}, -2.0, 2.0, 26)});
}

BOOST_AUTO_TEST_CASE(derivatives_at_known_points) {
  // Hand derivatives: e^x at ln 2 is 2, 1/x at 4 is 1/4, 1 - tanh^2(ln 2) is
  // 1 - 0.36, s (1 - s) at ln 3 is 3/4 * 1/4, softplus' = sigmoid(ln 3) is
  // 3/4 and 2x at -3 is -6.
  const auto exp_op = [](Variable x) { return exp(x); };
  const auto log_op = [](Variable x) { return log(x); };
  const auto tanh_op = [](Variable x) { return tanh(x); };
  const auto sigmoid_op = [](Variable x) { return sigmoid(x); };
  const auto softplus_op = [](Variable x) { return softplus(x); };
  const auto square_op = [](Variable x) { return square(x); };

  check_matrix(derivative_at(exp_op, {{ln2}}), {{2.0}});
  check_matrix(derivative_at(log_op, {{4.0}}), {{0.25}});
  check_matrix(derivative_at(tanh_op, {{ln2}}), {{0.64}});
  check_matrix(derivative_at(sigmoid_op, {{ln3}}), {{0.1875}});
  check_matrix(derivative_at(softplus_op, {{ln3}}), {{0.75}});
  check_matrix(derivative_at(square_op, {{-3.0}}), {{-6.0}});
}

BOOST_AUTO_TEST_CASE(sigmoid_extreme_inputs) {
  const Matrix x{{1000.0, -1000.0}};
  Tape tape;

  // e^-1000 is below the smallest double, so the limits 1 and 0 are exact,
  // and s (1 - s) is 0 at both ends.
  check_matrix(sigmoid(tape.constant(x)).value(), {{1.0, 0.0}});
  const Matrix gradient = derivative_at([](Variable v) { return sigmoid(v); }, x);
  check_all_finite(gradient);
  check_matrix(gradient, {{0.0, 0.0}});
}

BOOST_AUTO_TEST_CASE(softplus_extreme_inputs) {
  const Matrix x{{1000.0, -1000.0}};
  Tape tape;

  // ln(1 + e^x) is x + ln(1 + e^-x) = 1000 above and e^-1000, which is 0 in
  // double, below. The derivative sigmoid(x) is 1 and 0.
  check_matrix(softplus(tape.constant(x)).value(), {{1000.0, 0.0}});
  const Matrix gradient = derivative_at([](Variable v) { return softplus(v); }, x);
  check_all_finite(gradient);
  check_matrix(gradient, {{1.0, 0.0}});
}

BOOST_AUTO_TEST_CASE(extreme_inputs_gradient) {
  const Matrix x{{1000.0, -1000.0}, {30.0, -30.0}};

  check_op_gradient([](Tape&, std::span<const Variable> inputs) { return sigmoid(inputs[0]); },
                    {x});
  check_op_gradient([](Tape&, std::span<const Variable> inputs) { return softplus(inputs[0]); },
                    {x});
}

BOOST_AUTO_TEST_CASE(stable_sigmoid_values) {
  const Matrix x{{0.0, ln3, -ln3, 1000.0, -1000.0}};

  check_matrix(autodiff::stable_sigmoid(x), {{0.5, 0.75, 0.25, 1.0, 0.0}});
}

BOOST_AUTO_TEST_SUITE_END()
