#define BOOST_TEST_MODULE autodiff_reductions
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <numbers>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "autodiff/gradient_check.hpp"
#include "autodiff/ops/arithmetic.hpp"
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

// Returns the message of the std::invalid_argument that `call` throws, or
// records a failure and returns "" when `call` throws nothing.
template <class Call>
std::string invalid_argument_message(const Call& call) {
  try {
    call();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  BOOST_ERROR("expected std::invalid_argument, but nothing was thrown");
  return "";
}

void check_contains(const std::string& message, std::initializer_list<std::string_view> parts) {
  for (const std::string_view part : parts) {
    BOOST_TEST(message.find(part) != std::string::npos,
               "message '" << message << "' does not contain '" << part << "'");
  }
}

// Returns d sum(op(x) ⊙ weights) / dx.
template <class Op>
Matrix weighted_gradient(Op op, const Matrix& x, const Matrix& weights) {
  Tape tape;
  const Variable input = tape.variable(x);
  tape.backward(sum(op(input) * tape.constant(weights)), {input});
  return input.gradient();
}

const double ln2 = std::numbers::ln2;
const double ln3 = std::log(3.0);

// The [2, 3] input of the forward cases: row sums 6 and 15, column sums 5, 7, 9.
const Matrix counting{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};

}  // namespace

BOOST_AUTO_TEST_SUITE(reductions)

BOOST_AUTO_TEST_CASE(sum_forward) {
  Tape tape;
  const Variable x = tape.constant(counting);

  check_matrix(sum(x).value(), {{21.0}});
  check_matrix(sum(x, 0).value(), {{5.0, 7.0, 9.0}});
  check_matrix(sum(x, 1).value(), {{6.0}, {15.0}});
}

BOOST_AUTO_TEST_CASE(sum_of_empty_is_zero) {
  Tape tape;
  const Variable x = tape.constant(Matrix(Shape{0, 3}));

  check_matrix(sum(x).value(), {{0.0}});
}

BOOST_AUTO_TEST_CASE(sum_along_axis_of_empty) {
  // xt::sum with evaluation_strategy::immediate (xtensor 0.24) reads address 0
  // for an input with 0 rows and more than 1 column, so the engine has to
  // handle empty arrays itself.
  Tape tape;
  const Variable no_rows = tape.constant(Matrix(Shape{0, 3}));
  const Variable no_columns = tape.constant(Matrix(Shape{3, 0}));

  // An empty sum is 0, so the reduced axis has size 1 and contains zeros.
  check_matrix(sum(no_rows, 0).value(), {{0.0, 0.0, 0.0}});
  check_matrix(sum(no_columns, 1).value(), {{0.0}, {0.0}, {0.0}});
  BOOST_TEST(sum(no_rows, 1).shape() == (Shape{0, 1}));
  BOOST_TEST(sum(no_columns, 0).shape() == (Shape{1, 0}));
}

BOOST_AUTO_TEST_CASE(mean_forward) {
  Tape tape;
  const Variable x = tape.constant(counting);

  check_matrix(mean(x).value(), {{3.5}});
  check_matrix(mean(x, 0).value(), {{2.5, 3.5, 4.5}});
  check_matrix(mean(x, 1).value(), {{2.0}, {5.0}});
}

BOOST_AUTO_TEST_CASE(logsumexp_forward) {
  Tape tape;
  const Variable row = tape.constant({{0.0, ln3}, {ln2, ln2}});
  const Variable column = tape.constant({{0.0}, {ln3}});

  // ln(e^0 + e^ln3) = ln 4, and ln(2 + 2) = ln 4 as well.
  check_matrix(logsumexp(row, 1).value(), {{2.0 * ln2}, {2.0 * ln2}});
  check_matrix(logsumexp(column, 0).value(), {{2.0 * ln2}});
  // Down the columns of `row`: ln(1 + 2) = ln 3 and ln(3 + 2) = ln 5.
  check_matrix(logsumexp(row, 0).value(), {{ln3, std::log(5.0)}});
}

BOOST_AUTO_TEST_CASE(softmax_forward) {
  Tape tape;
  const Variable row = tape.constant({{0.0, ln3}, {ln2, ln2}});
  const Variable column = tape.constant({{0.0}, {ln3}});

  // e^x / sum: 1/4 and 3/4, then 2/4 each.
  check_matrix(softmax(row, 1).value(), {{0.25, 0.75}, {0.5, 0.5}});
  check_matrix(softmax(column, 0).value(), {{0.25}, {0.75}});
}

BOOST_AUTO_TEST_CASE(log_softmax_forward) {
  Tape tape;
  const Variable row = tape.constant({{0.0, ln3}, {ln2, ln2}});
  const Variable column = tape.constant({{0.0}, {ln3}});

  // The logarithms of the softmax values: ln(1/4), ln(3/4), ln(1/2).
  check_matrix(log_softmax(row, 1).value(), {{-2.0 * ln2, ln3 - 2.0 * ln2}, {-ln2, -ln2}});
  check_matrix(log_softmax(column, 0).value(), {{-2.0 * ln2}, {ln3 - 2.0 * ln2}});
}

BOOST_AUTO_TEST_CASE(sum_gradient) {
  const Matrix x = random_matrix({3, 4}, -2.0, 2.0, 31);

  check_op_gradient([](Tape&, std::span<const Variable> inputs) { return sum(inputs[0]); }, {x});
  for (std::size_t axis : {0u, 1u}) {
    BOOST_TEST_CONTEXT("axis " << axis) {
      check_op_gradient(
          [axis](Tape&, std::span<const Variable> inputs) { return sum(inputs[0], axis); }, {x});
    }
  }
}

BOOST_AUTO_TEST_CASE(mean_gradient) {
  const Matrix x = random_matrix({3, 4}, -2.0, 2.0, 32);

  check_op_gradient([](Tape&, std::span<const Variable> inputs) { return mean(inputs[0]); }, {x});
  for (std::size_t axis : {0u, 1u}) {
    BOOST_TEST_CONTEXT("axis " << axis) {
      check_op_gradient(
          [axis](Tape&, std::span<const Variable> inputs) { return mean(inputs[0], axis); }, {x});
    }
  }
}

BOOST_AUTO_TEST_CASE(logsumexp_gradient) {
  const Matrix x = random_matrix({3, 4}, -3.0, 3.0, 33);

  for (std::size_t axis : {0u, 1u}) {
    BOOST_TEST_CONTEXT("axis " << axis) {
      check_op_gradient(
          [axis](Tape&, std::span<const Variable> inputs) { return logsumexp(inputs[0], axis); },
          {x});
    }
  }
}

BOOST_AUTO_TEST_CASE(softmax_gradient) {
  const Matrix x = random_matrix({3, 4}, -3.0, 3.0, 34);

  for (std::size_t axis : {0u, 1u}) {
    BOOST_TEST_CONTEXT("axis " << axis) {
      check_op_gradient(
          [axis](Tape&, std::span<const Variable> inputs) { return softmax(inputs[0], axis); },
          {x});
    }
  }
}

BOOST_AUTO_TEST_CASE(log_softmax_gradient) {
  const Matrix x = random_matrix({3, 4}, -3.0, 3.0, 35);

  for (std::size_t axis : {0u, 1u}) {
    BOOST_TEST_CONTEXT("axis " << axis) {
      check_op_gradient(
          [axis](Tape&, std::span<const Variable> inputs) { return log_softmax(inputs[0], axis); },
          {x});
    }
  }
}

BOOST_AUTO_TEST_CASE(logsumexp_extreme_inputs) {
  Tape tape;
  const Variable x = tape.constant({{1000.0, 1000.0}, {-1000.0, -1000.0}, {1000.0, -1000.0}});

  // ln(2 e^c) = c + ln 2 for equal entries c. For 1000 and -1000 the second
  // term is e^-2000 relative to the first, which is 0 in double.
  check_matrix(logsumexp(x, 1).value(), {{1000.0 + ln2}, {-1000.0 + ln2}, {1000.0}});

  // The derivative is softmax: 1/2 each for equal entries, 1 and 0 otherwise.
  const Matrix gradient = weighted_gradient([](Variable v) { return logsumexp(v, 1); }, x.value(),
                                            xt::ones<double>({3, 1}));
  check_all_finite(gradient);
  check_matrix(gradient, {{0.5, 0.5}, {0.5, 0.5}, {1.0, 0.0}});
}

BOOST_AUTO_TEST_CASE(softmax_extreme_inputs) {
  Tape tape;
  const Variable x = tape.constant({{1000.0, 1000.0}, {-1000.0, -1000.0}, {1000.0, -1000.0}});

  check_matrix(softmax(x, 1).value(), {{0.5, 0.5}, {0.5, 0.5}, {1.0, 0.0}});

  // With L = sum(softmax ⊙ w) and w = [1, 2] per row, dL/dx = s ⊙ (w - w·s):
  // s = [1/2, 1/2] gives [-1/4, 1/4], s = [1, 0] gives [0, 0].
  const Matrix weights{{1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}};
  const Matrix gradient =
      weighted_gradient([](Variable v) { return softmax(v, 1); }, x.value(), weights);
  check_all_finite(gradient);
  check_matrix(gradient, {{-0.25, 0.25}, {-0.25, 0.25}, {0.0, 0.0}});
}

BOOST_AUTO_TEST_CASE(log_softmax_extreme_inputs) {
  Tape tape;
  const Variable x = tape.constant({{1000.0, 1000.0}, {-1000.0, -1000.0}, {1000.0, -1000.0}});

  // x - logsumexp(x) is -ln 2 for equal entries, and 0 and -2000 for 1000 and
  // -1000, where log(softmax(x)) would give log(0) = -inf.
  check_matrix(log_softmax(x, 1).value(), {{-ln2, -ln2}, {-ln2, -ln2}, {0.0, -2000.0}});

  // With L = sum(log_softmax ⊙ w) and w = [1, 2] per row, dL/dx = w - s sum(w):
  // s = [1/2, 1/2] gives [-1/2, 1/2], s = [1, 0] gives [-2, 2].
  const Matrix weights{{1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}};
  const Matrix gradient =
      weighted_gradient([](Variable v) { return log_softmax(v, 1); }, x.value(), weights);
  check_all_finite(gradient);
  check_matrix(gradient, {{-0.5, 0.5}, {-0.5, 0.5}, {-2.0, 2.0}});
}

BOOST_AUTO_TEST_CASE(extreme_inputs_gradient) {
  const Matrix x{{1000.0, 1000.0}, {-1000.0, -1000.0}, {1000.0, -1000.0}};

  check_op_gradient(
      [](Tape&, std::span<const Variable> inputs) { return logsumexp(inputs[0], 1); }, {x});
  check_op_gradient([](Tape&, std::span<const Variable> inputs) { return softmax(inputs[0], 1); },
                    {x});
  check_op_gradient(
      [](Tape&, std::span<const Variable> inputs) { return log_softmax(inputs[0], 1); }, {x});
}

BOOST_AUTO_TEST_CASE(bad_axis_throws) {
  Tape tape;
  const Variable x = tape.constant(counting);

  check_contains(invalid_argument_message([&] { sum(x, 2); }), {"sum", "got 2"});
  check_contains(invalid_argument_message([&] { mean(x, 2); }), {"mean", "got 2"});
  check_contains(invalid_argument_message([&] { logsumexp(x, 2); }), {"logsumexp", "got 2"});
  check_contains(invalid_argument_message([&] { softmax(x, 2); }), {"softmax", "got 2"});
  check_contains(invalid_argument_message([&] { log_softmax(x, 2); }), {"log_softmax", "got 2"});
}

BOOST_AUTO_TEST_CASE(empty_input_throws) {
  Tape tape;
  const Variable x = tape.constant(Matrix(Shape{0, 3}));

  check_contains(invalid_argument_message([&] { mean(x); }), {"mean", "[0, 3]"});
  check_contains(invalid_argument_message([&] { mean(x, 0); }), {"mean", "[0, 3]"});
  check_contains(invalid_argument_message([&] { logsumexp(x, 0); }), {"logsumexp", "[0, 3]"});
  check_contains(invalid_argument_message([&] { softmax(x, 0); }), {"softmax", "[0, 3]"});
  check_contains(invalid_argument_message([&] { log_softmax(x, 0); }), {"log_softmax", "[0, 3]"});
}

BOOST_AUTO_TEST_SUITE_END()
