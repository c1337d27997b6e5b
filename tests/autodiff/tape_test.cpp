#define BOOST_TEST_MODULE autodiff_tape
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "autodiff/gradient_check.hpp"
#include "autodiff/ops/arithmetic.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/fused.hpp"
#include "autodiff/ops/linalg.hpp"
#include "autodiff/ops/reductions.hpp"
#include "autodiff/ops/structure.hpp"
#include "autodiff/parameter.hpp"
#include "autodiff/tape.hpp"
#include "tolerances.hpp"

namespace tt = boost::test_tools;
using autodiff::GradientSink;
using autodiff::GradientTarget;
using autodiff::Matrix;
using autodiff::Parameter;
using autodiff::ParameterList;
using autodiff::Shape;
using autodiff::Tape;
using autodiff::Variable;

namespace {

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

// Returns the message of the exception of type `Error` that `call` throws, or
// records a failure and returns "" when `call` throws nothing.
template <class Error, class Call>
std::string error_message(const Call& call) {
  try {
    call();
  } catch (const Error& error) {
    return error.what();
  }
  BOOST_ERROR("expected an exception, but nothing was thrown");
  return "";
}

void check_contains(const std::string& message, std::initializer_list<std::string_view> parts) {
  for (const std::string_view part : parts) {
    BOOST_TEST(message.find(part) != std::string::npos,
               "message '" << message << "' does not contain '" << part << "'");
  }
}

// Records a deliberately wrong op: the sum of all elements whose backward
// hands the [1, 1] upstream gradient to x unchanged instead of broadcasting
// it to x's shape.
Variable broken_sum(Variable x) {
  Matrix value{{xt::sum(x.value())()}};

  return x.tape().record("broken_sum", std::move(value), {x},
                         [](const Matrix& g, GradientSink& sink) { sink.accumulate(0, g); });
}

// Records x + 0 * y, whose backward writes a [1, 1] gradient into y. That is
// wrong unless y is [1, 1].
Variable broken_second_input(Variable x, Variable y) {
  Matrix value = x.value();

  return x.tape().record("broken_second_input", std::move(value), {x, y},
                         [](const Matrix& g, GradientSink& sink) {
                           sink.accumulate(0, g);
                           sink.accumulate(1, Matrix{{0.0}});
                         });
}

// Returns an array of `shape` with the values start, start + step, ... in
// row-major order.
Matrix arithmetic_sequence(const Shape& shape, double start, double step) {
  Matrix result(shape);
  for (std::size_t k = 0; k < result.size(); ++k) {
    result.data()[k] = start + step * static_cast<double>(k);
  }
  return result;
}

// One op of the engine with inputs in its smooth domain.
struct OpCase {
  const char* name;
  autodiff::TapeFunction function;
  std::vector<Matrix> inputs;
};

template <class Op>
OpCase unary_case(const char* name, Op op, Matrix input) {
  return {name, [op](Tape&, std::span<const Variable> x) { return op(x[0]); }, {std::move(input)}};
}

template <class Op>
OpCase binary_case(const char* name, Op op, Matrix a, Matrix b) {
  return {name, [op](Tape&, std::span<const Variable> x) { return op(x[0], x[1]); },
          {std::move(a), std::move(b)}};
}

// Every op of the engine, including broadcasting patterns and inputs used
// twice, which take the accumulating path of GradientSink::target().
std::vector<OpCase> all_op_cases() {
  const Matrix positive = arithmetic_sequence({3, 4}, 0.5, 0.1);  // 0.5 to 1.6
  const Matrix mixed = arithmetic_sequence({3, 4}, -0.55, 0.1);   // no element at relu's kink
  const Matrix row = arithmetic_sequence({1, 4}, 0.7, 0.2);
  const Matrix column = arithmetic_sequence({3, 1}, 0.9, 0.3);
  const Matrix scalar{{1.3}};
  const Matrix square_matrix = arithmetic_sequence({4, 4}, -0.4, 0.07);
  const Matrix weights = arithmetic_sequence({4, 2}, -0.3, 0.11);
  const Matrix bias = arithmetic_sequence({1, 2}, 0.2, 0.3);

  const auto add = [](Variable a, Variable b) { return a + b; };
  const auto subtract = [](Variable a, Variable b) { return a - b; };
  const auto multiply = [](Variable a, Variable b) { return a * b; };
  const auto divide = [](Variable a, Variable b) { return a / b; };

  std::vector<OpCase> cases{
      binary_case("add", add, positive, positive),
      binary_case("add row", add, positive, row),
      binary_case("add column", add, column, positive),
      binary_case("add scalar", add, scalar, positive),
      binary_case("add outer", add, column, row),
      binary_case("subtract row", subtract, positive, row),
      binary_case("subtract column", subtract, column, positive),
      binary_case("multiply", multiply, positive, mixed),
      binary_case("multiply outer", multiply, column, row),
      binary_case("divide row", divide, positive, row),
      binary_case("divide column", divide, column, positive),
      unary_case("scale", [](Variable x) { return 1.5 * x; }, mixed),
      unary_case("add_scalar", [](Variable x) { return x + 0.25; }, mixed),
      unary_case("negate", [](Variable x) { return -x; }, mixed),
      unary_case("exp", [](Variable x) { return exp(x); }, mixed),
      unary_case("log", [](Variable x) { return log(x); }, positive),
      unary_case("tanh", [](Variable x) { return tanh(x); }, mixed),
      unary_case("sigmoid", [](Variable x) { return sigmoid(x); }, mixed),
      unary_case("relu", [](Variable x) { return relu(x); }, mixed),
      unary_case("softplus", [](Variable x) { return softplus(x); }, mixed),
      unary_case("square", [](Variable x) { return square(x); }, mixed),
      unary_case("sum", [](Variable x) { return sum(x); }, mixed),
      unary_case("mean", [](Variable x) { return mean(x); }, mixed),
      unary_case("slice_columns", [](Variable x) { return slice_columns(x, 1, 3); }, mixed),
      // R(x) - 1.5 x, with x copied as a constant, is -0.5 x with the
      // derivative that R's backward gives, so it passes the gradient check.
      {"reverse_gradient",
       [](Tape& tape, std::span<const Variable> x) {
         return reverse_gradient(x[0], 0.5) - 1.5 * tape.constant(x[0].value());
       },
       {mixed}},
      binary_case("matmul", [](Variable a, Variable b) { return matmul(a, b); }, mixed, weights),
      binary_case("concat_columns",
                  [](Variable a, Variable b) { return autodiff::concat_columns({a, b}); }, column,
                  mixed),
      unary_case("product with itself", [](Variable x) { return x * x; }, mixed),
      unary_case("sum with itself", [](Variable x) { return x + x; }, mixed),
      unary_case("matmul with itself", [](Variable x) { return matmul(x, x); }, square_matrix),
      unary_case("concat with itself",
                 [](Variable x) { return autodiff::concat_columns({x, x}); }, mixed),
      {"affine",
       [](Tape&, std::span<const Variable> x) { return affine(x[0], x[1], x[2]); },
       {mixed, weights, bias}},
  };
  for (const std::size_t axis : {0u, 1u}) {
    const bool rows = axis == 0;
    cases.push_back(unary_case(rows ? "sum axis 0" : "sum axis 1",
                               [axis](Variable x) { return sum(x, axis); }, mixed));
    cases.push_back(unary_case(rows ? "mean axis 0" : "mean axis 1",
                               [axis](Variable x) { return mean(x, axis); }, mixed));
    cases.push_back(unary_case(rows ? "logsumexp axis 0" : "logsumexp axis 1",
                               [axis](Variable x) { return logsumexp(x, axis); }, mixed));
    cases.push_back(unary_case(rows ? "softmax axis 0" : "softmax axis 1",
                               [axis](Variable x) { return softmax(x, axis); }, mixed));
    cases.push_back(unary_case(rows ? "log_softmax axis 0" : "log_softmax axis 1",
                               [axis](Variable x) { return log_softmax(x, axis); }, mixed));
  }
  return cases;
}

// The forward value of one op and the gradients of its inputs.
struct PassResult {
  Matrix value;
  std::vector<Matrix> gradients;
};

// Records `op_case` on `tape` with `inputs`, then runs `backward_passes`
// backward passes of L = sum(F ⊙ W) for a fixed W, or a W of NaN when
// `poison` is set, so that every array the pass leaves behind is NaN.
PassResult run_pass(Tape& tape, const OpCase& op_case, const std::vector<Matrix>& inputs,
                    bool poison, int backward_passes) {
  std::vector<Variable> leaves;
  for (const Matrix& input : inputs) {
    leaves.push_back(tape.variable(input));
  }
  const Variable output = op_case.function(tape, leaves);

  Matrix weights = arithmetic_sequence(output.shape(), 1.0, 0.25);
  if (poison) {
    weights.fill(std::numeric_limits<double>::quiet_NaN());
  }
  const Variable loss = sum(output * tape.constant(std::move(weights)));
  for (int pass = 0; pass < backward_passes; ++pass) {
    tape.backward(loss, leaves);
  }

  PassResult result{output.value(), {}};
  for (const Variable& leaf : leaves) {
    result.gradients.push_back(leaf.gradient());
  }
  return result;
}

std::vector<Matrix> nan_like(const std::vector<Matrix>& arrays) {
  std::vector<Matrix> result;
  for (const Matrix& array : arrays) {
    Matrix poisoned(autodiff::shape_of(array));
    poisoned.fill(std::numeric_limits<double>::quiet_NaN());
    result.push_back(std::move(poisoned));
  }
  return result;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tape)

BOOST_AUTO_TEST_CASE(product_with_itself) {
  Tape tape;
  const Variable x = tape.variable({{3.0, -2.0}});

  // d/dx sum(x ⊙ x) = 2x: both inputs of multiply add their share.
  tape.backward(sum(x * x), {x});

  check_matrix(x.gradient(), {{6.0, -4.0}});
}

BOOST_AUTO_TEST_CASE(sum_with_itself) {
  Tape tape;
  const Variable x = tape.variable({{3.0, -2.0}});

  tape.backward(sum(x + x), {x});

  check_matrix(x.gradient(), {{2.0, 2.0}});
}

BOOST_AUTO_TEST_CASE(value_feeding_two_branches) {
  Tape tape;
  const Variable x = tape.variable({{1.0, -0.5}});

  // h = 2x feeds 3h and h^2. dL/dh = 3 + 2h, so dL/dx = 2 (3 + 4x) = 6 + 8x:
  // 14 at x = 1 and 2 at x = -0.5.
  const Variable h = 2.0 * x;
  tape.backward(sum(h * 3.0 + square(h)), {x});

  check_matrix(x.gradient(), {{14.0, 2.0}});
}

BOOST_AUTO_TEST_CASE(backward_only_requested_leaves) {
  Tape tape;
  const Variable x = tape.variable({{1.0, 2.0}});
  const Variable y = tape.variable({{3.0, 4.0}});

  tape.backward(sum(x * y), {x});

  check_matrix(x.gradient(), {{3.0, 4.0}});
  BOOST_CHECK_THROW(y.gradient(), std::logic_error);
}

BOOST_AUTO_TEST_CASE(constant_has_no_gradient) {
  Tape tape;
  const Variable x = tape.variable({{1.0, 2.0}});
  const Variable c = tape.constant({{3.0, 4.0}});

  tape.backward(sum(x * c), {x});

  BOOST_CHECK_THROW(c.gradient(), std::logic_error);
}

BOOST_AUTO_TEST_CASE(backward_discards_earlier_pass) {
  Tape tape;
  const Variable x = tape.variable({{1.0, 2.0}});
  const Variable y = tape.variable({{3.0, 4.0}});
  const Variable loss = sum(x * y);

  tape.backward(loss, {x, y});
  tape.backward(loss, {x});

  check_matrix(x.gradient(), {{3.0, 4.0}});
  BOOST_CHECK_THROW(y.gradient(), std::logic_error);
}

BOOST_AUTO_TEST_CASE(parameter_list_gradients) {
  Parameter listed("listed", {{1.0, 2.0}});
  Parameter unlisted("unlisted", {{3.0, 4.0}});
  Parameter unrecorded("unrecorded", {{5.0, 6.0}});
  Parameter unused("unused", {{7.0, 8.0}});
  unlisted.gradient = Matrix{{-1.0, -1.0}};
  unrecorded.gradient = Matrix{{-1.0, -1.0}};
  unused.gradient = Matrix{{-1.0, -1.0}};
  Tape tape;

  // L = sum(listed ⊙ unlisted). `unused` is recorded, but L does not use it.
  const Variable loss = sum(tape.parameter(listed) * tape.parameter(unlisted));
  tape.parameter(unused);
  tape.backward(loss, ParameterList{&listed, &unrecorded, &unused});

  check_matrix(listed.gradient, {{3.0, 4.0}});
  check_matrix(unlisted.gradient, {{-1.0, -1.0}});
  check_matrix(unrecorded.gradient, {{0.0, 0.0}});
  check_matrix(unused.gradient, {{0.0, 0.0}});
}

BOOST_AUTO_TEST_CASE(parameter_recorded_once) {
  Parameter weight("weight", {{1.5, -2.0}});
  Tape tape;

  const Variable first = tape.parameter(weight);
  const Variable second = tape.parameter(weight);

  BOOST_TEST(first.index() == second.index());
  BOOST_TEST(tape.size() == 1u);

  // L = sum(w ⊙ w) through the two handles: dL/dw = 2w.
  tape.backward(sum(first * second), ParameterList{&weight});
  check_matrix(weight.gradient, {{3.0, -4.0}});
}

BOOST_AUTO_TEST_CASE(parameter_value_copied) {
  Parameter weight("weight", {{1.0, 2.0}});
  Tape tape;

  const Variable recorded = tape.parameter(weight);
  weight.value = Matrix{{10.0, 20.0}};

  check_matrix(recorded.value(), {{1.0, 2.0}});
}

BOOST_AUTO_TEST_CASE(backward_rejects_non_scalar_loss) {
  Tape tape;
  const Variable x = tape.variable({{1.0, 2.0}, {3.0, 4.0}});
  const Variable row = tape.variable({{1.0, 2.0}});

  check_contains(error_message<std::invalid_argument>([&] { tape.backward(x * x, {x}); }),
                 {"Tape::backward", "[2, 2]"});
  check_contains(error_message<std::invalid_argument>([&] { tape.backward(row, {row}); }),
                 {"Tape::backward", "[1, 2]"});
}

BOOST_AUTO_TEST_CASE(variable_invalid_after_clear) {
  Tape tape;
  const Variable x = tape.variable({{1.0, 2.0}});
  const Variable loss = sum(x);
  tape.backward(loss, {x});

  tape.clear();

  BOOST_CHECK_THROW(x.value(), std::logic_error);
  BOOST_CHECK_THROW(x.gradient(), std::logic_error);
  BOOST_CHECK_THROW(x.shape(), std::logic_error);
  BOOST_CHECK_THROW(exp(x), std::logic_error);
  BOOST_CHECK_THROW(tape.backward(loss, {x}), std::logic_error);
}

BOOST_AUTO_TEST_CASE(variable_invalid_after_index_reused) {
  Tape tape;
  const Variable old = tape.variable({{1.0}});
  tape.clear();

  // The new node takes index 0 again. The old handle still refers to the
  // cleared recording.
  const Variable fresh = tape.variable({{2.0}});

  BOOST_TEST(fresh.index() == old.index());
  check_contains(error_message<std::logic_error>([&] { old.value(); }), {"Tape::clear()"});
  BOOST_CHECK_THROW(fresh + old, std::logic_error);
}

BOOST_AUTO_TEST_CASE(variable_from_other_tape) {
  Tape first;
  Tape second;
  const Variable x = first.variable({{1.0, 2.0}});
  const Variable y = second.variable({{3.0, 4.0}});
  const Variable loss = sum(y);

  check_contains(error_message<std::logic_error>([&] { x + y; }), {"add", "another tape"});
  check_contains(error_message<std::logic_error>([&] { first.backward(loss, {x}); }),
                 {"Tape::backward", "another tape"});
  check_contains(error_message<std::logic_error>([&] { second.backward(loss, {x}); }),
                 {"Tape::backward", "another tape"});
}

BOOST_AUTO_TEST_CASE(default_variable_throws) {
  const Variable empty;

  BOOST_CHECK_THROW(empty.value(), std::logic_error);
  BOOST_CHECK_THROW(empty.gradient(), std::logic_error);
  BOOST_CHECK_THROW(empty.tape(), std::logic_error);
}

BOOST_AUTO_TEST_CASE(clear_empties_tape) {
  Tape tape;
  const Variable x = tape.variable({{1.0, 2.0}});
  tape.backward(sum(exp(x)), {x});
  BOOST_TEST(tape.size() == 3u);

  tape.clear();

  BOOST_TEST(tape.size() == 0u);
}

BOOST_AUTO_TEST_CASE(record_clear_cycles_stay_flat) {
  Parameter weight("weight", {{0.5, -0.5}});
  Tape tape;

  // Every cycle records the same five nodes: parameter, constant, multiply,
  // tanh and sum. A tape that kept nodes across clear() would grow.
  for (int cycle = 0; cycle < 100; ++cycle) {
    const Variable w = tape.parameter(weight);
    const Variable loss = sum(tanh(w * tape.constant({{1.0, 2.0}})));
    tape.backward(loss, ParameterList{&weight});
    BOOST_TEST_REQUIRE(tape.size() == 5u);

    tape.clear();
    BOOST_TEST_REQUIRE(tape.size() == 0u);
  }
}

BOOST_AUTO_TEST_CASE(backward_twice_same_gradients) {
  Parameter weight("weight", {{0.5, -1.5}});
  Tape tape;
  const Variable x = tape.variable({{2.0, 3.0}});
  const Variable loss = sum(square(x) * tape.parameter(weight));

  tape.backward(loss, {x});
  const Matrix first_x = x.gradient();
  tape.backward(loss, {x});

  // The second pass starts from zero instead of adding to the first:
  // d/dx sum(x^2 w) = 2 x w = [2, -9].
  check_matrix(first_x, {{2.0, -9.0}});
  check_matrix(x.gradient(), first_x);

  tape.backward(loss, ParameterList{&weight});
  tape.backward(loss, ParameterList{&weight});
  check_matrix(weight.gradient, {{4.0, 9.0}});
}

BOOST_AUTO_TEST_CASE(deep_chain_backward) {
  constexpr int depth = 100000;
  constexpr double factor = 1.00001;
  Tape tape;
  const Variable x = tape.variable({{1.0}});

  Variable y = x;
  for (int step = 0; step < depth; ++step) {
    y = factor * y;
  }
  tape.backward(y, {x});

  // y = factor^depth x, so at x = 1 the gradient factor^depth equals the value.
  // Both passes multiply the same factors in the same order, so they agree to
  // the last bit.
  // By hand, depth ln factor = 1 - 5e-6 to second order, so y = e^(1 - 5e-6),
  // which is 2.718268.
  BOOST_TEST(tape.size() == static_cast<std::size_t>(depth) + 1);
  BOOST_TEST(x.gradient()(0, 0) == y.value()(0, 0));
  BOOST_TEST(y.value()(0, 0) > 2.71825);
  BOOST_TEST(y.value()(0, 0) < 2.71828);
}

BOOST_AUTO_TEST_CASE(sink_rejects_wrong_shape) {
  Tape tape;
  const Variable x = tape.variable(xt::ones<double>({2, 3}));
  const Variable loss = broken_sum(x);

  const std::string message =
      error_message<std::logic_error>([&] { tape.backward(loss, {x}); });

  check_contains(message, {"broken_sum", "[1, 1]", "[2, 3]"});
}

BOOST_AUTO_TEST_CASE(sink_rejects_wrong_shape_for_unneeded_input) {
  Tape tape;
  const Variable x = tape.variable({{1.0, 2.0}});
  const Variable c = tape.constant({{3.0, 4.0}});
  const Variable loss = sum(broken_second_input(x, c));

  // The backward function is wrong for input 1 whether or not that input
  // needs a gradient, so it must fail even though c is a constant.
  const std::string message =
      error_message<std::logic_error>([&] { tape.backward(loss, {x}); });

  check_contains(message, {"broken_second_input", "[1, 1]", "[1, 2]"});
}

BOOST_AUTO_TEST_CASE(sink_rejects_bad_input_index) {
  Tape tape;
  const Variable x = tape.variable({{1.0}});
  const Variable write_past_end =
      tape.record("write_past_end", Matrix{{1.0}}, {x},
                  [](const Matrix& g, GradientSink& sink) { sink.accumulate(1, g); });
  const Variable ask_past_end =
      tape.record("ask_past_end", Matrix{{1.0}}, {x},
                  [](const Matrix&, GradientSink& sink) { sink.needs(1); });

  check_contains(error_message<std::logic_error>([&] { tape.backward(write_past_end, {x}); }),
                 {"write_past_end", "input 1"});
  check_contains(error_message<std::logic_error>([&] { tape.backward(ask_past_end, {x}); }),
                 {"ask_past_end", "input 1"});
}

BOOST_AUTO_TEST_CASE(sink_needs_and_output) {
  Tape tape;
  const Variable x = tape.variable({{1.0, 2.0}});
  const Variable y = tape.variable({{3.0, 4.0}});
  const Variable c = tape.constant({{5.0, 6.0}});
  bool needs_x = false;
  bool needs_y = true;
  bool needs_c = true;
  Matrix output;

  const Variable probe = tape.record(
      "probe", Matrix{{7.0}}, {x, y, c}, [&](const Matrix&, GradientSink& sink) {
        needs_x = sink.needs(0);
        needs_y = sink.needs(1);
        needs_c = sink.needs(2);
        output = sink.output();
      });
  tape.backward(probe, {x});

  // Only x was requested: y is a leaf left out and c is a constant.
  BOOST_TEST(needs_x);
  BOOST_TEST(!needs_y);
  BOOST_TEST(!needs_c);
  check_matrix(output, {{7.0}});
}

BOOST_AUTO_TEST_CASE(allocated_bytes_stay_flat) {
  Parameter hidden_weights("hidden_weights", arithmetic_sequence({3, 4}, -0.5, 0.1));
  Parameter hidden_bias("hidden_bias", arithmetic_sequence({1, 4}, 0.1, 0.1));
  Parameter output_weights("output_weights", arithmetic_sequence({4, 2}, 0.3, -0.1));
  const ParameterList parameters{&hidden_weights, &hidden_bias, &output_weights};
  Tape tape;
  std::vector<std::size_t> bytes;

  // Each cycle moves in a new batch, as a training loop does, and records the
  // same ops on it. The pool may grow in the first cycles but not after.
  for (int cycle = 0; cycle < 50; ++cycle) {
    const Variable x = tape.constant(arithmetic_sequence({8, 3}, 0.01 * cycle, 0.05));
    const Variable hidden = tanh(affine(x, tape.parameter(hidden_weights),
                                        tape.parameter(hidden_bias)));
    const Variable logits = matmul(hidden, tape.parameter(output_weights));
    tape.backward(-mean(log_softmax(logits, 1)), parameters);
    bytes.push_back(tape.allocated_bytes());

    tape.clear();
  }

  BOOST_TEST(bytes[2] > 0u);
  for (std::size_t cycle = 3; cycle < bytes.size(); ++cycle) {
    BOOST_TEST_CONTEXT("cycle " << cycle) {
      BOOST_TEST(bytes[cycle] == bytes[2]);
    }
  }
}

BOOST_AUTO_TEST_CASE(pooled_arrays_fully_overwritten) {
  // Tape::buffer() and GradientSink::target() hand out pooled arrays with
  // unspecified contents. A pass over NaN inputs fills the pool with NaN, so
  // an op that leaves any element of a pooled array unwritten shows NaN in
  // the next recording. The second backward pass reuses the gradient arrays
  // of the first, which catches an op that adds where it must overwrite.
  for (const OpCase& op_case : all_op_cases()) {
    BOOST_TEST_CONTEXT(op_case.name) {
      Tape fresh;
      const PassResult expected = run_pass(fresh, op_case, op_case.inputs, false, 1);

      Tape reused;
      run_pass(reused, op_case, nan_like(op_case.inputs), true, 1);
      reused.clear();
      const PassResult actual = run_pass(reused, op_case, op_case.inputs, false, 2);

      check_matrix(actual.value, expected.value);
      for (std::size_t k = 0; k < expected.gradients.size(); ++k) {
        BOOST_TEST_CONTEXT("gradient of input " << k) {
          check_matrix(actual.gradients[k], expected.gradients[k]);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(all_ops_gradient_check) {
  // The same table through the finite-difference checker, which covers the
  // fused affine op and inputs used twice as well.
  autodiff::GradientCheckOptions options;
  options.absolute_tolerance = test_tolerance::gradient_absolute;
  options.relative_tolerance = test_tolerance::gradient_relative;

  for (const OpCase& op_case : all_op_cases()) {
    BOOST_TEST_CONTEXT(op_case.name) {
      const autodiff::GradientCheckResult result =
          autodiff::check_gradient(op_case.function, op_case.inputs, options);

      BOOST_TEST(result.passed, result.first_failure);
    }
  }
}

BOOST_AUTO_TEST_CASE(constant_copies_lvalue) {
  Matrix data{{1.0, 2.0}};
  Tape tape;

  const Variable constant = tape.constant(data);
  const Variable leaf = tape.variable(data);
  data(0, 0) = 99.0;

  check_matrix(constant.value(), {{1.0, 2.0}});
  check_matrix(leaf.value(), {{1.0, 2.0}});
}

BOOST_AUTO_TEST_CASE(buffer_recycle_reuses_storage) {
  Tape tape;

  Matrix first = tape.buffer({2, 3});
  BOOST_TEST(first.shape(0) == 2u);
  BOOST_TEST(first.shape(1) == 3u);
  const double* storage = first.data();
  tape.recycle(std::move(first));

  // The pool hands out storage by element count, so [3, 2] reuses it.
  const Matrix second = tape.buffer({3, 2});

  BOOST_TEST(second.shape(0) == 3u);
  BOOST_TEST(second.shape(1) == 2u);
  BOOST_TEST(second.data() == storage);
}

BOOST_AUTO_TEST_CASE(sink_input_and_saved) {
  Tape tape;
  const Variable x = tape.variable({{1.0, 2.0}});
  const Variable c = tape.constant({{3.0, 4.0}});
  Matrix input_0;
  Matrix input_1;
  Matrix saved;
  Matrix saved_without;

  const Variable with_saved = tape.record(
      "with_saved", Matrix{{1.0}}, {x, c},
      [&](const Matrix&, GradientSink& sink) {
        input_0 = sink.input(0);
        input_1 = sink.input(1);
        saved = sink.saved();
      },
      Matrix{{5.0, 6.0, 7.0}});
  tape.backward(with_saved, {x});
  const Variable without_saved = tape.record(
      "without_saved", Matrix{{1.0}}, {x},
      [&](const Matrix&, GradientSink& sink) { saved_without = sink.saved(); });
  tape.backward(without_saved, {x});

  check_matrix(input_0, {{1.0, 2.0}});
  check_matrix(input_1, {{3.0, 4.0}});
  check_matrix(saved, {{5.0, 6.0, 7.0}});
  BOOST_TEST(saved_without.size() == 0u);
}

BOOST_AUTO_TEST_CASE(sink_input_rejects_bad_index) {
  Tape tape;
  const Variable x = tape.variable({{1.0}});
  const Variable read_past_end =
      tape.record("read_past_end", Matrix{{1.0}}, {x},
                  [](const Matrix&, GradientSink& sink) { sink.input(1); });

  check_contains(error_message<std::logic_error>([&] { tape.backward(read_past_end, {x}); }),
                 {"read_past_end", "input 1"});
}

BOOST_AUTO_TEST_CASE(sink_target_overwrites_then_accumulates) {
  Tape tape;
  const Variable x = tape.variable({{1.0, 2.0}});
  std::vector<bool> accumulate_flags;

  // Both inputs are x. The first target() hands out x's gradient array to be
  // overwritten, and the second one, for the same node, to be added to.
  const Variable twice = tape.record(
      "twice", Matrix{{0.0}}, {x, x}, [&](const Matrix& g, GradientSink& sink) {
        const GradientTarget first = sink.target(0);
        accumulate_flags.push_back(first.accumulate);
        std::fill(first.gradient.begin(), first.gradient.end(), g(0, 0));

        const GradientTarget second = sink.target(1);
        accumulate_flags.push_back(second.accumulate);
        for (double& element : second.gradient) {
          element += 2.0 * g(0, 0);
        }
      });
  tape.backward(twice, {x});

  BOOST_TEST_REQUIRE(accumulate_flags.size() == 2u);
  BOOST_TEST(!accumulate_flags[0]);
  BOOST_TEST(accumulate_flags[1]);
  check_matrix(x.gradient(), {{3.0, 3.0}});
}

BOOST_AUTO_TEST_CASE(sink_target_requires_needed_input) {
  Tape tape;
  const Variable x = tape.variable({{1.0}});
  const Variable c = tape.constant({{2.0}});
  const Variable loss = tape.record("target_of_constant", Matrix{{1.0}}, {x, c},
                                    [](const Matrix&, GradientSink& sink) { sink.target(1); });

  check_contains(error_message<std::logic_error>([&] { tape.backward(loss, {x}); }),
                 {"target_of_constant", "input 1", "needs()"});
}

// --- recording without gradients -----------------------------------------------------

// Ops recorded under NoGradient give the same values, and the tape drops
// their saved arrays.
BOOST_AUTO_TEST_CASE(no_gradient_keeps_values) {
  const Matrix x_value{{0.5, -1.0}, {2.0, 0.25}};
  const Matrix w_value{{1.0, -2.0, 0.5}, {0.3, 0.7, -1.1}};
  const Matrix b_value{{0.1, 0.2, -0.3}};

  Tape with_gradients;
  const Matrix expected =
      autodiff::affine_tanh(with_gradients.variable(x_value), with_gradients.variable(w_value),
                            with_gradients.variable(b_value))
          .value();

  Tape tape;
  Matrix actual;
  {
    const autodiff::NoGradient no_gradient(tape);
    BOOST_TEST(!tape.gradients_enabled());
    actual = autodiff::affine_tanh(tape.variable(x_value), tape.variable(w_value),
                                   tape.variable(b_value))
                 .value();
  }
  BOOST_TEST(tape.gradients_enabled());
  BOOST_TEST(actual == expected, tt::per_element());
}

// A backward pass through an op recorded without gradients would silently
// give zeros, so it throws and names the op.
BOOST_AUTO_TEST_CASE(no_gradient_rejects_backward) {
  Tape tape;
  const Variable x = tape.variable({{1.0, 2.0}});
  Variable loss;
  {
    const autodiff::NoGradient no_gradient(tape);
    loss = autodiff::sum(autodiff::exp(x));
  }

  check_contains(error_message<std::logic_error>([&] { tape.backward(loss, {x}); }),
                 {"Tape::backward", "gradients off", "NoGradient"});
}

// An op recorded without gradients that the loss does not use, such as a
// logged metric, leaves the backward pass alone.
BOOST_AUTO_TEST_CASE(no_gradient_op_off_the_path) {
  Tape tape;
  const Variable x = tape.variable({{1.0, 2.0}});
  {
    const autodiff::NoGradient no_gradient(tape);
    autodiff::sum(autodiff::exp(x));
  }
  const Variable loss = autodiff::sum(x * x);

  tape.backward(loss, {x});
  check_matrix(x.gradient(), {{2.0, 4.0}});
}

// Leaves recorded without gradients stay usable, and ops recorded after the
// scope get their gradients. NoGradient restores the setting it found.
BOOST_AUTO_TEST_CASE(no_gradient_scope_restores) {
  Tape tape;
  Variable x;
  {
    const autodiff::NoGradient outer(tape);
    x = tape.variable({{1.0, 2.0}});
    {
      const autodiff::NoGradient inner(tape);
      BOOST_TEST(!tape.gradients_enabled());
    }
    BOOST_TEST(!tape.gradients_enabled());
  }
  BOOST_TEST(tape.gradients_enabled());

  const Variable loss = autodiff::sum(x * x);
  tape.backward(loss, {x});
  check_matrix(x.gradient(), {{2.0, 4.0}});

  tape.set_gradients_enabled(false);
  tape.clear();
  BOOST_TEST(!tape.gradients_enabled());
}

BOOST_AUTO_TEST_SUITE_END()
