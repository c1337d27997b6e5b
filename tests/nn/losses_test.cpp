#define BOOST_TEST_MODULE nn_losses
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor/xbuilder.hpp>

#include "autodiff/gradient_check.hpp"
#include "autodiff/tape.hpp"
#include "nn/losses.hpp"
#include "tolerances.hpp"

namespace tt = boost::test_tools;
using autodiff::Matrix;
using autodiff::Tape;
using autodiff::Variable;

namespace {

autodiff::GradientCheckOptions gradient_options() {
  autodiff::GradientCheckOptions options;
  options.absolute_tolerance = test_tolerance::gradient_absolute;
  options.relative_tolerance = test_tolerance::gradient_relative;
  return options;
}

// Runs the finite-difference check and reports the first failing element.
void check_gradient_of(const autodiff::TapeFunction& function, const std::vector<Matrix>& inputs,
                       const Matrix* weights) {
  const auto result = autodiff::check_gradient(function, inputs, gradient_options());
  BOOST_TEST(result.passed, (weights == nullptr ? "unweighted: " : "weighted: ")
                                << result.first_failure);
}

// The message of the std::invalid_argument that `call` throws, or a marker
// that no check on the message can match when it throws nothing.
std::string error_message(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "<no std::invalid_argument thrown>";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Hand-written Gaussian density, a different route from the loss's logsumexp.
double normal_density(double z, double mean, double sigma) {
  const double u = (z - mean) / sigma;
  return std::exp(-0.5 * u * u) / (sigma * std::sqrt(2.0 * std::numbers::pi));
}

const Matrix sample_weights{{0.5}, {2.0}, {0.0}, {1.5}};

}  // namespace

BOOST_AUTO_TEST_SUITE(losses)

// --- gradients ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(bce_gradient) {
  const Matrix targets{{1.0}, {0.0}, {0.3}, {1.0}};
  for (const Matrix* weights : {static_cast<const Matrix*>(nullptr), &sample_weights}) {
    check_gradient_of(
        [&](Tape&, std::span<const Variable> in) {
          return nn::binary_cross_entropy(in[0], targets, weights);
        },
        {Matrix{{0.2}, {0.7}, {0.5}, {0.99}}}, weights);
  }
}

BOOST_AUTO_TEST_CASE(bce_with_logits_gradient) {
  const Matrix targets{{1.0}, {0.0}, {0.3}, {1.0}};
  for (const Matrix* weights : {static_cast<const Matrix*>(nullptr), &sample_weights}) {
    check_gradient_of(
        [&](Tape&, std::span<const Variable> in) {
          return nn::binary_cross_entropy_with_logits(in[0], targets, weights);
        },
        {Matrix{{-1.5}, {0.4}, {3.0}, {-7.0}}}, weights);
  }
}

BOOST_AUTO_TEST_CASE(cce_gradient) {
  // Rows 0 and 1 are one-hot, row 2 is soft and row 3 sums to 0.6, which
  // exercises the sum_j t_j factor of the derivative.
  const Matrix targets{{0.0, 1.0, 0.0}, {1.0, 0.0, 0.0}, {0.2, 0.5, 0.3}, {0.1, 0.0, 0.5}};
  for (const Matrix* weights : {static_cast<const Matrix*>(nullptr), &sample_weights}) {
    check_gradient_of(
        [&](Tape&, std::span<const Variable> in) {
          return nn::categorical_cross_entropy(in[0], targets, weights);
        },
        {Matrix{{0.1, -0.4, 2.0}, {1.0, 1.0, 1.0}, {-3.0, 0.5, 0.7}, {4.0, -2.0, 0.0}}}, weights);
  }
}

BOOST_AUTO_TEST_CASE(mse_gradient) {
  const Matrix targets{{0.0, 1.0}, {2.0, -1.0}, {0.5, 0.5}, {-3.0, 0.0}};
  for (const Matrix* weights : {static_cast<const Matrix*>(nullptr), &sample_weights}) {
    check_gradient_of(
        [&](Tape&, std::span<const Variable> in) {
          return nn::mean_squared_error(in[0], targets, weights);
        },
        {Matrix{{0.3, 0.8}, {1.0, 1.0}, {-0.5, 2.0}, {-2.5, 0.1}}}, weights);
  }
}

BOOST_AUTO_TEST_CASE(mixture_nll_gradient) {
  const Matrix targets{{0.3}, {-1.0}, {2.5}, {0.0}};
  const Matrix means{{0.0, 1.0, -1.0}, {0.5, -0.5, 2.0}, {2.0, 0.0, 3.0}, {-0.2, 0.4, 0.1}};
  const Matrix log_sigmas{{0.0, -0.5, 0.3}, {0.2, 0.1, -0.3}, {-0.1, 0.5, 0.0}, {0.4, -0.2, 0.1}};
  const Matrix logits{{0.1, 0.2, -0.3}, {1.0, -1.0, 0.0}, {0.0, 0.0, 0.0}, {-0.5, 0.7, 0.2}};
  for (const Matrix* weights : {static_cast<const Matrix*>(nullptr), &sample_weights}) {
    check_gradient_of(
        [&](Tape&, std::span<const Variable> in) {
          return nn::gaussian_mixture_nll(in[0], in[1], in[2], targets, weights);
        },
        {means, log_sigmas, logits}, weights);
  }
}

BOOST_AUTO_TEST_CASE(mixture_nll_packed_gradient) {
  // Two rows of a packed head [n, 3C] with C = 2: means, log sigmas, logits.
  const Matrix targets{{0.3}, {-1.0}};
  const Matrix head{{0.0, 1.0, 0.0, -0.5, 0.1, 0.2}, {0.5, -0.5, 0.2, 0.1, 1.0, -1.0}};
  const Matrix weights{{1.0}, {3.0}};
  for (const Matrix* row_weights : {static_cast<const Matrix*>(nullptr), &weights}) {
    check_gradient_of(
        [&](Tape&, std::span<const Variable> in) {
          return nn::gaussian_mixture_nll(in[0], targets, row_weights);
        },
        {head}, row_weights);
  }
}

BOOST_AUTO_TEST_CASE(mixture_nll_packed_matches_three_inputs) {
  const Matrix targets{{0.3}, {-1.0}, {2.5}};
  const Matrix means{{0.0, 1.0}, {0.5, -0.5}, {2.0, 0.0}};
  const Matrix log_sigmas{{0.0, -0.5}, {0.2, 0.1}, {-0.1, 0.5}};
  const Matrix logits{{0.1, 0.2}, {1.0, -1.0}, {0.0, 0.0}};
  const Matrix weights{{1.0}, {0.5}, {2.0}};
  const Matrix packed = xt::concatenate(xt::xtuple(means, log_sigmas, logits), 1);

  Tape tape;
  const Variable head = tape.variable(packed);
  const Variable packed_loss = nn::gaussian_mixture_nll(head, targets, &weights);
  tape.backward(packed_loss, {head});

  Tape separate_tape;
  const Variable mu = separate_tape.variable(means);
  const Variable s = separate_tape.variable(log_sigmas);
  const Variable a = separate_tape.variable(logits);
  const Variable loss = nn::gaussian_mixture_nll(mu, s, a, targets, &weights);
  separate_tape.backward(loss, {mu, s, a});

  // The same arithmetic on the same numbers: equal to the last bit.
  BOOST_TEST(packed_loss.value()(0, 0) == loss.value()(0, 0));
  const Matrix separate_gradient =
      xt::concatenate(xt::xtuple(mu.gradient(), s.gradient(), a.gradient()), 1);
  BOOST_TEST(head.gradient() == separate_gradient, tt::per_element());
}

// The loss works on tiles of 256 rows, so 600 rows give two full tiles and
// a partial one. The value is checked against the densities summed row by
// row, and the gradient by finite differences.
BOOST_AUTO_TEST_CASE(mixture_nll_spans_tiles) {
  const std::size_t rows = 600;
  const std::size_t components = 3;
  Matrix head({rows, 3 * components});
  Matrix targets({rows, 1});
  Matrix weights({rows, 1});
  for (std::size_t i = 0; i < rows; ++i) {
    const double x = static_cast<double>(i);
    for (std::size_t c = 0; c < components; ++c) {
      head(i, c) = std::sin(0.37 * x + static_cast<double>(c));
      head(i, components + c) = 0.4 * std::cos(0.11 * x + static_cast<double>(c));
      head(i, 2 * components + c) = std::sin(0.05 * x * static_cast<double>(c + 1));
    }
    targets(i, 0) = 1.5 * std::sin(0.23 * x);
    weights(i, 0) = 1.0 + static_cast<double>(i % 7);
  }

  double weighted_sum = 0.0;
  double weight_total = 0.0;
  for (std::size_t i = 0; i < rows; ++i) {
    double normalizer = 0.0;
    for (std::size_t c = 0; c < components; ++c) {
      normalizer += std::exp(head(i, 2 * components + c));
    }
    double likelihood = 0.0;
    for (std::size_t c = 0; c < components; ++c) {
      const double pi = std::exp(head(i, 2 * components + c)) / normalizer;
      likelihood +=
          pi * normal_density(targets(i, 0), head(i, c), std::exp(head(i, components + c)));
    }
    weighted_sum -= weights(i, 0) * std::log(likelihood);
    weight_total += weights(i, 0);
  }

  Tape tape;
  const Variable loss = nn::gaussian_mixture_nll(tape.variable(head), targets, &weights);
  BOOST_TEST(loss.value()(0, 0) == weighted_sum / weight_total,
             tt::tolerance(test_tolerance::exact_fraction));

  check_gradient_of(
      [&](Tape&, std::span<const Variable> in) {
        return nn::gaussian_mixture_nll(in[0], targets, &weights);
      },
      {head}, &weights);
}

// Component 1 is so narrow and far (sigma = e^-400) that u^2 overflows and
// its responsibility is exactly 0. It gets no gradient through u, where
// 0 (1 - u^2) would give NaN.
BOOST_AUTO_TEST_CASE(mixture_nll_far_narrow_component) {
  Tape tape;
  const Variable head = tape.variable(Matrix{{0.0, 1000.0, 0.0, -400.0, 0.0, 0.0}});
  const Variable loss = nn::gaussian_mixture_nll(head, Matrix{{0.0}});
  tape.backward(loss, {head});

  const double expected = std::log(2.0) + 0.5 * std::log(2.0 * std::numbers::pi);
  BOOST_TEST(loss.value()(0, 0) == expected, tt::tolerance(test_tolerance::exact_fraction));
  for (const double gradient : head.gradient()) {
    BOOST_TEST(std::isfinite(gradient));
  }
  BOOST_TEST(head.gradient()(0, 1) == 0.0);
  BOOST_TEST(head.gradient()(0, 3) == 0.0);
}

// Row 1 lies where its one component's density underflows in log space too
// (u^2 overflows), so its log-likelihood is not a number. Its weight is 0,
// so it leaves the loss and gets no gradient.
BOOST_AUTO_TEST_CASE(mixture_nll_zero_weight_removes_overflowing_row) {
  Tape tape;
  const Variable head = tape.variable(Matrix{{0.2, -0.1, 0.0}, {0.0, -400.0, 0.0}});
  const Variable kept = tape.variable(Matrix{{0.2, -0.1, 0.0}});
  const Matrix weights{{1.0}, {0.0}};

  const Variable loss = nn::gaussian_mixture_nll(head, Matrix{{0.5}, {1.0}}, &weights);
  const Variable kept_loss = nn::gaussian_mixture_nll(kept, Matrix{{0.5}});
  tape.backward(loss, {head});

  BOOST_TEST(loss.value()(0, 0) == kept_loss.value()(0, 0));
  for (std::size_t column = 0; column < 3; ++column) {
    BOOST_TEST(head.gradient()(1, column) == 0.0);
    BOOST_TEST(std::isfinite(head.gradient()(0, column)));
  }
}

// Without gradients the loss skips its derivatives; the value stays the same.
BOOST_AUTO_TEST_CASE(mixture_nll_without_gradients) {
  const Matrix head{{0.0, 1.0, 0.0, -0.5, 0.1, 0.2}, {0.5, -0.5, 0.2, 0.1, 1.0, -1.0}};
  const Matrix targets{{0.3}, {-1.0}};
  const Matrix weights{{1.0}, {3.0}};

  Tape tape;
  const double with_gradients =
      nn::gaussian_mixture_nll(tape.variable(head), targets, &weights).value()(0, 0);
  const autodiff::NoGradient no_gradient(tape);
  const double without_gradients =
      nn::gaussian_mixture_nll(tape.variable(head), targets, &weights).value()(0, 0);

  BOOST_TEST(without_gradients == with_gradients);
}

BOOST_AUTO_TEST_CASE(mixture_nll_packed_rejects_width) {
  Tape tape;
  for (const std::size_t width : {0, 4}) {
    const Variable head = tape.variable(Matrix(autodiff::Shape{2, width}, 0.5));
    const std::string message = error_message(
        [&] { nn::gaussian_mixture_nll(head, Matrix(autodiff::Shape{2, 1}, 0.0)); });
    BOOST_TEST(contains(message, "gaussian_mixture_nll: the packed head must be [n, 3C]"),
               message);
    BOOST_TEST(contains(message, "got [2, " + std::to_string(width) + "]"), message);
  }
}

// --- values ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(bce_value) {
  // Hand values: l = -log 0.8 for (p = 0.8, y = 1), l = -log 0.7 for
  // (p = 0.3, y = 0); plain mean over 2 samples.
  Tape tape;
  const Variable p = tape.variable(Matrix{{0.8}, {0.3}});
  const Variable loss = nn::binary_cross_entropy(p, Matrix{{1.0}, {0.0}});
  const double expected = -(std::log(0.8) + std::log(0.7)) / 2.0;
  BOOST_TEST(loss.value()(0, 0) == expected, tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(bce_clamped_at_zero_and_one) {
  // p = 0 with y = 1 and p = 1 with y = 0 hit the clamp: l = 100 each. p = 0
  // with y = 0 and p = 1 with y = 1 give l = 0. Plain mean over 4: 50.
  Tape tape;
  const Variable p = tape.variable(Matrix{{0.0}, {1.0}, {0.0}, {1.0}});
  const Variable loss = nn::binary_cross_entropy(p, Matrix{{1.0}, {0.0}, {0.0}, {1.0}});
  BOOST_TEST(loss.value()(0, 0) == 50.0, tt::tolerance(test_tolerance::exact_fraction));

  // Clamped terms pass no gradient; the live terms give (1 - y) / (1 - p) = 1
  // at (0, 0) and -y / p = -1 at (1, 1), times the mean's 1/4.
  tape.backward(loss, {p});
  const Matrix& gradient = p.gradient();
  BOOST_TEST(gradient(0, 0) == 0.0);
  BOOST_TEST(gradient(1, 0) == 0.0);
  BOOST_TEST(gradient(2, 0) == 0.25, tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(gradient(3, 0) == -0.25, tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(bce_single_clamped_sample) {
  // One clamped sample is 100 on its own, at either end.
  Tape tape;
  const Variable zero = tape.variable(Matrix{{0.0}});
  const Variable one = tape.variable(Matrix{{1.0}});
  BOOST_TEST(nn::binary_cross_entropy(zero, Matrix{{1.0}}).value()(0, 0) == 100.0,
             tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(nn::binary_cross_entropy(one, Matrix{{0.0}}).value()(0, 0) == 100.0,
             tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(bce_clamp_below_e_to_minus_100) {
  // p = 1e-50 > 0 with y = 1: log p = -115.1 is clamped to -100, so l = 100
  // and the clamped term passes no gradient. (1 - y) = 0 removes the other term.
  Tape tape;
  const Variable p = tape.variable(Matrix{{1e-50}});
  const Variable loss = nn::binary_cross_entropy(p, Matrix{{1.0}});
  BOOST_TEST(loss.value()(0, 0) == 100.0, tt::tolerance(test_tolerance::exact_fraction));

  tape.backward(loss, {p});
  BOOST_TEST(p.gradient()(0, 0) == 0.0);
}

BOOST_AUTO_TEST_CASE(bce_rejects_probability_outside_range) {
  Tape tape;
  const Variable above = tape.variable(Matrix{{0.5}, {1.5}});
  const std::string message = error_message([&] {
    nn::binary_cross_entropy(above, Matrix{{1.0}, {0.0}});
  });
  BOOST_TEST(contains(message, "binary_cross_entropy"), message);
  BOOST_TEST(contains(message, "row 1"), message);
  BOOST_TEST(contains(message, "1.5"), message);

  const Variable nan = tape.variable(Matrix{{std::numeric_limits<double>::quiet_NaN()}});
  const std::string nan_message =
      error_message([&] { nn::binary_cross_entropy(nan, Matrix{{1.0}}); });
  BOOST_TEST(contains(nan_message, "row 0"), nan_message);
}

// 0.5 is a soft target; 5, -1 and NaN are not targets of binary cross-entropy.
BOOST_AUTO_TEST_CASE(bce_rejects_target_outside_range) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tape tape;
  const Variable probabilities = tape.variable(Matrix{{0.2}, {0.7}});
  const Variable logits = tape.variable(Matrix{{-1.0}, {2.0}});

  BOOST_CHECK_NO_THROW(nn::binary_cross_entropy(probabilities, Matrix{{0.5}, {1.0}}));
  BOOST_CHECK_NO_THROW(nn::binary_cross_entropy_with_logits(logits, Matrix{{0.0}, {0.5}}));

  for (const double target : {5.0, -1.0, nan}) {
    const Matrix targets{{0.0}, {target}};
    const std::string plain =
        error_message([&] { nn::binary_cross_entropy(probabilities, targets); });
    const std::string with_logits =
        error_message([&] { nn::binary_cross_entropy_with_logits(logits, targets); });
    BOOST_TEST_CONTEXT("target " << target) {
      BOOST_TEST(contains(plain, "binary_cross_entropy: the target in row 1 is "), plain);
      BOOST_TEST(contains(plain, "[0, 1]"), plain);
      BOOST_TEST(contains(with_logits, "binary_cross_entropy_with_logits: the target in row 1"),
                 with_logits);
      BOOST_TEST(contains(with_logits, "[0, 1]"), with_logits);
    }
  }
}

BOOST_AUTO_TEST_CASE(bce_with_logits_value) {
  // Hand values of l = log(1 + e^-x) + (1 - y) x: log(1 + e^-0.5) for
  // (x = 0.5, y = 1), log(1 + e^2) - 0.75 * 2 for (x = -2, y = 0.25).
  Tape tape;
  const Variable x = tape.variable(Matrix{{0.5}, {-2.0}});
  const Variable loss = nn::binary_cross_entropy_with_logits(x, Matrix{{1.0}, {0.25}});
  const double expected =
      (std::log(1.0 + std::exp(-0.5)) + std::log(1.0 + std::exp(2.0)) - 1.5) / 2.0;
  BOOST_TEST(loss.value()(0, 0) == expected, tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(bce_with_logits_extreme_logits) {
  // Hand values: l(1000, y = 0) = 1000, l(-1000, y = 1) = 1000,
  // l(1000, y = 1) = 0 and l(-1000, y = 0) = 0; plain mean over 4: 500.
  const Matrix logits{{1000.0}, {-1000.0}, {1000.0}, {-1000.0}};
  const Matrix targets{{0.0}, {1.0}, {1.0}, {0.0}};
  Tape tape;
  const Variable x = tape.variable(logits);
  const Variable loss = nn::binary_cross_entropy_with_logits(x, targets);
  BOOST_TEST(loss.value()(0, 0) == 500.0, tt::tolerance(test_tolerance::exact_fraction));

  // dl/dx = (sigmoid(x) - y) / 4, with sigmoid(±1000) = 1 or 0 in double.
  tape.backward(loss, {x});
  for (std::size_t i = 0; i < 4; ++i) {
    const double gradient = x.gradient()(i, 0);
    BOOST_TEST(std::isfinite(gradient));
    BOOST_TEST(gradient == (sigmoid(logits(i, 0)) - targets(i, 0)) / 4.0,
               tt::tolerance(test_tolerance::exact_fraction));
  }
}

BOOST_AUTO_TEST_CASE(bce_with_logits_single_extreme_samples) {
  Tape tape;
  const Variable plus = tape.variable(Matrix{{1000.0}});
  const Variable minus = tape.variable(Matrix{{-1000.0}});
  BOOST_TEST(nn::binary_cross_entropy_with_logits(plus, Matrix{{0.0}}).value()(0, 0) == 1000.0,
             tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(nn::binary_cross_entropy_with_logits(minus, Matrix{{1.0}}).value()(0, 0) == 1000.0,
             tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(nn::binary_cross_entropy_with_logits(plus, Matrix{{1.0}}).value()(0, 0) == 0.0);
}

BOOST_AUTO_TEST_CASE(cce_value) {
  // Hand values: row 0 is class 2 of logits (1, 2, 3), l = log(e + e^2 + e^3) - 3.
  // Row 1 has soft targets (0.5, 0.5, 0) on logits (0, 0, 0): l = log 3.
  Tape tape;
  const Variable x = tape.variable(Matrix{{1.0, 2.0, 3.0}, {0.0, 0.0, 0.0}});
  const Variable loss = nn::categorical_cross_entropy(x, Matrix{{0.0, 0.0, 1.0}, {0.5, 0.5, 0.0}});
  const double row0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3.0;
  const double row1 = std::log(3.0);
  BOOST_TEST(loss.value()(0, 0) == (row0 + row1) / 2.0,
             tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(cce_extreme_logits) {
  // Logits (1000, -1000) with class 1: l = 2000, softmax = (1, 0) in double,
  // so dl/dx = softmax - t = (1, -1).
  Tape tape;
  const Variable x = tape.variable(Matrix{{1000.0, -1000.0}});
  const Variable loss = nn::categorical_cross_entropy(x, Matrix{{0.0, 1.0}});
  BOOST_TEST(loss.value()(0, 0) == 2000.0, tt::tolerance(test_tolerance::exact_fraction));

  tape.backward(loss, {x});
  BOOST_TEST(x.gradient()(0, 0) == 1.0, tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(x.gradient()(0, 1) == -1.0, tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(mse_value) {
  // Hand values: row 0 residuals (1, -2) give (1 + 4) / 2 = 2.5, row 1
  // residuals (0, 3) give 9 / 2 = 4.5; plain mean over 2: 3.5.
  Tape tape;
  const Variable p = tape.variable(Matrix{{1.0, 0.0}, {2.0, 4.0}});
  const Variable loss = nn::mean_squared_error(p, Matrix{{0.0, 2.0}, {2.0, 1.0}});
  BOOST_TEST(loss.value()(0, 0) == 3.5, tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(mixture_nll_value) {
  // Two components with pi = softmax(0, log 3) = (0.25, 0.75), mu = (0, 1),
  // sigma = (1, 2) at z = 0.5: l = -log(0.25 N(0.5; 0, 1) + 0.75 N(0.5; 1, 2)).
  Tape tape;
  const Variable means = tape.variable(Matrix{{0.0, 1.0}});
  const Variable log_sigmas = tape.variable(Matrix{{0.0, std::log(2.0)}});
  const Variable logits = tape.variable(Matrix{{0.0, std::log(3.0)}});
  const Variable loss = nn::gaussian_mixture_nll(means, log_sigmas, logits, Matrix{{0.5}});
  const double expected =
      -std::log(0.25 * normal_density(0.5, 0.0, 1.0) + 0.75 * normal_density(0.5, 1.0, 2.0));
  BOOST_TEST(loss.value()(0, 0) == expected, tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(mixture_nll_far_tail) {
  // One component, mu = 0, sigma = 1, z = 1e3, where the density underflows
  // to 0: l = 0.5 z^2 + 0.5 log(2 pi). With u = z and responsibility 1:
  // dl/dmu = -u = -1000, dl/ds = 1 - u^2 = 1 - 1e6, dl/da = pi - r = 0.
  const double z = 1e3;
  Tape tape;
  const Variable means = tape.variable(Matrix{{0.0}});
  const Variable log_sigmas = tape.variable(Matrix{{0.0}});
  const Variable logits = tape.variable(Matrix{{0.0}});
  const Variable loss = nn::gaussian_mixture_nll(means, log_sigmas, logits, Matrix{{z}});
  const double expected = 0.5 * z * z + 0.5 * std::log(2.0 * std::numbers::pi);
  BOOST_TEST(loss.value()(0, 0) == expected, tt::tolerance(test_tolerance::exact_fraction));

  tape.backward(loss, {means, log_sigmas, logits});
  BOOST_TEST(means.gradient()(0, 0) == -1000.0, tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(log_sigmas.gradient()(0, 0) == 1.0 - 1e6,
             tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(logits.gradient()(0, 0) == 0.0);
}

BOOST_AUTO_TEST_CASE(mixture_nll_far_tail_two_components) {
  // Both components put z = 1e3 far in the tail; the loss and every gradient
  // stay finite because the sum over components is a logsumexp.
  Tape tape;
  const Variable means = tape.variable(Matrix{{0.0, 5.0}});
  const Variable log_sigmas = tape.variable(Matrix{{0.0, -1.0}});
  const Variable logits = tape.variable(Matrix{{0.3, -0.3}});
  const Variable loss = nn::gaussian_mixture_nll(means, log_sigmas, logits, Matrix{{1e3}});
  BOOST_TEST(std::isfinite(loss.value()(0, 0)));

  tape.backward(loss, {means, log_sigmas, logits});
  for (const Variable& input : {means, log_sigmas, logits}) {
    for (const double gradient : input.gradient()) {
      BOOST_TEST(std::isfinite(gradient));
    }
  }
}

// --- one_hot -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(one_hot_rows) {
  const Matrix encoded = nn::one_hot(Matrix{{2.0}, {0.0}, {1.0}}, 3);
  const Matrix expected{{0.0, 0.0, 1.0}, {1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}};
  BOOST_TEST(encoded == expected);
}

BOOST_AUTO_TEST_CASE(one_hot_rejects_bad_indices) {
  const std::string fraction = error_message([] { nn::one_hot(Matrix{{0.0}, {1.5}}, 3); });
  BOOST_TEST(contains(fraction, "row 1"), fraction);
  BOOST_TEST(contains(fraction, "1.5"), fraction);
  BOOST_TEST(contains(fraction, "not an integer"), fraction);

  const std::string too_large = error_message([] { nn::one_hot(Matrix{{3.0}}, 3); });
  BOOST_TEST(contains(too_large, "row 0"), too_large);
  BOOST_TEST(contains(too_large, "3"), too_large);
  BOOST_TEST(contains(too_large, "[0, 3)"), too_large);

  const std::string negative = error_message([] { nn::one_hot(Matrix{{1.0}, {-1.0}}, 3); });
  BOOST_TEST(contains(negative, "row 1"), negative);
  BOOST_TEST(contains(negative, "-1"), negative);

  const std::string columns = error_message([] { nn::one_hot(Matrix{{0.0, 1.0}}, 3); });
  BOOST_TEST(contains(columns, "[1, 2]"), columns);

  const std::string no_classes = error_message([] { nn::one_hot(Matrix{{0.0}}, 0); });
  BOOST_TEST(contains(no_classes, "class_count"), no_classes);
}

// --- weights -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(weighted_mean_value) {
  // Per-sample MSE (one column): (1 - 0)^2 = 1 and (2 - 5)^2 = 9. Weights
  // (1, 3) give (1 * 1 + 3 * 9) / (1 + 3) = 7.
  Tape tape;
  const Variable p = tape.variable(Matrix{{1.0}, {2.0}});
  const Matrix weights{{1.0}, {3.0}};
  const Variable loss = nn::mean_squared_error(p, Matrix{{0.0}, {5.0}}, &weights);
  BOOST_TEST(loss.value()(0, 0) == 7.0, tt::tolerance(test_tolerance::exact_fraction));

  // dl/dp_i = w_i 2 (p_i - t_i) / sum w = (2 / 4, 3 * -6 / 4).
  tape.backward(loss, {p});
  BOOST_TEST(p.gradient()(0, 0) == 0.5, tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(p.gradient()(1, 0) == -4.5, tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(weighted_mean_of_every_loss) {
  // Each loss on the batch with weights (1, 3) equals (l_0 + 3 l_1) / 4, with
  // l_i the loss of row i alone.
  const Matrix weights{{1.0}, {3.0}};
  Tape tape;

  const Variable p = tape.variable(Matrix{{0.3}, {0.9}});
  const Variable p0 = tape.variable(Matrix{{0.3}});
  const Variable p1 = tape.variable(Matrix{{0.9}});
  BOOST_TEST(nn::binary_cross_entropy(p, Matrix{{1.0}, {0.0}}, &weights).value()(0, 0) ==
                 (nn::binary_cross_entropy(p0, Matrix{{1.0}}).value()(0, 0) +
                  3.0 * nn::binary_cross_entropy(p1, Matrix{{0.0}}).value()(0, 0)) /
                     4.0,
             tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(
      nn::binary_cross_entropy_with_logits(p, Matrix{{1.0}, {0.0}}, &weights).value()(0, 0) ==
          (nn::binary_cross_entropy_with_logits(p0, Matrix{{1.0}}).value()(0, 0) +
           3.0 * nn::binary_cross_entropy_with_logits(p1, Matrix{{0.0}}).value()(0, 0)) /
              4.0,
      tt::tolerance(test_tolerance::exact_fraction));

  const Variable x = tape.variable(Matrix{{0.1, 0.5}, {-1.0, 2.0}});
  const Variable x0 = tape.variable(Matrix{{0.1, 0.5}});
  const Variable x1 = tape.variable(Matrix{{-1.0, 2.0}});
  const Matrix t{{1.0, 0.0}, {0.0, 1.0}};
  BOOST_TEST(nn::categorical_cross_entropy(x, t, &weights).value()(0, 0) ==
                 (nn::categorical_cross_entropy(x0, Matrix{{1.0, 0.0}}).value()(0, 0) +
                  3.0 * nn::categorical_cross_entropy(x1, Matrix{{0.0, 1.0}}).value()(0, 0)) /
                     4.0,
             tt::tolerance(test_tolerance::exact_fraction));
  BOOST_TEST(nn::mean_squared_error(x, t, &weights).value()(0, 0) ==
                 (nn::mean_squared_error(x0, Matrix{{1.0, 0.0}}).value()(0, 0) +
                  3.0 * nn::mean_squared_error(x1, Matrix{{0.0, 1.0}}).value()(0, 0)) /
                     4.0,
             tt::tolerance(test_tolerance::exact_fraction));

  const Variable s = tape.variable(Matrix{{0.2, -0.1}, {0.0, 0.3}});
  const Variable s0 = tape.variable(Matrix{{0.2, -0.1}});
  const Variable s1 = tape.variable(Matrix{{0.0, 0.3}});
  const Variable a = tape.variable(Matrix{{0.0, 1.0}, {0.5, 0.5}});
  const Variable a0 = tape.variable(Matrix{{0.0, 1.0}});
  const Variable a1 = tape.variable(Matrix{{0.5, 0.5}});
  BOOST_TEST(nn::gaussian_mixture_nll(x, s, a, Matrix{{0.4}, {1.0}}, &weights).value()(0, 0) ==
                 (nn::gaussian_mixture_nll(x0, s0, a0, Matrix{{0.4}}).value()(0, 0) +
                  3.0 * nn::gaussian_mixture_nll(x1, s1, a1, Matrix{{1.0}}).value()(0, 0)) /
                     4.0,
             tt::tolerance(test_tolerance::exact_fraction));
}

// Weights of the smallest subnormal sum to a total whose reciprocal
// overflows in double. Their weighted mean is the plain mean all the same.
BOOST_AUTO_TEST_CASE(subnormal_weights_give_plain_mean) {
  const autodiff::Scalar tiny = std::numeric_limits<autodiff::Scalar>::denorm_min();
  const Matrix weights{{tiny}, {tiny}};
  const Matrix targets{{1.0}, {0.0}};
  Tape tape;
  const Variable x = tape.variable(Matrix{{0.5}, {-2.0}});

  const double weighted = nn::binary_cross_entropy_with_logits(x, targets, &weights).value()(0, 0);
  const double plain = nn::binary_cross_entropy_with_logits(x, targets).value()(0, 0);
  BOOST_TEST(std::isfinite(weighted));
  BOOST_TEST(weighted == plain, tt::tolerance(test_tolerance::exact_fraction));
}

// A total above 2^1022 has a subnormal reciprocal, which would cost the
// coefficients bits. One row of the largest weight has coefficient 1.
BOOST_AUTO_TEST_CASE(huge_weight_gives_plain_mean) {
  const Matrix weights{{std::numeric_limits<autodiff::Scalar>::max()}};
  const Matrix targets{{1.0}};
  Tape tape;
  const Variable x = tape.variable(Matrix{{0.5}});

  const double weighted = nn::binary_cross_entropy_with_logits(x, targets, &weights).value()(0, 0);
  const double plain = nn::binary_cross_entropy_with_logits(x, targets).value()(0, 0);
  BOOST_TEST(weighted == plain);
}

BOOST_AUTO_TEST_CASE(zero_weight_removes_sample) {
  // Row 1 has weight 0 and an extreme logit: the loss equals the weighted
  // loss of rows 0 and 2 alone, and row 1 gets no gradient.
  const Matrix weights{{1.0}, {0.0}, {2.0}};
  const Matrix kept_weights{{1.0}, {2.0}};
  Tape tape;
  const Variable x = tape.variable(Matrix{{0.5}, {-1000.0}, {2.0}});
  const Variable kept = tape.variable(Matrix{{0.5}, {2.0}});
  const Variable loss =
      nn::binary_cross_entropy_with_logits(x, Matrix{{1.0}, {1.0}, {0.0}}, &weights);
  const Variable kept_loss =
      nn::binary_cross_entropy_with_logits(kept, Matrix{{1.0}, {0.0}}, &kept_weights);
  BOOST_TEST(loss.value()(0, 0) == kept_loss.value()(0, 0),
             tt::tolerance(test_tolerance::exact_fraction));

  tape.backward(loss, {x});
  BOOST_TEST(x.gradient()(1, 0) == 0.0);
}

BOOST_AUTO_TEST_CASE(weights_rejected) {
  Tape tape;
  const Variable p = tape.variable(Matrix{{1.0}, {2.0}});
  const Matrix targets{{0.0}, {0.0}};

  const Matrix negative{{1.0}, {-0.5}};
  const std::string negative_message =
      error_message([&] { nn::mean_squared_error(p, targets, &negative); });
  BOOST_TEST(contains(negative_message, "mean_squared_error"), negative_message);
  BOOST_TEST(contains(negative_message, "row 1"), negative_message);
  BOOST_TEST(contains(negative_message, "-0.5"), negative_message);

  const Matrix not_a_number{{std::numeric_limits<double>::quiet_NaN()}, {1.0}};
  const std::string nan_message =
      error_message([&] { nn::mean_squared_error(p, targets, &not_a_number); });
  BOOST_TEST(contains(nan_message, "row 0"), nan_message);

  const Matrix infinite{{1.0}, {std::numeric_limits<double>::infinity()}};
  const std::string infinite_message =
      error_message([&] { nn::mean_squared_error(p, targets, &infinite); });
  BOOST_TEST(contains(infinite_message, "row 1"), infinite_message);
  BOOST_TEST(contains(infinite_message, "inf"), infinite_message);

  const Matrix zeros{{0.0}, {0.0}};
  const std::string zero_message =
      error_message([&] { nn::mean_squared_error(p, targets, &zeros); });
  BOOST_TEST(contains(zero_message, "sum to zero"), zero_message);
}

BOOST_AUTO_TEST_CASE(empty_batch_rejected) {
  Tape tape;
  const Variable empty = tape.variable(Matrix(autodiff::Shape{0, 1}));
  const std::string message = error_message([&] {
    nn::mean_squared_error(empty, Matrix(autodiff::Shape{0, 1}));
  });
  BOOST_TEST(contains(message, "mean_squared_error"), message);
  BOOST_TEST(contains(message, "no samples: got [0, 1]"), message);
}

// --- shape errors ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(shape_errors_name_loss_and_shapes) {
  Tape tape;
  const Variable column = tape.variable(Matrix(autodiff::Shape{3, 1}, 0.5));
  const Variable wide = tape.variable(Matrix(autodiff::Shape{3, 2}, 0.5));
  const Variable other = tape.variable(Matrix(autodiff::Shape{3, 3}, 0.5));
  const Variable head = tape.variable(Matrix(autodiff::Shape{3, 6}, 0.5));
  const Matrix two_rows(autodiff::Shape{2, 1}, 0.0);
  const Matrix column_targets(autodiff::Shape{3, 1}, 0.0);
  const Matrix wide_targets(autodiff::Shape{3, 2}, 0.0);
  const Matrix wide_targets_two_rows(autodiff::Shape{2, 2}, 0.0);
  const Matrix bad_weights(autodiff::Shape{3, 2}, 1.0);

  struct Case {
    std::string loss;
    std::string first_shape;
    std::string second_shape;
    std::function<void()> call;
  };
  const std::vector<Case> cases{
      {"binary_cross_entropy", "[3, 1]", "[2, 1]",
       [&] { nn::binary_cross_entropy(column, two_rows); }},
      {"binary_cross_entropy", "[3, 2]", "[3, 2]",
       [&] { nn::binary_cross_entropy(wide, wide_targets); }},
      {"binary_cross_entropy", "[3, 1]", "[3, 2]",
       [&] { nn::binary_cross_entropy(column, column_targets, &bad_weights); }},
      {"binary_cross_entropy_with_logits", "[3, 1]", "[2, 1]",
       [&] { nn::binary_cross_entropy_with_logits(column, two_rows); }},
      {"binary_cross_entropy_with_logits", "[3, 1]", "[3, 2]",
       [&] { nn::binary_cross_entropy_with_logits(column, column_targets, &bad_weights); }},
      {"categorical_cross_entropy", "[3, 2]", "[2, 2]",
       [&] { nn::categorical_cross_entropy(wide, wide_targets_two_rows); }},
      {"categorical_cross_entropy", "[3, 2]", "[3, 1]",
       [&] { nn::categorical_cross_entropy(wide, column_targets); }},
      {"categorical_cross_entropy", "[3, 2]", "[3, 2]",
       [&] { nn::categorical_cross_entropy(wide, wide_targets, &bad_weights); }},
      {"mean_squared_error", "[3, 2]", "[2, 2]",
       [&] { nn::mean_squared_error(wide, wide_targets_two_rows); }},
      {"mean_squared_error", "[3, 1]", "[3, 2]",
       [&] { nn::mean_squared_error(column, wide_targets); }},
      {"mean_squared_error", "[3, 2]", "[3, 2]",
       [&] { nn::mean_squared_error(wide, wide_targets, &bad_weights); }},
      {"gaussian_mixture_nll", "[3, 2]", "[3, 3]",
       [&] { nn::gaussian_mixture_nll(wide, other, wide, column_targets); }},
      {"gaussian_mixture_nll", "[3, 2]", "[3, 3]",
       [&] { nn::gaussian_mixture_nll(wide, wide, other, column_targets); }},
      {"gaussian_mixture_nll", "[3, 2]", "[2, 1]",
       [&] { nn::gaussian_mixture_nll(wide, wide, wide, two_rows); }},
      {"gaussian_mixture_nll", "[3, 2]", "[3, 2]",
       [&] { nn::gaussian_mixture_nll(wide, wide, wide, wide_targets); }},
      {"gaussian_mixture_nll", "[3, 2]", "[3, 2]",
       [&] { nn::gaussian_mixture_nll(wide, wide, wide, column_targets, &bad_weights); }},
      {"gaussian_mixture_nll", "[3, 6]", "[2, 1]", [&] { nn::gaussian_mixture_nll(head, two_rows); }},
      {"gaussian_mixture_nll", "[3, 6]", "[3, 2]",
       [&] { nn::gaussian_mixture_nll(head, column_targets, &bad_weights); }},
  };

  for (const Case& shape_case : cases) {
    const std::string message = error_message(shape_case.call);
    BOOST_TEST(contains(message, shape_case.loss + ":"), message);
    BOOST_TEST(
        contains(message, "got " + shape_case.first_shape + " and " + shape_case.second_shape),
        message);
  }
}

BOOST_AUTO_TEST_SUITE_END()
