#define BOOST_TEST_MODULE autodiff_arithmetic
#include <boost/test/unit_test.hpp>

#include <array>
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

using BinaryOp = Variable (*)(Variable, Variable);

struct NamedBinaryOp {
  const char* name;
  BinaryOp op;
};

const std::array<NamedBinaryOp, 4> binary_ops{{{"add", &autodiff::add},
                                               {"subtract", &autodiff::subtract},
                                               {"multiply", &autodiff::multiply},
                                               {"divide", &autodiff::divide}}};

// Every way two [3, 2]-compatible shapes broadcast: equal shapes, one side a
// row, a column or a scalar, and both sides broadcasting.
const std::array<std::pair<Shape, Shape>, 9> broadcast_pairs{{{{3, 2}, {3, 2}},
                                                              {{3, 2}, {1, 2}},
                                                              {{1, 2}, {3, 2}},
                                                              {{3, 2}, {3, 1}},
                                                              {{3, 1}, {3, 2}},
                                                              {{3, 2}, {1, 1}},
                                                              {{1, 1}, {3, 2}},
                                                              {{3, 1}, {1, 2}},
                                                              {{1, 2}, {3, 1}}}};

// Checks the gradient of `op` for every broadcast pattern. Denominators stay
// in [0.5, 2] so that divide is smooth around every input.
void check_broadcast_gradients(BinaryOp op) {
  unsigned seed = 1;
  for (const auto& [a_shape, b_shape] : broadcast_pairs) {
    BOOST_TEST_CONTEXT("shapes " << autodiff::to_string(a_shape) << " and "
                                 << autodiff::to_string(b_shape)) {
      const Matrix a = random_matrix(a_shape, -2.0, 2.0, seed++);
      const Matrix b = random_matrix(b_shape, 0.5, 2.0, seed++);

      check_op_gradient(
          [op](Tape&, std::span<const Variable> inputs) { return op(inputs[0], inputs[1]); },
          {a, b});
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(arithmetic)

BOOST_AUTO_TEST_CASE(broadcast_shape_rules) {
  BOOST_TEST(autodiff::broadcast_shape("add", {3, 2}, {3, 2}) == (Shape{3, 2}));
  BOOST_TEST(autodiff::broadcast_shape("add", {3, 2}, {1, 2}) == (Shape{3, 2}));
  BOOST_TEST(autodiff::broadcast_shape("add", {1, 1}, {3, 2}) == (Shape{3, 2}));
  BOOST_TEST(autodiff::broadcast_shape("add", {3, 1}, {1, 4}) == (Shape{3, 4}));
  BOOST_TEST(autodiff::broadcast_shape("add", {1, 4}, {3, 1}) == (Shape{3, 4}));
}

BOOST_AUTO_TEST_CASE(broadcast_shape_rejects_mismatch) {
  const std::string message = invalid_argument_message(
      [] { autodiff::broadcast_shape("some_op", Shape{3, 2}, Shape{4, 2}); });

  check_contains(message, {"some_op", "[3, 2]", "[4, 2]"});
}

BOOST_AUTO_TEST_CASE(sum_to_shape_sums_broadcast_axes) {
  const Matrix gradient{{1.0, 2.0}, {3.0, 4.0}};

  // Hand sums: columns give 1 + 3 and 2 + 4, rows give 1 + 2 and 3 + 4.
  check_matrix(autodiff::sum_to_shape(gradient, {2, 2}), gradient);
  check_matrix(autodiff::sum_to_shape(gradient, {1, 2}), Matrix{{4.0, 6.0}});
  check_matrix(autodiff::sum_to_shape(gradient, {2, 1}), Matrix{{3.0}, {7.0}});
  check_matrix(autodiff::sum_to_shape(gradient, {1, 1}), Matrix{{10.0}});
}

BOOST_AUTO_TEST_CASE(add_forward) {
  Tape tape;
  const Variable a = tape.constant({{1.0, 2.0}, {3.0, 4.0}});
  const Variable b = tape.constant({{10.0, 20.0}, {30.0, 40.0}});

  check_matrix(add(a, b).value(), {{11.0, 22.0}, {33.0, 44.0}});
}

BOOST_AUTO_TEST_CASE(subtract_forward) {
  Tape tape;
  const Variable a = tape.constant({{1.0, 2.0}, {3.0, 4.0}});
  const Variable b = tape.constant({{10.0, 20.0}, {30.0, 40.0}});

  check_matrix(subtract(a, b).value(), {{-9.0, -18.0}, {-27.0, -36.0}});
}

BOOST_AUTO_TEST_CASE(multiply_forward) {
  Tape tape;
  const Variable a = tape.constant({{1.0, 2.0}, {3.0, 4.0}});
  const Variable b = tape.constant({{10.0, 20.0}, {30.0, 40.0}});

  check_matrix(multiply(a, b).value(), {{10.0, 40.0}, {90.0, 160.0}});
}

BOOST_AUTO_TEST_CASE(divide_forward) {
  Tape tape;
  const Variable a = tape.constant({{1.0, 2.0}, {3.0, 4.0}});
  const Variable b = tape.constant({{10.0, 20.0}, {30.0, 8.0}});

  check_matrix(divide(a, b).value(), {{0.1, 0.1}, {0.1, 0.5}});
}

BOOST_AUTO_TEST_CASE(divide_by_zero_follows_ieee) {
  Tape tape;
  const Variable a = tape.constant({{1.0, -1.0}});
  const Variable b = tape.constant({{0.0, 0.0}});

  const Matrix& value = divide(a, b).value();

  BOOST_TEST(value(0, 0) == std::numeric_limits<double>::infinity());
  BOOST_TEST(value(0, 1) == -std::numeric_limits<double>::infinity());
}

BOOST_AUTO_TEST_CASE(broadcast_forward) {
  Tape tape;
  const Variable column = tape.constant({{1.0}, {2.0}, {3.0}});  // [3, 1]
  const Variable row = tape.constant({{10.0, 20.0}});            // [1, 2]

  // Hand-computed outer tables, [3, 2], entry (i, j) = column_i op row_j.
  check_matrix(add(column, row).value(), {{11.0, 21.0}, {12.0, 22.0}, {13.0, 23.0}});
  check_matrix(subtract(column, row).value(), {{-9.0, -19.0}, {-8.0, -18.0}, {-7.0, -17.0}});
  check_matrix(multiply(column, row).value(), {{10.0, 20.0}, {20.0, 40.0}, {30.0, 60.0}});
  check_matrix(divide(column, row).value(), {{0.1, 0.05}, {0.2, 0.1}, {0.3, 0.15}});
}

BOOST_AUTO_TEST_CASE(scale_forward) {
  Tape tape;
  const Variable a = tape.constant({{1.0, -2.0}});

  check_matrix(scale(a, 3.0).value(), {{3.0, -6.0}});
}

BOOST_AUTO_TEST_CASE(add_scalar_forward) {
  Tape tape;
  const Variable a = tape.constant({{1.0, -2.0}});

  check_matrix(add_scalar(a, 0.5).value(), {{1.5, -1.5}});
}

BOOST_AUTO_TEST_CASE(negate_forward) {
  Tape tape;
  const Variable a = tape.constant({{1.0, -2.0}});

  check_matrix(negate(a).value(), {{-1.0, 2.0}});
}

BOOST_AUTO_TEST_CASE(operators_forward) {
  Tape tape;
  const Variable a = tape.constant({{1.0, -2.0}});
  const Variable b = tape.constant({{4.0, 8.0}});

  check_matrix((a + b).value(), {{5.0, 6.0}});
  check_matrix((a - b).value(), {{-3.0, -10.0}});
  check_matrix((a * b).value(), {{4.0, -16.0}});
  check_matrix((a / b).value(), {{0.25, -0.25}});
  check_matrix((-a).value(), {{-1.0, 2.0}});
  check_matrix((2.0 * a).value(), {{2.0, -4.0}});
  check_matrix((a * 2.0).value(), {{2.0, -4.0}});
  check_matrix((a + 1.0).value(), {{2.0, -1.0}});
  check_matrix((1.0 + a).value(), {{2.0, -1.0}});
  check_matrix((a - 1.0).value(), {{0.0, -3.0}});
  check_matrix((1.0 - a).value(), {{0.0, 3.0}});
}

BOOST_AUTO_TEST_CASE(add_gradient) {
  check_broadcast_gradients(&autodiff::add);
}

BOOST_AUTO_TEST_CASE(subtract_gradient) {
  check_broadcast_gradients(&autodiff::subtract);
}

BOOST_AUTO_TEST_CASE(multiply_gradient) {
  check_broadcast_gradients(&autodiff::multiply);
}

BOOST_AUTO_TEST_CASE(divide_gradient) {
  check_broadcast_gradients(&autodiff::divide);
}

BOOST_AUTO_TEST_CASE(broadcast_gradient_sums_to_input_shape) {
  Tape tape;
  const Variable a = tape.variable(xt::ones<double>({3, 2}));
  const Variable row = tape.variable({{1.0, 1.0}});
  const Variable column = tape.variable({{1.0}, {1.0}, {1.0}});
  const Variable scalar = tape.variable({{1.0}});

  // L = sum(a + row) + sum(a + column) + sum(a + scalar) + sum(column + row).
  // Each element of an input gets 1 per output element it was broadcast to:
  // row over 3 rows twice, column over 2 columns twice, scalar over 6 elements.
  const Variable loss =
      sum(a + row) + sum(a + column) + sum(a + scalar) + sum(column + row);
  tape.backward(loss, {a, row, column, scalar});

  check_matrix(a.gradient(), 3.0 * xt::ones<double>({3, 2}));
  check_matrix(row.gradient(), {{6.0, 6.0}});
  check_matrix(column.gradient(), {{4.0}, {4.0}, {4.0}});
  check_matrix(scalar.gradient(), {{6.0}});
}

BOOST_AUTO_TEST_CASE(broadcast_gradient_of_empty_batch) {
  Tape tape;
  const Variable batch = tape.variable(Matrix(Shape{0, 3}));
  const Variable bias = tape.variable({{1.0, 2.0, 3.0}});

  // The bias gradient sums over the rows of the batch: no rows give zeros.
  // xt::sum (xtensor 0.24) reads address 0 for a gradient with 0 rows and more
  // than 1 column, so sum_to_shape has to handle this case itself.
  tape.backward(sum(batch + bias), {batch, bias});

  check_matrix(bias.gradient(), {{0.0, 0.0, 0.0}});
  BOOST_TEST(batch.gradient().size() == 0u);
}

BOOST_AUTO_TEST_CASE(scale_gradient) {
  check_op_gradient([](Tape&, std::span<const Variable> inputs) { return scale(inputs[0], -1.5); },
                    {random_matrix({3, 2}, -2.0, 2.0, 11)});
}

BOOST_AUTO_TEST_CASE(add_scalar_gradient) {
  check_op_gradient(
      [](Tape&, std::span<const Variable> inputs) { return add_scalar(inputs[0], 0.75); },
      {random_matrix({3, 2}, -2.0, 2.0, 12)});
}

BOOST_AUTO_TEST_CASE(negate_gradient) {
  check_op_gradient([](Tape&, std::span<const Variable> inputs) { return negate(inputs[0]); },
                    {random_matrix({3, 2}, -2.0, 2.0, 13)});
}

BOOST_AUTO_TEST_CASE(scalar_operators_gradient) {
  // 1 - 2 a + a * 3 - 0.5: checks the composed overloads, derivative 1.
  check_op_gradient(
      [](Tape&, std::span<const Variable> inputs) {
        const Variable a = inputs[0];
        return (1.0 - 2.0 * a) + (a * 3.0 - 0.5);
      },
      {random_matrix({2, 2}, -2.0, 2.0, 14)});
}

BOOST_AUTO_TEST_CASE(binary_ops_reject_bad_shapes) {
  const std::array<std::pair<Shape, Shape>, 3> bad_pairs{
      {{{3, 2}, {4, 2}}, {{3, 2}, {3, 4}}, {{2, 3}, {3, 2}}}};

  for (const auto& [name, op] : binary_ops) {
    for (const auto& [a_shape, b_shape] : bad_pairs) {
      BOOST_TEST_CONTEXT(name << " with " << autodiff::to_string(a_shape) << " and "
                              << autodiff::to_string(b_shape)) {
        Tape tape;
        const Variable a = tape.constant(xt::ones<double>(a_shape));
        const Variable b = tape.constant(xt::ones<double>(b_shape));

        const std::string message = invalid_argument_message([&, op = op] { op(a, b); });

        check_contains(message,
                       {name, autodiff::to_string(a_shape), autodiff::to_string(b_shape)});
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_shapes_record_nothing) {
  Tape tape;
  const Variable a = tape.constant(xt::ones<double>({3, 2}));
  const Variable b = tape.constant(xt::ones<double>({4, 2}));

  BOOST_CHECK_THROW(add(a, b), std::invalid_argument);

  BOOST_TEST(tape.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
