#define BOOST_TEST_MODULE autodiff_gradient_check
#include <boost/test/unit_test.hpp>

#include <span>
#include <string>
#include <vector>

#include "autodiff/gradient_check.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/linalg.hpp"
#include "autodiff/ops/reductions.hpp"
#include "tolerances.hpp"

namespace tt = boost::test_tools;
using autodiff::GradientCheckOptions;
using autodiff::GradientCheckResult;
using autodiff::GradientSink;
using autodiff::Matrix;
using autodiff::Tape;
using autodiff::Variable;

namespace {

GradientCheckOptions test_options() {
  GradientCheckOptions options;
  options.absolute_tolerance = test_tolerance::gradient_absolute;
  options.relative_tolerance = test_tolerance::gradient_relative;
  return options;
}

// Records x^3 with the backward function 3 x^2 scaled by `backward_factor`:
// 1 gives the true derivative, anything else a deliberately wrong one.
Variable cube(Variable x, double backward_factor) {
  Matrix value = x.value() * x.value() * x.value();

  return x.tape().record("cube", std::move(value), {x},
                         [x, backward_factor](const Matrix& g, GradientSink& sink) {
                           sink.accumulate(0, backward_factor * 3.0 * g * x.value() * x.value());
                         });
}

// Records a ⊙ b with a correct gradient for a and a gradient for b scaled by
// `b_factor`.
Variable product(Variable a, Variable b, double b_factor) {
  Matrix value = a.value() * b.value();

  return a.tape().record("product", std::move(value), {a, b},
                         [a, b, b_factor](const Matrix& g, GradientSink& sink) {
                           sink.accumulate(0, g * b.value());
                           sink.accumulate(1, b_factor * g * a.value());
                         });
}

const Matrix x_values{{0.5, -1.25}, {2.0, 0.75}};

}  // namespace

BOOST_AUTO_TEST_SUITE(gradient_check)

BOOST_AUTO_TEST_CASE(correct_op_passes) {
  const GradientCheckResult result = autodiff::check_gradient(
      [](Tape&, std::span<const Variable> inputs) { return cube(inputs[0], 1.0); }, {x_values},
      test_options());

  BOOST_TEST(result.passed, result.first_failure);
  BOOST_TEST(result.first_failure.empty());
  BOOST_TEST(result.max_absolute_error <= test_tolerance::gradient_absolute);
}

BOOST_AUTO_TEST_CASE(doubled_gradient_fails) {
  const GradientCheckResult result = autodiff::check_gradient(
      [](Tape&, std::span<const Variable> inputs) { return cube(inputs[0], 2.0); }, {x_values},
      test_options());

  // An analytic gradient twice the numeric one has relative error 1.
  BOOST_TEST(!result.passed);
  BOOST_TEST(!result.first_failure.empty());
  BOOST_TEST(result.first_failure.find("input 0 element [0, 0]") != std::string::npos,
             result.first_failure);
  BOOST_TEST(result.max_relative_error == 1.0, tt::tolerance(1e-4));
}

BOOST_AUTO_TEST_CASE(sign_error_fails) {
  const GradientCheckResult result = autodiff::check_gradient(
      [](Tape&, std::span<const Variable> inputs) { return cube(inputs[0], -1.0); }, {x_values},
      test_options());

  BOOST_TEST(!result.passed);
  BOOST_TEST(!result.first_failure.empty());
}

BOOST_AUTO_TEST_CASE(failure_names_input) {
  const Matrix a{{1.0, 2.0}};
  const Matrix b{{-0.5, 1.5}};

  // Only the gradient of input 1 is wrong, so input 0 passes.
  const GradientCheckResult result = autodiff::check_gradient(
      [](Tape&, std::span<const Variable> inputs) { return product(inputs[0], inputs[1], 2.0); },
      {a, b}, test_options());

  BOOST_TEST(!result.passed);
  BOOST_TEST(result.first_failure.find("input 1 element [0, 0]") == 0u, result.first_failure);
}

BOOST_AUTO_TEST_CASE(correct_binary_op_passes) {
  const Matrix a{{1.0, 2.0}};
  const Matrix b{{-0.5, 1.5}};

  const GradientCheckResult result = autodiff::check_gradient(
      [](Tape&, std::span<const Variable> inputs) { return product(inputs[0], inputs[1], 1.0); },
      {a, b}, test_options());

  BOOST_TEST(result.passed, result.first_failure);
}

BOOST_AUTO_TEST_CASE(tolerances_are_respected) {
  GradientCheckOptions loose = test_options();
  loose.absolute_tolerance = 1e3;

  // The doubled gradient misses by 3 x^2 R at most, with x up to 2 and R
  // below 1.5, so an absolute tolerance of 1000 accepts it.
  const GradientCheckResult result = autodiff::check_gradient(
      [](Tape&, std::span<const Variable> inputs) { return cube(inputs[0], 2.0); }, {x_values},
      loose);

  BOOST_TEST(result.passed, result.first_failure);
  BOOST_TEST(result.max_relative_error == 1.0, tt::tolerance(1e-4));
}

BOOST_AUTO_TEST_CASE(composite_model_passes) {
  const Matrix inputs_batch{{0.5, -1.0, 0.25}, {1.5, 0.3, -0.7}};  // [2, 3]
  const Matrix weights{{0.2, -0.4}, {0.7, 0.1}, {-0.3, 0.5}};      // [3, 2]

  // A one-layer softmax classifier's log-likelihood, differentiated with
  // respect to both the data and the weights.
  const GradientCheckResult result = autodiff::check_gradient(
      [](Tape&, std::span<const Variable> inputs) {
        const Variable logits = matmul(tanh(inputs[0]), inputs[1]);  // [2, 2]
        return mean(log_softmax(logits, 1));
      },
      {inputs_batch, weights}, test_options());

  BOOST_TEST(result.passed, result.first_failure);
}

BOOST_AUTO_TEST_SUITE_END()
