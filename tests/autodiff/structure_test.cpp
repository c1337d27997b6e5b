#define BOOST_TEST_MODULE autodiff_structure
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <initializer_list>
#include <limits>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "autodiff/gradient_check.hpp"
#include "autodiff/ops/arithmetic.hpp"
#include "autodiff/ops/reductions.hpp"
#include "autodiff/ops/structure.hpp"
#include "tolerances.hpp"

namespace tt = boost::test_tools;
using autodiff::Matrix;
using autodiff::Shape;
using autodiff::Tape;
using autodiff::Variable;
using autodiff::concat_columns;

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

// The [2, 4] input of the slice cases.
const Matrix counting{{1.0, 2.0, 3.0, 4.0}, {5.0, 6.0, 7.0, 8.0}};

}  // namespace

BOOST_AUTO_TEST_SUITE(structure)

BOOST_AUTO_TEST_CASE(slice_columns_forward) {
  Tape tape;
  const Variable x = tape.constant(counting);

  check_matrix(slice_columns(x, 1, 3).value(), {{2.0, 3.0}, {6.0, 7.0}});
  check_matrix(slice_columns(x, 0, 1).value(), {{1.0}, {5.0}});
  check_matrix(slice_columns(x, 0, 4).value(), counting);
}

BOOST_AUTO_TEST_CASE(slice_columns_backward_fills_columns) {
  Tape tape;
  const Variable x = tape.variable(counting);

  // L = sum(x[:, 1:3] ⊙ [[10, 20], [30, 40]]): the weights land in columns 1
  // and 2, the other columns get 0.
  const Variable weights = tape.constant({{10.0, 20.0}, {30.0, 40.0}});
  tape.backward(sum(slice_columns(x, 1, 3) * weights), {x});

  check_matrix(x.gradient(), {{0.0, 10.0, 20.0, 0.0}, {0.0, 30.0, 40.0, 0.0}});
}

BOOST_AUTO_TEST_CASE(slice_columns_gradient) {
  const Matrix x = random_matrix({3, 4}, -2.0, 2.0, 81);

  for (const auto& [begin, end] : {std::pair<std::size_t, std::size_t>{0, 1}, {1, 3}, {3, 4},
                                   {0, 4}}) {
    BOOST_TEST_CONTEXT("columns [" << begin << ", " << end << ")") {
      check_op_gradient(
          [begin = begin, end = end](Tape&, std::span<const Variable> inputs) {
            return slice_columns(inputs[0], begin, end);
          },
          {x});
    }
  }
}

BOOST_AUTO_TEST_CASE(slice_columns_rejects_bad_range) {
  Tape tape;
  const Variable x = tape.constant(counting);

  // An empty range, a reversed range and ranges past the last column.
  check_contains(invalid_argument_message([&] { slice_columns(x, 2, 2); }),
                 {"slice_columns", "[2, 2)", "[2, 4]"});
  check_contains(invalid_argument_message([&] { slice_columns(x, 3, 1); }),
                 {"slice_columns", "[3, 1)", "[2, 4]"});
  check_contains(invalid_argument_message([&] { slice_columns(x, 2, 5); }),
                 {"slice_columns", "[2, 5)", "[2, 4]"});
  check_contains(invalid_argument_message([&] { slice_columns(x, 4, 5); }),
                 {"slice_columns", "[4, 5)", "[2, 4]"});
}

BOOST_AUTO_TEST_CASE(concat_columns_forward) {
  Tape tape;
  const Variable a = tape.constant({{1.0}, {2.0}});
  const Variable b = tape.constant({{3.0, 4.0}, {5.0, 6.0}});

  check_matrix(concat_columns({a, b}).value(), {{1.0, 3.0, 4.0}, {2.0, 5.0, 6.0}});
  check_matrix(concat_columns({b, a}).value(), {{3.0, 4.0, 1.0}, {5.0, 6.0, 2.0}});
  check_matrix(concat_columns({a}).value(), {{1.0}, {2.0}});
}

BOOST_AUTO_TEST_CASE(concat_columns_span_overload) {
  Tape tape;
  const std::vector<Variable> parts{tape.constant({{1.0}, {2.0}}), tape.constant({{3.0}, {4.0}})};

  check_matrix(concat_columns(std::span<const Variable>(parts)).value(), {{1.0, 3.0}, {2.0, 4.0}});
}

BOOST_AUTO_TEST_CASE(concat_columns_backward_splits_blocks) {
  Tape tape;
  const Variable a = tape.variable({{1.0}, {2.0}});
  const Variable b = tape.variable({{3.0, 4.0}, {5.0, 6.0}});

  // L = sum(concat(a, b) ⊙ w): each input gets its own block of w.
  const Variable weights = tape.constant({{10.0, 20.0, 30.0}, {40.0, 50.0, 60.0}});
  tape.backward(sum(concat_columns({a, b}) * weights), {a, b});

  check_matrix(a.gradient(), {{10.0}, {40.0}});
  check_matrix(b.gradient(), {{20.0, 30.0}, {50.0, 60.0}});
}

BOOST_AUTO_TEST_CASE(concat_columns_gradient) {
  const Matrix a = random_matrix({3, 1}, -2.0, 2.0, 91);
  const Matrix b = random_matrix({3, 2}, -2.0, 2.0, 92);
  const Matrix c = random_matrix({3, 3}, -2.0, 2.0, 93);

  check_op_gradient(
      [](Tape&, std::span<const Variable> inputs) { return concat_columns(inputs); }, {a, b, c});
  // The same input twice receives the sum of its two blocks.
  check_op_gradient(
      [](Tape&, std::span<const Variable> inputs) {
        return concat_columns({inputs[0], inputs[1], inputs[0]});
      },
      {a, b});
}

BOOST_AUTO_TEST_CASE(concat_columns_rejects_row_mismatch) {
  Tape tape;
  const Variable a = tape.constant(xt::ones<double>({3, 2}));
  const Variable b = tape.constant(xt::ones<double>({4, 2}));
  const Variable c = tape.constant(xt::ones<double>({3, 1}));

  check_contains(invalid_argument_message([&] { concat_columns({a, b}); }),
                 {"concat_columns", "[3, 2]", "[4, 2]"});
  check_contains(invalid_argument_message([&] { concat_columns({a, c, b}); }),
                 {"concat_columns", "[3, 2]", "[4, 2]"});
}

BOOST_AUTO_TEST_CASE(concat_columns_rejects_no_inputs) {
  const std::string message =
      invalid_argument_message([] { concat_columns(std::span<const Variable>()); });

  check_contains(message, {"concat_columns"});
}

BOOST_AUTO_TEST_CASE(reverse_gradient_forward_is_identity) {
  Tape tape;
  const Variable x = tape.constant(counting);

  check_matrix(reverse_gradient(x, 0.7).value(), counting);
  check_matrix(reverse_gradient(x, 0.0).value(), counting);
}

BOOST_AUTO_TEST_CASE(reverse_gradient_scales_by_minus_lambda) {
  for (const double lambda : {0.0, 0.5, 3.0}) {
    BOOST_TEST_CONTEXT("lambda " << lambda) {
      Tape tape;
      const Variable x = tape.variable(counting);
      const Matrix upstream{{1.0, -2.0, 3.0, 0.5}, {4.0, 0.25, -1.0, 2.0}};

      // L = sum(R(x) ⊙ upstream) gives dL/dx = -lambda ⊙ upstream.
      tape.backward(sum(reverse_gradient(x, lambda) * tape.constant(upstream)), {x});

      check_matrix(x.gradient(), -lambda * upstream);
    }
  }
}

BOOST_AUTO_TEST_CASE(reverse_gradient_gradient) {
  // R(x) is the identity with derivative -lambda, so no function of R alone
  // passes a finite-difference check. Subtracting (1 + lambda) x as a constant
  // makes the forward value -lambda x, whose true derivative -lambda is what
  // the tape computes if and only if R passes -lambda times the upstream.
  const Matrix x = random_matrix({3, 2}, -2.0, 2.0, 101);

  for (const double lambda : {0.0, 0.5, 3.0}) {
    BOOST_TEST_CONTEXT("lambda " << lambda) {
      check_op_gradient(
          [lambda](Tape& tape, std::span<const Variable> inputs) {
            const Variable stopped = tape.constant(inputs[0].value());
            return reverse_gradient(inputs[0], lambda) - (1.0 + lambda) * stopped;
          },
          {x});
    }
  }
}

BOOST_AUTO_TEST_CASE(reverse_gradient_rejects_bad_lambda) {
  Tape tape;
  const Variable x = tape.constant(counting);

  check_contains(invalid_argument_message([&] { reverse_gradient(x, -0.5); }),
                 {"reverse_gradient", "-0.5"});
  check_contains(invalid_argument_message(
                     [&] { reverse_gradient(x, std::numeric_limits<double>::quiet_NaN()); }),
                 {"reverse_gradient", "nan"});
  check_contains(invalid_argument_message(
                     [&] { reverse_gradient(x, std::numeric_limits<double>::infinity()); }),
                 {"reverse_gradient", "inf"});
}

BOOST_AUTO_TEST_SUITE_END()
