#define BOOST_TEST_MODULE autodiff_fused
#include <boost/test/unit_test.hpp>

#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "autodiff/gradient_check.hpp"
#include "autodiff/ops/arithmetic.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/fused.hpp"
#include "autodiff/ops/linalg.hpp"
#include "autodiff/ops/reductions.hpp"
#include "tolerances.hpp"

namespace tt = boost::test_tools;
using autodiff::Matrix;
using autodiff::Shape;
using autodiff::Tape;
using autodiff::Variable;

namespace {

Matrix random_matrix(const Shape& shape, unsigned seed) {
  std::mt19937_64 generator(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  Matrix result(shape);
  for (auto& element : result) {
    element = uniform(generator);
  }
  return result;
}

autodiff::GradientCheckOptions check_options() {
  autodiff::GradientCheckOptions options;
  options.absolute_tolerance = test_tolerance::gradient_absolute;
  options.relative_tolerance = test_tolerance::gradient_relative;
  return options;
}

void check_passes(const autodiff::GradientCheckResult& result) {
  BOOST_TEST(result.passed, result.first_failure);
}

template <typename Function>
std::string error_message(Function function) {
  try {
    function();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "";
}

}  // namespace

// Expected values by hand: x = [[1, 2], [3, 4]], W = [[1, 0, -1], [2, 1, 0]],
// b = [0.5, -0.5, 1]: x W = [[5, 2, -1], [11, 4, -3]], plus b in every row.
BOOST_AUTO_TEST_CASE(affine_forward) {
  Tape tape;
  const Variable x = tape.variable(Matrix{{1.0, 2.0}, {3.0, 4.0}});
  const Variable w = tape.variable(Matrix{{1.0, 0.0, -1.0}, {2.0, 1.0, 0.0}});
  const Variable b = tape.variable(Matrix{{0.5, -0.5, 1.0}});

  const Matrix expected{{5.5, 1.5, 0.0}, {11.5, 3.5, -2.0}};
  const Matrix& actual = autodiff::affine(x, w, b).value();

  BOOST_TEST_REQUIRE(autodiff::shape_of(actual) == (Shape{2, 3}));
  for (std::size_t i = 0; i < 2; ++i) {
    for (std::size_t j = 0; j < 3; ++j) {
      BOOST_TEST(actual(i, j) == expected(i, j), tt::tolerance(test_tolerance::exact_fraction));
    }
  }
}

// Inner sizes 1 and 2 take the rank-1 update loops, 7 and 20 OpenBLAS.
BOOST_AUTO_TEST_CASE(affine_gradient) {
  const auto affine_of_inputs = [](Tape&, std::span<const Variable> in) {
    return autodiff::affine(in[0], in[1], in[2]);
  };
  for (const std::size_t inner : {1u, 2u, 7u, 20u}) {
    BOOST_TEST_CONTEXT("inner size " << inner) {
      const std::vector<Matrix> inputs{random_matrix({5, inner}, 1), random_matrix({inner, 3}, 2),
                                       random_matrix({1, 3}, 3)};
      check_passes(autodiff::check_gradient(affine_of_inputs, inputs, check_options()));
    }
  }
}

BOOST_AUTO_TEST_CASE(affine_gradient_accumulates) {
  // x feeds the product and a second branch, so its gradient array receives
  // the affine op's share on top of an existing one (dgemm with beta = 1),
  // and W feeds two affine ops.
  const auto two_uses = [](Tape&, std::span<const Variable> in) {
    const Variable hidden = autodiff::tanh(autodiff::affine(in[0], in[1], in[2]));
    return autodiff::affine(hidden, in[3], in[4]) + autodiff::sum(in[0] * in[0]) +
           autodiff::sum(autodiff::affine(in[0], in[1], in[2]));
  };
  for (const std::size_t inner : {2u, 6u}) {
    BOOST_TEST_CONTEXT("inner size " << inner) {
      const std::vector<Matrix> inputs{random_matrix({4, inner}, 4), random_matrix({inner, 5}, 5),
                                       random_matrix({1, 5}, 6), random_matrix({5, 2}, 7),
                                       random_matrix({1, 2}, 8)};
      check_passes(autodiff::check_gradient(two_uses, inputs, check_options()));
    }
  }
}

BOOST_AUTO_TEST_CASE(affine_matches_matmul_plus_bias) {
  Tape tape;
  const Variable x = tape.variable(random_matrix({6, 4}, 9));
  const Variable w = tape.variable(random_matrix({4, 3}, 10));
  const Variable b = tape.variable(random_matrix({1, 3}, 11));

  const Matrix fused = autodiff::affine(x, w, b).value();
  const Matrix separate = (autodiff::matmul(x, w) + b).value();

  for (std::size_t k = 0; k < fused.size(); ++k) {
    BOOST_TEST(fused.data()[k] == separate.data()[k],
               tt::tolerance(test_tolerance::reordered_sum_absolute));
  }
}

BOOST_AUTO_TEST_CASE(affine_empty_batch) {
  Tape tape;
  const Variable x = tape.variable(Matrix(Shape{0, 2}));
  const Variable w = tape.variable(random_matrix({2, 3}, 12));
  const Variable b = tape.variable(random_matrix({1, 3}, 13));

  const Variable y = autodiff::affine(x, w, b);
  BOOST_TEST((y.shape() == Shape{0, 3}));

  // The sum over no rows is 0, so every weight and bias gradient is 0.
  tape.backward(autodiff::sum(y), {w, b});
  for (const double g : w.gradient()) {
    BOOST_TEST(g == 0.0);
  }
  for (const double g : b.gradient()) {
    BOOST_TEST(g == 0.0);
  }
}

BOOST_AUTO_TEST_CASE(affine_rejects_inner_mismatch) {
  Tape tape;
  const Variable x = tape.variable(random_matrix({2, 3}, 14));
  const Variable w = tape.variable(random_matrix({4, 5}, 15));
  const Variable b = tape.variable(random_matrix({1, 5}, 16));

  const std::string message = error_message([&] { autodiff::affine(x, w, b); });
  BOOST_TEST(message.find("affine") != std::string::npos, message);
  BOOST_TEST(message.find("[2, 3]") != std::string::npos, message);
  BOOST_TEST(message.find("[4, 5]") != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(affine_rejects_bias_shape) {
  Tape tape;
  const Variable x = tape.variable(random_matrix({2, 3}, 17));
  const Variable w = tape.variable(random_matrix({3, 5}, 18));

  for (const Shape bias_shape : {Shape{1, 4}, Shape{2, 5}, Shape{5, 1}}) {
    const Variable b = tape.variable(random_matrix(bias_shape, 19));
    const std::string message = error_message([&] { autodiff::affine(x, w, b); });
    BOOST_TEST(message.find("affine") != std::string::npos, message);
    BOOST_TEST(message.find("[3, 5]") != std::string::npos, message);
    BOOST_TEST(message.find(autodiff::to_string(bias_shape)) != std::string::npos, message);
  }
}

// --- affine_relu and affine_tanh ------------------------------------------------

// Inner sizes 1 and 2 take the rank-1 update loops, 7 OpenBLAS. The seeds
// keep every relu input of these small matrices away from its kink at 0.
BOOST_AUTO_TEST_CASE(affine_activation_gradients) {
  const auto relu_of_inputs = [](Tape&, std::span<const Variable> in) {
    return autodiff::affine_relu(in[0], in[1], in[2]);
  };
  const auto tanh_of_inputs = [](Tape&, std::span<const Variable> in) {
    return autodiff::affine_tanh(in[0], in[1], in[2]);
  };
  for (const std::size_t inner : {1u, 2u, 7u}) {
    BOOST_TEST_CONTEXT("inner size " << inner) {
      const std::vector<Matrix> inputs{random_matrix({5, inner}, 20), random_matrix({inner, 4}, 21),
                                       random_matrix({1, 4}, 22)};
      check_passes(autodiff::check_gradient(relu_of_inputs, inputs, check_options()));
      check_passes(autodiff::check_gradient(tanh_of_inputs, inputs, check_options()));
    }
  }
}

// A fused op's gradient adds to a partial gradient when x and W also feed
// other ops.
BOOST_AUTO_TEST_CASE(affine_activation_gradients_accumulate) {
  const auto two_uses = [](Tape&, std::span<const Variable> in) {
    const Variable hidden = autodiff::affine_tanh(in[0], in[1], in[2]);
    const Variable output = autodiff::affine_relu(hidden, in[3], in[4]);
    return autodiff::sum(output * output) + autodiff::sum(in[0] * in[0]) +
           autodiff::sum(autodiff::affine_relu(in[0], in[1], in[2]));
  };
  const std::vector<Matrix> inputs{random_matrix({4, 3}, 23), random_matrix({3, 5}, 24),
                                   random_matrix({1, 5}, 25), random_matrix({5, 2}, 26),
                                   random_matrix({1, 2}, 27)};
  check_passes(autodiff::check_gradient(two_uses, inputs, check_options()));
}

// The fused ops do the same arithmetic as the separate ones, so values and
// gradients agree to the last bit.
BOOST_AUTO_TEST_CASE(affine_activation_matches_separate_ops) {
  const Matrix x_value = random_matrix({6, 4}, 28);
  const Matrix w_value = random_matrix({4, 3}, 29);
  const Matrix b_value = random_matrix({1, 3}, 30);
  const Matrix upstream = random_matrix({6, 3}, 31);

  for (const bool use_relu : {true, false}) {
    BOOST_TEST_CONTEXT((use_relu ? "relu" : "tanh")) {
      Tape fused_tape;
      const Variable x = fused_tape.variable(x_value);
      const Variable w = fused_tape.variable(w_value);
      const Variable b = fused_tape.variable(b_value);
      const Variable fused =
          use_relu ? autodiff::affine_relu(x, w, b) : autodiff::affine_tanh(x, w, b);
      fused_tape.backward(autodiff::sum(fused * fused_tape.constant(upstream)), {x, w, b});

      Tape separate_tape;
      const Variable x2 = separate_tape.variable(x_value);
      const Variable w2 = separate_tape.variable(w_value);
      const Variable b2 = separate_tape.variable(b_value);
      const Variable pre = autodiff::affine(x2, w2, b2);
      const Variable separate = use_relu ? autodiff::relu(pre) : autodiff::tanh(pre);
      separate_tape.backward(autodiff::sum(separate * separate_tape.constant(upstream)), {x2, w2, b2});

      BOOST_TEST(fused.value() == separate.value(), tt::per_element());
      BOOST_TEST(x.gradient() == x2.gradient(), tt::per_element());
      BOOST_TEST(w.gradient() == w2.gradient(), tt::per_element());
      BOOST_TEST(b.gradient() == b2.gradient(), tt::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(affine_activation_rejects_shapes) {
  Tape tape;
  const Variable x = tape.variable(random_matrix({2, 3}, 32));
  const Variable w = tape.variable(random_matrix({4, 5}, 33));
  const Variable b = tape.variable(random_matrix({1, 5}, 34));

  const std::string relu_message = error_message([&] { autodiff::affine_relu(x, w, b); });
  BOOST_TEST(relu_message.find("affine_relu") != std::string::npos, relu_message);
  BOOST_TEST(relu_message.find("[2, 3]") != std::string::npos, relu_message);
  BOOST_TEST(relu_message.find("[4, 5]") != std::string::npos, relu_message);

  const Variable w_fitting = tape.variable(random_matrix({3, 5}, 35));
  const Variable b_wrong = tape.variable(random_matrix({1, 4}, 36));
  const std::string tanh_message =
      error_message([&] { autodiff::affine_tanh(x, w_fitting, b_wrong); });
  BOOST_TEST(tanh_message.find("affine_tanh") != std::string::npos, tanh_message);
  BOOST_TEST(tanh_message.find("[1, 4]") != std::string::npos, tanh_message);
}

BOOST_AUTO_TEST_CASE(affine_activation_empty_batch) {
  Tape tape;
  const Variable x = tape.variable(Matrix(Shape{0, 2}));
  const Variable w = tape.variable(random_matrix({2, 3}, 37));
  const Variable b = tape.variable(random_matrix({1, 3}, 38));

  for (const bool use_relu : {true, false}) {
    const Variable y = use_relu ? autodiff::affine_relu(x, w, b) : autodiff::affine_tanh(x, w, b);
    BOOST_TEST((y.shape() == Shape{0, 3}));
    tape.backward(autodiff::sum(y), {w, b});
    for (const double g : w.gradient()) {
      BOOST_TEST(g == 0.0);
    }
    for (const double g : b.gradient()) {
      BOOST_TEST(g == 0.0);
    }
  }
}

// Weights of zero columns give an empty output for any batch.
BOOST_AUTO_TEST_CASE(affine_zero_outputs) {
  Tape tape;
  const Variable x = tape.variable(random_matrix({3, 2}, 39));
  const Variable w = tape.variable(Matrix(Shape{2, 0}));
  const Variable b = tape.variable(Matrix(Shape{1, 0}));

  BOOST_TEST((autodiff::affine(x, w, b).shape() == Shape{3, 0}));
  BOOST_TEST((autodiff::affine_relu(x, w, b).shape() == Shape{3, 0}));
}
