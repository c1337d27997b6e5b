#define BOOST_TEST_MODULE nn_standardizer
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "nn/data/dataset.hpp"
#include "nn/data/split.hpp"
#include "nn/data/standardizer.hpp"
#include "nn/random.hpp"
#include "tolerances.hpp"

namespace tt = boost::test_tools;
using autodiff::Matrix;

namespace {

// Returns the message of the exception of type Exception that `call`
// throws, or records a failure and returns "" when it throws nothing.
template <typename Exception, typename Call>
std::string exception_message(const Call& call) {
  try {
    call();
  } catch (const Exception& error) {
    return error.what();
  }
  BOOST_ERROR("expected an exception, but nothing was thrown");
  return "";
}

void check_contains(const std::string& message, std::initializer_list<std::string_view> parts) {
  for (std::string_view part : parts) {
    BOOST_TEST(message.find(part) != std::string::npos,
               "message '" << message << "' does not contain '" << part << "'");
  }
}

constexpr double tolerance = test_tolerance::exact_fraction;

}  // namespace

BOOST_AUTO_TEST_SUITE(standardizer)

// Column 0 is 1, 2, 3, 4: mean 2.5, variance (2.25 + 0.25 + 0.25 + 2.25) / 4
// = 1.25. Column 1 is 0, 0, 4, 4: mean 2, variance 4, scale 2 (divisor n).
BOOST_AUTO_TEST_CASE(fit_statistics) {
  const Matrix X{{1.0, 0.0}, {2.0, 0.0}, {3.0, 4.0}, {4.0, 4.0}};
  nn::Standardizer standardizer;

  standardizer.fit(X);

  BOOST_TEST_REQUIRE(standardizer.fitted());
  BOOST_TEST_REQUIRE(standardizer.features() == 2u);
  BOOST_TEST(standardizer.mean()[0] == 2.5, tt::tolerance(tolerance));
  BOOST_TEST(standardizer.mean()[1] == 2.0, tt::tolerance(tolerance));
  BOOST_TEST(standardizer.scale()[0] == std::sqrt(1.25), tt::tolerance(tolerance));
  BOOST_TEST(standardizer.scale()[1] == 2.0, tt::tolerance(tolerance));
}

BOOST_AUTO_TEST_CASE(transform_values) {
  const Matrix X{{1.0, 0.0}, {2.0, 0.0}, {3.0, 4.0}, {4.0, 4.0}};
  nn::Standardizer standardizer;
  standardizer.fit(X);

  const Matrix result = standardizer.transform(Matrix{{4.5, -2.0}});

  // (4.5 - 2.5) / sqrt(1.25) and (-2 - 2) / 2.
  BOOST_TEST_REQUIRE(result.shape(0) == 1u);
  BOOST_TEST(result(0, 0) == 2.0 / std::sqrt(1.25), tt::tolerance(tolerance));
  BOOST_TEST(result(0, 1) == -2.0, tt::tolerance(tolerance));
}

BOOST_AUTO_TEST_CASE(training_data_standardized) {
  const Matrix X{{0.5, 10.0}, {1.5, -3.0}, {-2.0, 7.0}, {4.0, 1.0}, {3.0, 0.0}};
  nn::Standardizer standardizer;
  standardizer.fit(X);

  const Matrix result = standardizer.transform(X);

  for (std::size_t column = 0; column < 2; ++column) {
    double sum = 0.0;
    double sum_of_squares = 0.0;
    for (std::size_t row = 0; row < 5; ++row) {
      sum += result(row, column);
      sum_of_squares += result(row, column) * result(row, column);
    }
    BOOST_TEST_CONTEXT("column " << column) {
      BOOST_TEST(std::abs(sum / 5.0) < 1e-12);
      BOOST_TEST(sum_of_squares / 5.0 == 1.0, tt::tolerance(tolerance));
    }
  }
}

// The mean of three copies of 0.1 rounds to 0.10000000000000002, so only
// taking the value itself as the mean maps the column to exactly 0.
BOOST_AUTO_TEST_CASE(constant_column) {
  const Matrix X{{0.1, 1.0}, {0.1, 2.0}, {0.1, 3.0}};
  nn::Standardizer standardizer;
  standardizer.fit(X);

  const Matrix training = standardizer.transform(X);
  const Matrix other = standardizer.transform(Matrix{{0.6, 2.0}});

  BOOST_TEST(standardizer.scale()[0] == 1.0);
  BOOST_TEST(standardizer.mean()[0] == 0.1);
  for (std::size_t row = 0; row < 3; ++row) {
    BOOST_TEST(training(row, 0) == 0.0);
  }
  BOOST_TEST(other(0, 0) == 0.6 - 0.1);
}

BOOST_AUTO_TEST_CASE(single_row) {
  nn::Standardizer standardizer;

  standardizer.fit(Matrix{{3.0, -1.0}});

  BOOST_TEST(standardizer.scale()[0] == 1.0);
  BOOST_TEST(standardizer.scale()[1] == 1.0);
  BOOST_TEST(standardizer.transform(Matrix{{3.0, -1.0}})(0, 1) == 0.0);
}

// The validation part must be standardized with the training part's mean and
// scale, computed here by hand from the training rows.
BOOST_AUTO_TEST_CASE(validation_uses_training_statistics) {
  const std::size_t n = 40;
  Matrix X(std::array<std::size_t, 2>{n, 1});
  for (std::size_t i = 0; i < n; ++i) {
    X(i, 0) = static_cast<double>(i * i) / 10.0;
  }
  const nn::Dataset data = nn::make_dataset(X, Matrix(std::array<std::size_t, 2>{n, 1}, 0.0),
                                            Matrix(std::array<std::size_t, 2>{n, 1}, 0.0));
  nn::Rng rng(1);
  const auto [training, validation] = nn::split_train_validation(data, 10, rng);

  nn::Standardizer standardizer;
  standardizer.fit(training.X);
  const Matrix result = standardizer.transform(validation.X);

  double mean = 0.0;
  for (std::size_t row = 0; row < training.size(); ++row) {
    mean += training.X(row, 0);
  }
  mean /= static_cast<double>(training.size());
  double variance = 0.0;
  for (std::size_t row = 0; row < training.size(); ++row) {
    variance += (training.X(row, 0) - mean) * (training.X(row, 0) - mean);
  }
  const double scale = std::sqrt(variance / static_cast<double>(training.size()));

  BOOST_TEST(standardizer.mean()[0] == mean, tt::tolerance(tolerance));
  BOOST_TEST(standardizer.scale()[0] == scale, tt::tolerance(tolerance));
  for (std::size_t row = 0; row < validation.size(); ++row) {
    BOOST_TEST(result(row, 0) == (validation.X(row, 0) - mean) / scale, tt::tolerance(tolerance));
  }
}

BOOST_AUTO_TEST_CASE(transform_before_fit) {
  const nn::Standardizer standardizer;

  const std::string message =
      exception_message<std::logic_error>([&] { standardizer.transform(Matrix{{1.0}}); });

  check_contains(message, {"Standardizer::transform", "not fitted", "fit()"});
}

BOOST_AUTO_TEST_CASE(transform_column_mismatch) {
  nn::Standardizer standardizer;
  standardizer.fit(Matrix{{1.0, 2.0}, {3.0, 5.0}});

  const std::string message = exception_message<std::invalid_argument>([&] {
    standardizer.transform(Matrix{{1.0, 2.0, 3.0}});
  });

  check_contains(message, {"Standardizer::transform", "X has 3 columns", "fitted on 2"});
}

BOOST_AUTO_TEST_CASE(fit_rejects_bad_input) {
  nn::Standardizer standardizer;
  Matrix with_nan{{1.0, 2.0}, {3.0, 4.0}};
  with_nan(1, 0) = std::numeric_limits<double>::quiet_NaN();

  const std::string empty = exception_message<std::invalid_argument>([&] {
    standardizer.fit(Matrix(std::array<std::size_t, 2>{0, 3}));
  });
  const std::string nan =
      exception_message<std::invalid_argument>([&] { standardizer.fit(with_nan); });

  check_contains(empty, {"Standardizer::fit", "[0, 3]"});
  check_contains(nan, {"Standardizer::fit", "X at row 1, column 0 is nan"});
  BOOST_TEST(!standardizer.fitted());
}

BOOST_AUTO_TEST_CASE(fit_rejects_overflow) {
  nn::Standardizer standardizer;

  // The squared deviations 1e600 overflow, and 2.5e-401 underflows to 0.
  const std::string overflow = exception_message<std::invalid_argument>([&] {
    standardizer.fit(Matrix{{1.0, 1e300}, {1.0, -1e300}});
  });
  const std::string underflow = exception_message<std::invalid_argument>([&] {
    standardizer.fit(Matrix{{1e-200}, {2e-200}});
  });

  check_contains(overflow, {"Standardizer::fit", "column 1", "scale inf"});
  check_contains(underflow, {"Standardizer::fit", "column 0", "scale 0"});
}

BOOST_AUTO_TEST_CASE(failed_fit_keeps_statistics) {
  nn::Standardizer standardizer;
  standardizer.fit(Matrix{{1.0}, {3.0}});
  Matrix with_infinity{{1.0}, {2.0}};
  with_infinity(0, 0) = std::numeric_limits<double>::infinity();

  BOOST_CHECK_THROW(standardizer.fit(with_infinity), std::invalid_argument);

  BOOST_TEST(standardizer.mean()[0] == 2.0);
  BOOST_TEST(standardizer.scale()[0] == 1.0);
}

BOOST_AUTO_TEST_CASE(restore_from_statistics) {
  const Matrix X{{1.0, 0.0}, {2.0, 0.0}, {3.0, 4.0}, {4.0, 4.0}};
  nn::Standardizer fitted;
  fitted.fit(X);

  const nn::Standardizer restored =
      nn::Standardizer::from_statistics(fitted.mean(), fitted.scale());
  const Matrix expected = fitted.transform(X);
  const Matrix actual = restored.transform(X);

  BOOST_TEST(restored.fitted());
  for (std::size_t row = 0; row < 4; ++row) {
    for (std::size_t column = 0; column < 2; ++column) {
      BOOST_TEST(actual(row, column) == expected(row, column));
    }
  }
}

BOOST_AUTO_TEST_CASE(restore_rejects_bad_statistics) {
  const auto restore = [](std::vector<double> mean, std::vector<double> scale) {
    return exception_message<std::invalid_argument>(
        [&] { nn::Standardizer::from_statistics(mean, scale); });
  };
  const double infinity = std::numeric_limits<double>::infinity();

  check_contains(restore({}, {}), {"from_statistics", "got 0 means and 0 scales"});
  check_contains(restore({1.0, 2.0}, {1.0}), {"got 2 means and 1 scales"});
  check_contains(restore({1.0, infinity}, {1.0, 1.0}), {"mean of column 1 is inf"});
  check_contains(restore({1.0}, {0.0}), {"scale of column 0 is 0", "finite and positive"});
  check_contains(restore({1.0}, {-2.0}), {"scale of column 0 is -2"});
}

BOOST_AUTO_TEST_SUITE_END()
