// libFuzzer target for nn::read_csv_table. Every input must either parse or
// throw std::runtime_error; anything else (a crash, a sanitizer report,
// another exception type) is a finding. A parsed table whose header the
// writer accepts must also survive write_csv_atomically and a second read
// with the same names and bit-identical values (NaN matching NaN).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "fuzz_input.hpp"
#include "nn/data/csv.hpp"

namespace {

// The writer rejects empty headers, names with these characters and a first
// name that starts with a UTF-8 byte order mark.
bool writable(const nn::CsvTable& table) {
  for (const std::string& name : table.header) {
    if (name.find_first_of(",\"\r\n") != std::string::npos) {
      return false;
    }
  }
  return !table.header.empty() && !table.header[0].starts_with("\xEF\xBB\xBF");
}

bool same_value(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) {
    return std::isnan(a) && std::isnan(b);
  }
  return std::memcmp(&a, &b, sizeof(double)) == 0;
}

[[noreturn]] void fail(const char* problem) {
  std::fprintf(stderr, "fuzz_csv: %s\n", problem);
  std::abort();
}

void check_round_trip(const nn::CsvTable& table) {
  static const std::filesystem::path copy = fuzz::input_path("copy.csv");
  nn::write_csv_atomically(copy, table.header, table.values);
  const nn::CsvTable again = nn::read_csv_table(copy);

  if (again.header != table.header) {
    fail("the header changed in a write and read round trip");
  }
  if (again.values.shape() != table.values.shape()) {
    fail("the shape changed in a write and read round trip");
  }
  for (std::size_t i = 0; i < table.values.size(); ++i) {
    if (!same_value(again.values.data()[i], table.values.data()[i])) {
      fail("a value changed in a write and read round trip");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path path = fuzz::input_path("csv");
  fuzz::write_input(path, data, size);

  nn::CsvTable table;
  try {
    table = nn::read_csv_table(path);
  } catch (const std::runtime_error&) {
    return 0;
  }

  if (table.values.shape(1) != table.header.size()) {
    fail("the value columns differ from the header's");
  }
  if (writable(table)) {
    check_round_trip(table);
  }
  return 0;
}
