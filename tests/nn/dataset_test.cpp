#define BOOST_TEST_MODULE nn_dataset
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

using autodiff::Matrix;

namespace {

// Returns the message of the std::invalid_argument that `call` throws, or
// records a failure and returns "" when it throws nothing.
template <typename Call>
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
  for (std::string_view part : parts) {
    BOOST_TEST(message.find(part) != std::string::npos,
               "message '" << message << "' does not contain '" << part << "'");
  }
}

Matrix column_of(std::size_t n, double value) {
  return Matrix(std::array<std::size_t, 2>{n, 1}, value);
}

// Row i has X = [i, 10 i + 0.5], y = i mod 2, z = 0.25 i - 1 and weight 1 + i,
// so any row can be checked for alignment from its id X(row, 0) alone.
nn::Dataset make_indexed_dataset(std::size_t n) {
  Matrix X(std::array<std::size_t, 2>{n, 2});
  Matrix y = column_of(n, 0.0);
  Matrix z = column_of(n, 0.0);
  Matrix weights = column_of(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double id = static_cast<double>(i);
    X(i, 0) = id;
    X(i, 1) = 10.0 * id + 0.5;
    y(i, 0) = static_cast<double>(i % 2);
    z(i, 0) = 0.25 * id - 1.0;
    weights(i, 0) = 1.0 + id;
  }
  return nn::make_dataset(X, y, z, weights);
}

void check_row_aligned(const nn::Dataset& data, std::size_t row) {
  const double id = data.X(row, 0);
  BOOST_TEST_CONTEXT("row " << row << " with id " << id) {
    BOOST_TEST(data.X(row, 1) == 10.0 * id + 0.5);
    BOOST_TEST(data.y(row, 0) == std::fmod(id, 2.0));
    BOOST_TEST(data.z(row, 0) == 0.25 * id - 1.0);
    BOOST_TEST(data.weights(row, 0) == 1.0 + id);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dataset)

BOOST_AUTO_TEST_CASE(size_and_features) {
  const nn::Dataset data = make_indexed_dataset(5);

  BOOST_TEST(data.size() == 5u);
  BOOST_TEST(data.features() == 2u);
}

BOOST_AUTO_TEST_CASE(weights_default_to_one) {
  const nn::Dataset data =
      nn::make_dataset(Matrix{{1.0}, {2.0}, {3.0}}, column_of(3, 1.0), column_of(3, 0.0));

  BOOST_TEST_REQUIRE(data.weights.shape(0) == 3u);
  BOOST_TEST_REQUIRE(data.weights.shape(1) == 1u);
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(data.weights(i, 0) == 1.0);
  }
}

BOOST_AUTO_TEST_CASE(given_weights_kept) {
  const nn::Dataset data = nn::make_dataset(Matrix{{1.0}, {2.0}}, column_of(2, 1.0),
                                            column_of(2, 0.0), Matrix{{0.0}, {2.5}});

  BOOST_TEST(data.weights(0, 0) == 0.0);
  BOOST_TEST(data.weights(1, 0) == 2.5);
}

BOOST_AUTO_TEST_CASE(rows_keep_alignment) {
  const nn::Dataset data = make_indexed_dataset(6);
  const std::vector<std::size_t> indices{4, 0, 5, 4, 2};

  const nn::Dataset picked = data.rows(indices);

  BOOST_TEST_REQUIRE(picked.size() == indices.size());
  BOOST_TEST(picked.features() == 2u);
  for (std::size_t row = 0; row < indices.size(); ++row) {
    BOOST_TEST(picked.X(row, 0) == static_cast<double>(indices[row]));
    check_row_aligned(picked, row);
  }
}

BOOST_AUTO_TEST_CASE(rows_empty_selection) {
  const nn::Dataset picked = make_indexed_dataset(3).rows({});

  BOOST_TEST(picked.size() == 0u);
  BOOST_TEST(picked.features() == 2u);
  BOOST_TEST(picked.y.shape(1) == 1u);
  BOOST_TEST(picked.weights.shape(0) == 0u);
}

BOOST_AUTO_TEST_CASE(rows_out_of_range) {
  const nn::Dataset data = make_indexed_dataset(5);
  const std::vector<std::size_t> indices{1, 7};

  const std::string message = invalid_argument_message([&] { data.rows(indices); });

  check_contains(message, {"Dataset::rows", "index 7", "position 1", "5 rows"});
}

// rows_into writes the same rows as rows(), and reuses the storage of a
// buffer of the right shape.
BOOST_AUTO_TEST_CASE(rows_into_reuses_buffer) {
  const nn::Dataset data = make_indexed_dataset(8);
  const std::vector<std::size_t> first{3, 1, 7};
  const std::vector<std::size_t> second{0, 6, 6};
  const std::vector<std::size_t> longer{2, 5, 4, 1};
  nn::Dataset buffer;

  data.rows_into(first, buffer);
  const double* storage = buffer.X.data();
  data.rows_into(second, buffer);
  BOOST_TEST(buffer.X.data() == storage);
  for (std::size_t row = 0; row < second.size(); ++row) {
    BOOST_TEST(buffer.X(row, 0) == static_cast<double>(second[row]));
    check_row_aligned(buffer, row);
  }

  data.rows_into(longer, buffer);
  BOOST_TEST_REQUIRE(buffer.size() == longer.size());
  for (std::size_t row = 0; row < longer.size(); ++row) {
    BOOST_TEST(buffer.X(row, 0) == static_cast<double>(longer[row]));
    check_row_aligned(buffer, row);
  }
}

BOOST_AUTO_TEST_CASE(rows_into_out_of_range) {
  const nn::Dataset data = make_indexed_dataset(4);
  nn::Dataset buffer;
  const std::vector<std::size_t> indices{4};

  const std::string message = invalid_argument_message([&] { data.rows_into(indices, buffer); });

  check_contains(message, {"Dataset::rows", "index 4", "position 0", "4 rows"});
}

BOOST_AUTO_TEST_CASE(rows_into_rejects_itself) {
  nn::Dataset data = make_indexed_dataset(4);
  const std::vector<std::size_t> indices{3, 2, 1, 0};

  const std::string message = invalid_argument_message([&] { data.rows_into(indices, data); });

  check_contains(message, {"Dataset::rows_into", "itself"});
  BOOST_TEST(data.X(0, 0) == 0.0);
}

BOOST_AUTO_TEST_CASE(select_rows_of_one_class) {
  const nn::Dataset data = make_indexed_dataset(7);

  const nn::Dataset background =
      nn::select_rows_where(data, [&](std::size_t i) { return data.y(i, 0) == 0.0; });

  // Rows 0, 2, 4 and 6 have y = 0, in increasing order.
  BOOST_TEST_REQUIRE(background.size() == 4u);
  for (std::size_t row = 0; row < background.size(); ++row) {
    BOOST_TEST(background.X(row, 0) == 2.0 * static_cast<double>(row));
    BOOST_TEST(background.y(row, 0) == 0.0);
    check_row_aligned(background, row);
  }
}

BOOST_AUTO_TEST_CASE(select_rows_none_match) {
  const nn::Dataset data = make_indexed_dataset(4);

  const nn::Dataset none = nn::select_rows_where(data, [](std::size_t) { return false; });

  BOOST_TEST(none.size() == 0u);
  BOOST_TEST(none.features() == 2u);
}

BOOST_AUTO_TEST_CASE(empty_x_rejected) {
  const std::string no_rows = invalid_argument_message([] {
    nn::make_dataset(Matrix(std::array<std::size_t, 2>{0, 2}), column_of(0, 0.0),
                     column_of(0, 0.0));
  });
  const std::string no_columns = invalid_argument_message([] {
    nn::make_dataset(Matrix(std::array<std::size_t, 2>{3, 0}), column_of(3, 0.0),
                     column_of(3, 0.0));
  });

  check_contains(no_rows, {"make_dataset", "at least one sample and one feature", "[0, 2]"});
  check_contains(no_columns, {"make_dataset", "[3, 0]"});
}

BOOST_AUTO_TEST_CASE(row_counts_must_match) {
  const Matrix X{{1.0}, {2.0}, {3.0}, {4.0}};

  const std::string message = invalid_argument_message(
      [&] { nn::make_dataset(X, column_of(4, 0.0), column_of(3, 0.0), column_of(4, 1.0)); });

  check_contains(message, {"make_dataset", "same number of rows", "got 4, 4, 3 and 4"});
}

BOOST_AUTO_TEST_CASE(columns_must_be_single) {
  const Matrix X{{1.0}, {2.0}};
  const Matrix wide(std::array<std::size_t, 2>{2, 2}, 0.0);

  const std::string y_message =
      invalid_argument_message([&] { nn::make_dataset(X, wide, column_of(2, 0.0)); });
  const std::string z_message =
      invalid_argument_message([&] { nn::make_dataset(X, column_of(2, 0.0), wide); });
  const std::string weights_message = invalid_argument_message(
      [&] { nn::make_dataset(X, column_of(2, 0.0), column_of(2, 0.0), wide); });

  check_contains(y_message, {"make_dataset", "y must be a column [n, 1]", "[2, 2]"});
  check_contains(z_message, {"make_dataset", "z must be a column [n, 1]", "[2, 2]"});
  check_contains(weights_message, {"make_dataset", "weights must be a column [n, 1]", "[2, 2]"});
}

BOOST_AUTO_TEST_CASE(non_finite_values_rejected) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double infinity = std::numeric_limits<double>::infinity();
  const Matrix good_X{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}};
  Matrix bad_X = good_X;
  bad_X(2, 1) = nan;
  Matrix bad_column = column_of(3, 0.0);
  bad_column(1, 0) = -infinity;

  const std::string x_message = invalid_argument_message(
      [&] { nn::make_dataset(bad_X, column_of(3, 0.0), column_of(3, 0.0)); });
  const std::string y_message =
      invalid_argument_message([&] { nn::make_dataset(good_X, bad_column, column_of(3, 0.0)); });
  const std::string z_message =
      invalid_argument_message([&] { nn::make_dataset(good_X, column_of(3, 0.0), bad_column); });
  const std::string weights_message = invalid_argument_message(
      [&] { nn::make_dataset(good_X, column_of(3, 0.0), column_of(3, 0.0), bad_column); });

  check_contains(x_message, {"make_dataset", "X at row 2, column 1 is nan"});
  check_contains(y_message, {"y at row 1, column 0 is -inf"});
  check_contains(z_message, {"z at row 1, column 0 is -inf"});
  check_contains(weights_message, {"weights at row 1, column 0 is -inf"});
}

BOOST_AUTO_TEST_CASE(negative_weight_rejected) {
  const std::string message = invalid_argument_message([] {
    nn::make_dataset(Matrix{{1.0}, {2.0}}, column_of(2, 0.0), column_of(2, 0.0),
                     Matrix{{1.0}, {-0.5}});
  });

  check_contains(message, {"make_dataset", "weight at row 1 is -0.5", "non-negative"});
}

BOOST_AUTO_TEST_CASE(zero_total_weight_rejected) {
  const std::string message = invalid_argument_message([] {
    nn::make_dataset(Matrix{{1.0}, {2.0}}, column_of(2, 0.0), column_of(2, 0.0), column_of(2, 0.0));
  });

  check_contains(message, {"make_dataset", "weights sum to 0", "positive weight"});
}

// 0.5 is a soft label for binary cross-entropy; 5, -1 and NaN are not labels.
BOOST_AUTO_TEST_CASE(labels_outside_unit_interval_rejected) {
  const Matrix X{{1.0}, {2.0}, {3.0}};

  const nn::Dataset soft = nn::make_dataset(X, Matrix{{0.0}, {0.5}, {1.0}}, column_of(3, 0.0));
  const std::string five = invalid_argument_message(
      [&] { nn::make_dataset(X, Matrix{{0.0}, {1.0}, {5.0}}, column_of(3, 0.0)); });
  const std::string minus_one = invalid_argument_message(
      [&] { nn::make_dataset(X, Matrix{{-1.0}, {1.0}, {0.0}}, column_of(3, 0.0)); });
  const std::string nan = invalid_argument_message([&] {
    nn::make_dataset(X, Matrix{{0.0}, {std::numeric_limits<double>::quiet_NaN()}, {1.0}},
                     column_of(3, 0.0));
  });

  BOOST_TEST(soft.y(1, 0) == 0.5);
  check_contains(five, {"make_dataset", "y at row 2 is 5", "[0, 1]"});
  check_contains(minus_one, {"make_dataset", "y at row 0 is -1", "[0, 1]"});
  check_contains(nan, {"make_dataset", "y at row 1, column 0 is nan"});
}

BOOST_AUTO_TEST_CASE(check_dataset_accepts_valid) {
  const nn::Dataset data = make_indexed_dataset(4);

  BOOST_CHECK_NO_THROW(nn::check_dataset(data, "caller"));
  BOOST_CHECK_NO_THROW(nn::check_dataset(data.rows({}), "caller"));
}

// The fields are public, so a dataset can lose its alignment after make_dataset.
BOOST_AUTO_TEST_CASE(check_dataset_row_counts) {
  nn::Dataset short_y = make_indexed_dataset(4);
  short_y.y = column_of(3, 0.0);
  nn::Dataset short_weights = make_indexed_dataset(4);
  short_weights.weights = column_of(5, 1.0);

  check_contains(invalid_argument_message([&] { nn::check_dataset(short_y, "caller"); }),
                 {"caller: ", "same number of rows", "got 4, 3, 4 and 4"});
  check_contains(invalid_argument_message([&] { nn::check_dataset(short_weights, "caller"); }),
                 {"caller: ", "got 4, 4, 4 and 5"});
}

BOOST_AUTO_TEST_CASE(check_dataset_columns) {
  nn::Dataset wide_z = make_indexed_dataset(2);
  wide_z.z = Matrix(std::array<std::size_t, 2>{2, 2}, 0.0);

  check_contains(invalid_argument_message([&] { nn::check_dataset(wide_z, "caller"); }),
                 {"caller: z must be a column [n, 1]", "[2, 2]"});
}

BOOST_AUTO_TEST_CASE(check_dataset_values) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  nn::Dataset nan_x = make_indexed_dataset(4);
  nan_x.X(3, 1) = nan;
  nn::Dataset infinite_z = make_indexed_dataset(4);
  infinite_z.z(2, 0) = std::numeric_limits<double>::infinity();
  nn::Dataset label_two = make_indexed_dataset(4);
  label_two.y(1, 0) = 2.0;
  nn::Dataset negative_weight = make_indexed_dataset(4);
  negative_weight.weights(0, 0) = -0.25;
  nn::Dataset nan_weight = make_indexed_dataset(4);
  nan_weight.weights(2, 0) = nan;

  check_contains(invalid_argument_message([&] { nn::check_dataset(nan_x, "caller"); }),
                 {"caller: X at row 3, column 1 is nan"});
  check_contains(invalid_argument_message([&] { nn::check_dataset(infinite_z, "caller"); }),
                 {"caller: z at row 2, column 0 is inf"});
  check_contains(invalid_argument_message([&] { nn::check_dataset(label_two, "caller"); }),
                 {"caller: y at row 1 is 2", "[0, 1]"});
  check_contains(invalid_argument_message([&] { nn::check_dataset(negative_weight, "caller"); }),
                 {"caller: the weight at row 0 is -0.25", "non-negative"});
  check_contains(invalid_argument_message([&] { nn::check_dataset(nan_weight, "caller"); }),
                 {"caller: weights at row 2, column 0 is nan"});
}

BOOST_AUTO_TEST_SUITE_END()
