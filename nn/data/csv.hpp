#pragma once

// Numeric CSV files with one header line, as experiments write their curves
// and histograms.
//
// The format is deliberately narrow: cells are separated by commas with no
// quoting, so a header name cannot contain a comma, a double quote or a line
// break. Every data cell is a number as std::from_chars parses it, which also
// accepts "nan", "inf" and "-inf". The reader ignores spaces and tabs around
// cells, blank lines after the header, a "\r" before each line break and a
// UTF-8 byte order mark at the start of the file.

#include <filesystem>
#include <string>
#include <vector>

#include "autodiff/matrix.hpp"

namespace nn {

// A CSV file's column names and its data rows, values [rows, columns].
struct CsvTable {
  std::vector<std::string> header;
  autodiff::Matrix values;
};

// Writes `header` and then one line per row of `rows` [rows, header.size()]
// to `path`. The text goes through write_file_atomically(), which writes a
// temporary file in the same folder, flushes it to disk and renames it over
// `path`. Readers therefore see either the old file or the complete new one.
// Numbers are written in the shortest form that reads back to the same double.
// Throws std::invalid_argument for an empty header and for a header name
// that the format cannot hold: one with a comma, a double quote or a line
// break, or a first name that starts with a byte order mark. It also throws
// std::invalid_argument for a column count that differs from the header's,
// or a folder that does not exist. Throws std::runtime_error if writing or
// renaming fails.
void write_csv_atomically(const std::filesystem::path& path, const std::vector<std::string>& header,
                          const autodiff::Matrix& rows);

// Same as above for rows stored as vectors, each with header.size() values;
// the error for a ragged row names its index and both counts.
void write_csv_atomically(const std::filesystem::path& path, const std::vector<std::string>& header,
                          const std::vector<std::vector<double>>& rows);

// Reads a numeric CSV file with a header line. A file with only a header
// gives values of shape [0, columns]. Throws std::runtime_error for a missing
// or unreadable file, an empty file and a blank header line. A row whose
// column count differs from the header's also throws, naming the line and
// both counts. So does a cell that is not a number or is out of the range of
// double, naming the line, the column and the text, cut to 40 characters with
// non-printable bytes written as \xNN. Line and column numbers start at 1.
CsvTable read_csv_table(const std::filesystem::path& path);

// The values of read_csv_table(path), [rows, columns].
autodiff::Matrix read_csv(const std::filesystem::path& path);

}  // namespace nn
