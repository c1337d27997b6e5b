#define BOOST_TEST_MODULE autodiff_linalg
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

#include <xtensor/xmanipulation.hpp>

#include "autodiff/gradient_check.hpp"
#include "autodiff/ops/arithmetic.hpp"
#include "autodiff/ops/linalg.hpp"
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

// Compares a BLAS product with the naive loop, which sums in another order.
void check_product(const Matrix& actual, const Matrix& expected) {
  BOOST_TEST_REQUIRE(actual.shape(0) == expected.shape(0));
  BOOST_TEST_REQUIRE(actual.shape(1) == expected.shape(1));
  for (std::size_t i = 0; i < expected.shape(0); ++i) {
    for (std::size_t j = 0; j < expected.shape(1); ++j) {
      BOOST_TEST(std::abs(actual(i, j) - expected(i, j)) <= test_tolerance::reordered_sum_absolute,
                 "element [" << i << ", " << j << "]: got " << actual(i, j) << ", expected "
                             << expected(i, j));
    }
  }
}

// The textbook triple loop: result_ij = sum_k a_ik b_kj.
Matrix naive_product(const Matrix& a, const Matrix& b) {
  Matrix result = xt::zeros<double>({a.shape(0), b.shape(1)});
  for (std::size_t i = 0; i < a.shape(0); ++i) {
    for (std::size_t j = 0; j < b.shape(1); ++j) {
      for (std::size_t k = 0; k < a.shape(1); ++k) {
        result(i, j) += a(i, k) * b(k, j);
      }
    }
  }
  return result;
}

Matrix transposed(const Matrix& a) {
  return xt::transpose(a);
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

// [n, k] · [k, m] shapes, including vectors, an outer product and scalars.
const std::array<std::pair<Shape, Shape>, 6> product_shapes{{{{3, 4}, {4, 5}},
                                                             {{1, 4}, {4, 1}},
                                                             {{5, 1}, {1, 3}},
                                                             {{1, 1}, {1, 1}},
                                                             {{2, 7}, {7, 1}},
                                                             {{1, 3}, {3, 6}}}};

}  // namespace

BOOST_AUTO_TEST_SUITE(linalg)

BOOST_AUTO_TEST_CASE(matmul_forward) {
  Tape tape;
  const Variable a = tape.constant({{1.0, 2.0}, {3.0, 4.0}});
  const Variable b = tape.constant({{5.0, 6.0}, {7.0, 8.0}});

  // Hand products: 1*5 + 2*7 = 19, 1*6 + 2*8 = 22, 3*5 + 4*7 = 43, 3*6 + 4*8 = 50.
  check_matrix(matmul(a, b).value(), {{19.0, 22.0}, {43.0, 50.0}});
}

BOOST_AUTO_TEST_CASE(matmul_matches_naive_product) {
  unsigned seed = 41;
  for (const auto& [a_shape, b_shape] : product_shapes) {
    BOOST_TEST_CONTEXT(autodiff::to_string(a_shape) << " · " << autodiff::to_string(b_shape)) {
      const Matrix a = random_matrix(a_shape, -1.0, 1.0, seed++);
      const Matrix b = random_matrix(b_shape, -1.0, 1.0, seed++);
      Tape tape;

      const Variable product = matmul(tape.constant(a), tape.constant(b));

      check_product(product.value(), naive_product(a, b));
    }
  }
}

BOOST_AUTO_TEST_CASE(gemm_transpose_flags) {
  const Matrix a = random_matrix({3, 4}, -1.0, 1.0, 51);
  const Matrix b = random_matrix({4, 2}, -1.0, 1.0, 52);
  const Matrix a_t = transposed(a);  // [4, 3]
  const Matrix b_t = transposed(b);  // [2, 4]
  const Matrix expected = naive_product(a, b);  // [3, 2]

  check_product(autodiff::gemm(a, b), expected);
  check_product(autodiff::gemm(a_t, b, true, false), expected);
  check_product(autodiff::gemm(a, b_t, false, true), expected);
  check_product(autodiff::gemm(a_t, b_t, true, true), expected);
}

BOOST_AUTO_TEST_CASE(gemm_into_beta) {
  const Matrix a = random_matrix({3, 4}, -1.0, 1.0, 53);
  const Matrix b = random_matrix({4, 2}, -1.0, 1.0, 54);
  const Matrix product = naive_product(a, b);  // [3, 2]
  const Matrix start = random_matrix({3, 2}, -1.0, 1.0, 55);

  // beta = 0 overwrites the old contents, which may be NaN (linalg.hpp).
  Matrix overwritten(Shape{3, 2});
  overwritten.fill(std::numeric_limits<double>::quiet_NaN());
  autodiff::gemm_into(a, b, overwritten, false, false, 0.0);
  check_product(overwritten, product);

  Matrix added = start;
  autodiff::gemm_into(a, b, added, false, false, 1.0);
  check_product(added, product + start);

  Matrix scaled = start;
  autodiff::gemm_into(a, b, scaled, false, false, 0.5);
  check_product(scaled, product + 0.5 * start);
}

// Products with an inner size of 1 or 2 take the rank-1 update loop, and
// aᵀ · b with a of 1 or 2 columns one gemv per column. Both honour beta.
BOOST_AUTO_TEST_CASE(gemm_into_small_paths_beta) {
  for (const std::size_t small : {1u, 2u}) {
    BOOST_TEST_CONTEXT("inner size or transposed rows " << small) {
      const Matrix a = random_matrix({5, small}, -1.0, 1.0, 58);
      const Matrix b = random_matrix({small, 3}, -1.0, 1.0, 59);
      const Matrix c = random_matrix({5, 3}, -1.0, 1.0, 60);
      const Matrix start = random_matrix({5, 3}, -1.0, 1.0, 61);
      const Matrix start_t = random_matrix({small, 3}, -1.0, 1.0, 62);

      for (const double beta : {0.0, 1.0, 0.5}) {
        BOOST_TEST_CONTEXT("beta " << beta) {
          Matrix forward = start;
          Matrix transposed_product = start_t;
          if (beta == 0.0) {
            forward.fill(std::numeric_limits<double>::quiet_NaN());
            transposed_product.fill(std::numeric_limits<double>::quiet_NaN());
          }

          autodiff::gemm_into(a, b, forward, false, false, beta);
          autodiff::gemm_into(a, c, transposed_product, true, false, beta);

          const double kept = beta == 0.0 ? 0.0 : beta;
          check_product(forward, naive_product(a, b) + kept * start);
          check_product(transposed_product, naive_product(transposed(a), c) + kept * start_t);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(gemm_into_transpose_flags) {
  const Matrix a = random_matrix({3, 4}, -1.0, 1.0, 56);
  const Matrix b = random_matrix({4, 2}, -1.0, 1.0, 57);
  const Matrix a_t = transposed(a);  // [4, 3]
  const Matrix b_t = transposed(b);  // [2, 4]
  const Matrix expected = naive_product(a, b);  // [3, 2]

  for (const bool transpose_a : {false, true}) {
    for (const bool transpose_b : {false, true}) {
      BOOST_TEST_CONTEXT("transpose_a " << transpose_a << ", transpose_b " << transpose_b) {
        Matrix result = xt::zeros<double>({3, 2});

        autodiff::gemm_into(transpose_a ? a_t : a, transpose_b ? b_t : b, result, transpose_a,
                            transpose_b, 0.0);

        check_product(result, expected);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(gemm_into_empty_inner_dimension) {
  const Matrix a(Shape{3, 0});
  const Matrix b(Shape{0, 2});
  const Matrix start{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}};

  // The product is zero, so only beta * result is left.
  Matrix overwritten(Shape{3, 2});
  overwritten.fill(std::numeric_limits<double>::quiet_NaN());
  autodiff::gemm_into(a, b, overwritten, false, false, 0.0);
  check_matrix(overwritten, xt::zeros<double>({3, 2}));

  Matrix scaled = start;
  autodiff::gemm_into(a, b, scaled, false, false, 2.0);
  check_matrix(scaled, 2.0 * start);
}

BOOST_AUTO_TEST_CASE(gemm_into_rejects_bad_shapes) {
  const Matrix a = xt::ones<double>({3, 2});
  const Matrix b = xt::ones<double>({4, 2});
  Matrix result = xt::zeros<double>({3, 2});

  // Inner sizes 2 and 4 differ.
  check_contains(
      invalid_argument_message([&] { autodiff::gemm_into(a, b, result, false, false, 0.0); }),
      {"gemm_into", "[3, 2]", "[4, 2]"});

  // a · bᵀ is [3, 4], which does not fit a [3, 2] result.
  check_contains(
      invalid_argument_message([&] { autodiff::gemm_into(a, b, result, false, true, 0.0); }),
      {"gemm_into", "[3, 4]", "[3, 2]"});
}

BOOST_AUTO_TEST_CASE(matmul_gradient) {
  unsigned seed = 61;
  for (const auto& [a_shape, b_shape] : product_shapes) {
    BOOST_TEST_CONTEXT(autodiff::to_string(a_shape) << " · " << autodiff::to_string(b_shape)) {
      const Matrix a = random_matrix(a_shape, -1.0, 1.0, seed++);
      const Matrix b = random_matrix(b_shape, -1.0, 1.0, seed++);

      check_op_gradient(
          [](Tape&, std::span<const Variable> inputs) { return matmul(inputs[0], inputs[1]); },
          {a, b});
    }
  }
}

BOOST_AUTO_TEST_CASE(matmul_gradient_formula) {
  Tape tape;
  const Variable a = tape.variable({{1.0, 2.0}, {3.0, 4.0}});
  const Variable b = tape.variable({{5.0, 6.0}, {7.0, 8.0}});

  // L = sum(a · b): every row of dL/da = 1 · bᵀ contains the row sums of b,
  // and every column of dL/db = aᵀ · 1 contains the column sums of a.
  tape.backward(sum(matmul(a, b)), {a, b});

  check_matrix(a.gradient(), {{11.0, 15.0}, {11.0, 15.0}});
  check_matrix(b.gradient(), {{4.0, 4.0}, {6.0, 6.0}});
}

// dL/da = w1 · b1ᵀ + w2 · b2ᵀ for L = sum(a · b1 ⊙ w1) + sum(a · b2 ⊙ w2):
// one product's backward writes a's gradient and the other's adds to it.
// Every shape but the last has at most 10⁶ multiply-adds and so takes the
// transposed copy of b, the last (2000 · 24 · 24) the transposed gemm. Sizes
// of 1 and 2 reach gemm_into's gemv and rank-1 paths on the copy.
BOOST_AUTO_TEST_CASE(matmul_input_gradient_both_paths) {
  const std::array<std::pair<Shape, Shape>, 6> shapes{{{{16, 9}, {9, 13}},
                                                       {{16, 5}, {5, 1}},
                                                       {{16, 5}, {5, 2}},
                                                       {{16, 1}, {1, 7}},
                                                       {{1, 3}, {3, 4}},
                                                       {{2000, 24}, {24, 24}}}};
  unsigned seed = 71;
  for (const auto& [a_shape, b_shape] : shapes) {
    BOOST_TEST_CONTEXT(autodiff::to_string(a_shape) << " · " << autodiff::to_string(b_shape)) {
      const Shape product_shape{a_shape[0], b_shape[1]};
      const Matrix b1_value = random_matrix(b_shape, -1.0, 1.0, seed++);
      const Matrix b2_value = random_matrix(b_shape, -1.0, 1.0, seed++);
      const Matrix w1_value = random_matrix(product_shape, -1.0, 1.0, seed++);
      const Matrix w2_value = random_matrix(product_shape, -1.0, 1.0, seed++);
      Tape tape;
      const Variable a = tape.variable(random_matrix(a_shape, -1.0, 1.0, seed++));
      const Variable b1 = tape.constant(b1_value);
      const Variable b2 = tape.constant(b2_value);

      const Variable loss = sum(matmul(a, b1) * tape.constant(w1_value)) +
                            sum(matmul(a, b2) * tape.constant(w2_value));
      tape.backward(loss, {a});

      const Matrix expected = naive_product(w1_value, transposed(b1_value)) +
                              naive_product(w2_value, transposed(b2_value));
      check_product(a.gradient(), expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(matmul_empty_inner_dimension) {
  Tape tape;
  const Variable a = tape.variable(Matrix(Shape{3, 0}));
  const Variable b = tape.variable(Matrix(Shape{0, 2}));

  // A sum over no terms is 0 in every entry of the [3, 2] product.
  const Variable product = matmul(a, b);
  check_matrix(product.value(), xt::zeros<double>({3, 2}));

  // The gradients have the inputs' empty shapes.
  tape.backward(sum(product), {a, b});
  BOOST_TEST(a.gradient().shape(0) == 3u);
  BOOST_TEST(a.gradient().shape(1) == 0u);
  BOOST_TEST(b.gradient().shape(0) == 0u);
  BOOST_TEST(b.gradient().shape(1) == 2u);
}

BOOST_AUTO_TEST_CASE(matmul_empty_outer_dimension) {
  Tape tape;
  const Variable a = tape.variable(Matrix(Shape{0, 3}));
  const Variable b = tape.variable(random_matrix({3, 2}, -1.0, 1.0, 71));

  const Variable product = matmul(a, b);
  BOOST_TEST(product.shape() == (Shape{0, 2}));

  // No rows of a means no term of L depends on b, so dL/db is zero.
  tape.backward(sum(product), {a, b});
  check_matrix(b.gradient(), xt::zeros<double>({3, 2}));
}

BOOST_AUTO_TEST_CASE(matmul_rejects_inner_mismatch) {
  Tape tape;
  const Variable a = tape.constant(xt::ones<double>({3, 2}));
  const Variable b = tape.constant(xt::ones<double>({4, 2}));

  const std::string message = invalid_argument_message([&] { matmul(a, b); });

  check_contains(message, {"matmul", "[3, 2]", "[4, 2]"});
}

BOOST_AUTO_TEST_CASE(set_blas_threads_rejects_zero) {
  const std::string message = invalid_argument_message([] { autodiff::set_blas_threads(0); });

  check_contains(message, {"set_blas_threads", "got 0"});
}

BOOST_AUTO_TEST_CASE(single_thread_product) {
  const Matrix a = random_matrix({64, 32}, -1.0, 1.0, 111);
  const Matrix b = random_matrix({32, 48}, -1.0, 1.0, 112);

  autodiff::set_blas_threads(1);

  check_product(autodiff::gemm(a, b), naive_product(a, b));
}

BOOST_AUTO_TEST_SUITE_END()
