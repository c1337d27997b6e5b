#define BOOST_TEST_MODULE nn_csv
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "nn/data/csv.hpp"
#include "nn/temporary_folder.hpp"

using autodiff::Matrix;
namespace fs = std::filesystem;

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

// The suite's fixture: a fresh temporary folder for each test case.
struct CsvFolder : test_files::TemporaryFolder {
  CsvFolder() : TemporaryFolder("nn_csv_test_") {}
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(csv, CsvFolder)

BOOST_AUTO_TEST_CASE(write_exact_text) {
  const Matrix rows{{1.5, -2.0}, {1e-300, 0.1}};

  nn::write_csv_atomically(path / "curve.csv", {"epoch", "loss"}, rows);

  BOOST_TEST(read("curve.csv") == "epoch,loss\n1.5,-2\n1e-300,0.1\n");
}

BOOST_AUTO_TEST_CASE(round_trip_exact) {
  // 0.1 + 0.2 and 1 / 3 need all 17 significant digits to read back exactly.
  const Matrix rows{{0.1 + 0.2, 1.0 / 3.0, -0.0}, {1e308, 5e-324, 123456789.0}};

  nn::write_csv_atomically(path / "values.csv", {"a", "b", "c"}, rows);
  const nn::CsvTable table = nn::read_csv_table(path / "values.csv");

  BOOST_TEST(table.header == (std::vector<std::string>{"a", "b", "c"}),
             boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(table.values.shape(0) == 2u);
  BOOST_TEST_REQUIRE(table.values.shape(1) == 3u);
  for (std::size_t row = 0; row < 2; ++row) {
    for (std::size_t column = 0; column < 3; ++column) {
      BOOST_TEST(table.values(row, column) == rows(row, column));
    }
  }
}

BOOST_AUTO_TEST_CASE(write_vector_rows) {
  const std::vector<std::vector<double>> rows{{1.0, 2.0}, {3.0, 4.5}};

  nn::write_csv_atomically(path / "rows.csv", {"x", "y"}, rows);

  BOOST_TEST(read("rows.csv") == "x,y\n1,2\n3,4.5\n");
}

BOOST_AUTO_TEST_CASE(write_replaces_file) {
  write("curve.csv", "old contents that are longer than the new ones\n");

  nn::write_csv_atomically(path / "curve.csv", {"a"}, Matrix{{7.0}});

  BOOST_TEST(read("curve.csv") == "a\n7\n");
  // Only the target remains: the temporary file was renamed over it.
  BOOST_TEST(file_count() == 1u);
}

BOOST_AUTO_TEST_CASE(write_rejects_bad_header) {
  const fs::path target = path / "bad.csv";

  const std::string empty = exception_message<std::invalid_argument>([&] {
    nn::write_csv_atomically(target, {}, Matrix(std::array<std::size_t, 2>{0, 0}));
  });
  const std::string comma = exception_message<std::invalid_argument>([&] {
    nn::write_csv_atomically(target, {"a", "b,c"}, Matrix{{1.0, 2.0}});
  });
  const std::string quote = exception_message<std::invalid_argument>(
      [&] { nn::write_csv_atomically(target, {"\"a\""}, Matrix{{1.0}}); });

  check_contains(empty, {"write_csv_atomically", "header is empty"});
  check_contains(comma, {"header name 1 'b,c'", "comma"});
  check_contains(quote, {"header name 0"});
  BOOST_TEST(file_count() == 0u);
}

BOOST_AUTO_TEST_CASE(write_rejects_column_mismatch) {
  const fs::path target = path / "bad.csv";
  const std::vector<std::vector<double>> ragged{{1.0, 2.0}, {3.0, 4.0, 5.0}};

  const std::string matrix = exception_message<std::invalid_argument>([&] {
    nn::write_csv_atomically(target, {"a", "b"}, Matrix{{1.0, 2.0, 3.0}});
  });
  const std::string vectors = exception_message<std::invalid_argument>([&] {
    nn::write_csv_atomically(target, {"a", "b"}, ragged);
  });

  check_contains(matrix, {"write_csv_atomically", "rows has 3 columns", "header has 2"});
  check_contains(vectors, {"row 1 has 3 values", "header has 2 columns"});
  BOOST_TEST(file_count() == 0u);
}

BOOST_AUTO_TEST_CASE(write_rejects_missing_folder) {
  const fs::path target = path / "missing" / "curve.csv";

  const std::string message = exception_message<std::invalid_argument>(
      [&] { nn::write_csv_atomically(target, {"a"}, Matrix{{1.0}}); });

  check_contains(message, {"write_csv_atomically", "missing", "does not exist", "create it"});
}

BOOST_AUTO_TEST_CASE(read_header_only) {
  write("empty_table.csv", "a,b,c\n");

  const Matrix values = nn::read_csv(path / "empty_table.csv");

  BOOST_TEST(values.shape(0) == 0u);
  BOOST_TEST(values.shape(1) == 3u);
}

BOOST_AUTO_TEST_CASE(read_lenient_layout) {
  // CRLF line ends, spaces around cells, a blank line, no final line break,
  // and the non-finite values that std::from_chars accepts.
  write("loose.csv", "x , y\r\n 1.5,\t-2 \r\n\r\nnan,inf\r\n-inf,3");

  const nn::CsvTable table = nn::read_csv_table(path / "loose.csv");

  BOOST_TEST(table.header == (std::vector<std::string>{"x", "y"}),
             boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(table.values.shape(0) == 3u);
  BOOST_TEST(table.values(0, 0) == 1.5);
  BOOST_TEST(table.values(0, 1) == -2.0);
  BOOST_TEST(std::isnan(table.values(1, 0)));
  BOOST_TEST(table.values(1, 1) == std::numeric_limits<double>::infinity());
  BOOST_TEST(table.values(2, 0) == -std::numeric_limits<double>::infinity());
  BOOST_TEST(table.values(2, 1) == 3.0);
}

BOOST_AUTO_TEST_CASE(read_missing_file) {
  const std::string message =
      exception_message<std::runtime_error>([&] { nn::read_csv(path / "absent.csv"); });

  check_contains(message, {"read_csv", "absent.csv", "not found"});
}

BOOST_AUTO_TEST_CASE(read_folder_instead_of_file) {
  const std::string message = exception_message<std::runtime_error>([&] { nn::read_csv(path); });

  check_contains(message, {"read_csv", "is a folder"});
}

BOOST_AUTO_TEST_CASE(read_empty_file) {
  write("empty.csv", "");
  write("blank_header.csv", "\n1,2\n");

  const std::string empty =
      exception_message<std::runtime_error>([&] { nn::read_csv(path / "empty.csv"); });
  const std::string blank =
      exception_message<std::runtime_error>([&] { nn::read_csv(path / "blank_header.csv"); });

  check_contains(empty, {"read_csv", "empty.csv", "is empty", "header line"});
  check_contains(blank, {"line 1", "blank", "header"});
}

BOOST_AUTO_TEST_CASE(read_ragged_row) {
  write("ragged.csv", "a,b\n1,2\n3,4,5\n");

  const std::string message =
      exception_message<std::runtime_error>([&] { nn::read_csv(path / "ragged.csv"); });

  check_contains(message, {"read_csv", "ragged.csv", "line 3 has 3 columns", "header has 2"});
}

BOOST_AUTO_TEST_CASE(read_non_numeric_cell) {
  write("text.csv", "a,b\n1,2\n3,abc\n");
  write("partial.csv", "a\n1.5x\n");
  write("empty_cell.csv", "a,b\n1,\n");

  const std::string text =
      exception_message<std::runtime_error>([&] { nn::read_csv(path / "text.csv"); });
  const std::string partial =
      exception_message<std::runtime_error>([&] { nn::read_csv(path / "partial.csv"); });
  const std::string empty_cell =
      exception_message<std::runtime_error>([&] { nn::read_csv(path / "empty_cell.csv"); });

  check_contains(text, {"read_csv", "text.csv", "line 3, column 2 ('b')", "'abc' is not a number"});
  check_contains(partial, {"line 2, column 1 ('a')", "'1.5x' is not a number"});
  check_contains(empty_cell, {"line 2, column 2 ('b')", "'' is not a number"});
}

BOOST_AUTO_TEST_CASE(read_out_of_range) {
  write("huge.csv", "a\n1e999\n");

  const std::string message =
      exception_message<std::runtime_error>([&] { nn::read_csv(path / "huge.csv"); });

  check_contains(message, {"line 2, column 1 ('a')", "'1e999' is out of the range of double"});
}

BOOST_AUTO_TEST_SUITE_END()
