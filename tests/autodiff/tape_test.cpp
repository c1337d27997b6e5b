#define BOOST_TEST_MODULE autodiff_tape
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>

#include "autodiff/ops/arithmetic.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/reductions.hpp"
#include "autodiff/parameter.hpp"
#include "autodiff/tape.hpp"
#include "tolerances.hpp"

namespace tt = boost::test_tools;
using autodiff::GradientSink;
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

  // The new node takes index 0 again; the old handle still refers to the
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

BOOST_AUTO_TEST_SUITE_END()
