#include "nn/data/csv.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "nn/io/atomic_file.hpp"

namespace nn {
namespace {

using autodiff::Matrix;
using autodiff::Scalar;

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

std::string last_system_error() {
  return std::error_code(errno, std::generic_category()).message();
}

// The UTF-8 byte order mark, which read_csv_table skips at the start of a file.
constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";

void check_header(const std::vector<std::string>& header) {
  if (header.empty()) {
    throw std::invalid_argument(
        "write_csv_atomically: the header is empty; pass one name per column");
  }
  if (header[0].starts_with(byte_order_mark)) {
    throw std::invalid_argument(
        "write_csv_atomically: header name 0 starts with a UTF-8 byte order mark, which "
        "read_csv_table skips at the start of a file; remove it from the name");
  }

  for (std::size_t column = 0; column < header.size(); ++column) {
    if (header[column].find_first_of(",\"\r\n") != std::string::npos) {
      throw std::invalid_argument("write_csv_atomically: header name " + std::to_string(column) +
                                  " '" + header[column] +
                                  "' contains a comma, double quote or line break, which this "
                                  "unquoted CSV format cannot hold; rename the column");
    }
  }
}

void check_row_width(std::size_t row, std::size_t width, std::size_t header_width) {
  if (width != header_width) {
    throw std::invalid_argument("write_csv_atomically: row " + std::to_string(row) + " has " +
                                std::to_string(width) + " values but the header has " +
                                std::to_string(header_width) + " columns");
  }
}

void check_folder_exists(const std::filesystem::path& path) {
  const std::filesystem::path folder = path.parent_path();
  if (!folder.empty() && !std::filesystem::is_directory(folder)) {
    throw std::invalid_argument("write_csv_atomically: folder " + quoted(folder) + " of " +
                                quoted(path) + " does not exist; create it first");
  }
}

void append_number(std::string& text, double value) {
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  text.append(buffer.data(), result.ptr);
}

std::string format_header(const std::vector<std::string>& header) {
  std::string text;
  for (std::size_t column = 0; column < header.size(); ++column) {
    if (column > 0) {
      text += ',';
    }
    text += header[column];
  }
  text += '\n';
  return text;
}

std::string_view trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  const std::size_t last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// Splits a line at every comma and trims each cell.
std::vector<std::string_view> split_cells(std::string_view line) {
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      cells.push_back(trim(line.substr(start)));
      return cells;
    }
    cells.push_back(trim(line.substr(start, comma - start)));
    start = comma + 1;
  }
}

// Reads one line without its "\n" or a "\r" before it; false at the end of the file.
bool read_line(std::istream& in, std::string& line) {
  if (!std::getline(in, line)) {
    return false;
  }
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return true;
}

// Text from the file for a message: at most 40 characters, with bytes
// outside printable ASCII written as \xNN, so that a junk cell cannot fill
// or garble the message (a NUL byte would end it for C string readers).
std::string excerpt(std::string_view text) {
  constexpr std::size_t max_length = 40;
  static constexpr std::string_view hex = "0123456789abcdef";

  std::string result;
  for (const char c : text.substr(0, max_length)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      result += c;
    } else {
      result += std::string("\\x") + hex[byte >> 4] + hex[byte & 0xf];
    }
  }
  if (text.size() > max_length) {
    result += "... (" + std::to_string(text.size()) + " bytes)";
  }
  return result;
}

// "1 column" or "3 columns".
std::string count_columns(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " column" : " columns");
}

// Parses one data cell; `column` counts from 0 but messages count from 1.
double parse_cell(std::string_view cell, const std::filesystem::path& path, std::size_t line_number,
                  std::size_t column, const std::string& name) {
  double value = 0.0;
  const auto result = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (result.ec == std::errc() && result.ptr == cell.data() + cell.size()) {
    return value;
  }

  const std::string problem = result.ec == std::errc::result_out_of_range
                                  ? "is out of the range of double"
                                  : "is not a number";
  throw std::runtime_error("read_csv: " + quoted(path) + " line " + std::to_string(line_number) +
                           ", column " + std::to_string(column + 1) + " ('" + excerpt(name) +
                           "'): '" + excerpt(cell) + "' " + problem);
}

}  // namespace

void write_csv_atomically(const std::filesystem::path& path, const std::vector<std::string>& header,
                          const Matrix& rows) {
  check_header(header);
  if (rows.shape(1) != header.size()) {
    throw std::invalid_argument("write_csv_atomically: rows has " + std::to_string(rows.shape(1)) +
                                " columns but the header has " + std::to_string(header.size()) +
                                " names; pass one name per column");
  }
  check_folder_exists(path);

  std::string text = format_header(header);
  for (std::size_t row = 0; row < rows.shape(0); ++row) {
    for (std::size_t column = 0; column < rows.shape(1); ++column) {
      if (column > 0) {
        text += ',';
      }
      append_number(text, rows(row, column));
    }
    text += '\n';
  }

  write_file_atomically(path, text);
}

void write_csv_atomically(const std::filesystem::path& path, const std::vector<std::string>& header,
                          const std::vector<std::vector<double>>& rows) {
  check_header(header);
  for (std::size_t row = 0; row < rows.size(); ++row) {
    check_row_width(row, rows[row].size(), header.size());
  }
  check_folder_exists(path);

  std::string text = format_header(header);
  for (const std::vector<double>& row : rows) {
    for (std::size_t column = 0; column < row.size(); ++column) {
      if (column > 0) {
        text += ',';
      }
      append_number(text, row[column]);
    }
    text += '\n';
  }

  write_file_atomically(path, text);
}

CsvTable read_csv_table(const std::filesystem::path& path) {
  std::error_code status_error;
  const bool found = std::filesystem::exists(path, status_error);
  if (status_error) {
    throw std::runtime_error("read_csv: cannot access " + quoted(path) + ": " +
                             status_error.message());
  }
  if (!found) {
    throw std::runtime_error("read_csv: file " + quoted(path) + " not found");
  }
  if (std::filesystem::is_directory(path, status_error)) {
    throw std::runtime_error("read_csv: " + quoted(path) + " is a folder, not a CSV file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("read_csv: cannot open " + quoted(path) + ": " + last_system_error());
  }

  std::string line;
  if (!read_line(in, line)) {
    throw std::runtime_error("read_csv: " + quoted(path) +
                             " is empty; expected a header line and numeric rows");
  }

  // Spreadsheet programs often start UTF-8 files with a byte order mark,
  // which would otherwise become part of the first column's name.
  if (line.starts_with(byte_order_mark)) {
    line.erase(0, byte_order_mark.size());
  }
  if (trim(line).empty()) {
    throw std::runtime_error("read_csv: line 1 of " + quoted(path) +
                             " is blank; the first line must be the header");
  }

  CsvTable table;
  for (std::string_view name : split_cells(line)) {
    table.header.emplace_back(name);
  }
  const std::size_t columns = table.header.size();

  std::vector<double> values;
  std::size_t row_count = 0;
  std::size_t line_number = 1;
  while (read_line(in, line)) {
    ++line_number;
    if (trim(line).empty()) {
      continue;
    }

    const std::vector<std::string_view> cells = split_cells(line);
    if (cells.size() != columns) {
      throw std::runtime_error("read_csv: " + quoted(path) + " line " +
                               std::to_string(line_number) + " has " + count_columns(cells.size()) +
                               " but the header has " + count_columns(columns));
    }

    for (std::size_t column = 0; column < columns; ++column) {
      values.push_back(parse_cell(cells[column], path, line_number, column, table.header[column]));
    }
    ++row_count;
  }
  if (in.bad()) {
    throw std::runtime_error("read_csv: reading " + quoted(path) + " failed after line " +
                             std::to_string(line_number) + ": " + last_system_error());
  }

  table.values = Matrix(std::array<std::size_t, 2>{row_count, columns});
  std::copy(values.begin(), values.end(), table.values.data());
  return table;
}

Matrix read_csv(const std::filesystem::path& path) { return read_csv_table(path).values; }

}  // namespace nn
