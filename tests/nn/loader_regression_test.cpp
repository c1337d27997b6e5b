#define BOOST_TEST_MODULE nn_loader_regression
#include <algorithm>
#include <exception>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "nn/data/csv.hpp"
#include "nn/data/npy.hpp"

// Runs every input stored under tests/fuzz/corpus/<loader>/ through its
// loader. Each must load or throw std::runtime_error; a crash, a sanitizer
// report or another exception type fails the suite. The file name sets the
// expected outcome: an input named valid-* must load and one named
// invalid-* must throw. The
// other inputs are ones that libFuzzer kept (named by their SHA-1), and
// either outcome is fine for them. The last cases pin down the fixes that
// these inputs led to.

namespace fs = std::filesystem;

namespace {

fs::path stored_input(const std::string& loader, const std::string& name) {
  return fs::path(PIVOT_FUZZ_CORPUS) / loader / name;
}

std::string csv_error(const std::string& name) {
  try {
    nn::read_csv_table(stored_input("csv", name));
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  BOOST_ERROR(name << " loaded, but it should throw std::runtime_error");
  return "";
}

std::vector<fs::path> stored_inputs(const std::string& loader) {
  const fs::path folder = fs::path(PIVOT_FUZZ_CORPUS) / loader;
  std::vector<fs::path> inputs;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder)) {
    if (entry.is_regular_file()) {
      inputs.push_back(entry.path());
    }
  }
  std::sort(inputs.begin(), inputs.end());
  return inputs;
}

bool starts_with(const fs::path& path, const std::string& prefix) {
  return path.filename().string().rfind(prefix, 0) == 0;
}

// Loads every stored input of `loader` and checks the outcome its name expects.
void check_inputs(const std::string& loader, const std::function<void(const fs::path&)>& load) {
  const std::vector<fs::path> inputs = stored_inputs(loader);
  BOOST_TEST_REQUIRE(!inputs.empty(),
                     "no stored inputs under " << PIVOT_FUZZ_CORPUS << "/" << loader);

  std::size_t valid = 0;
  std::size_t invalid = 0;
  for (const fs::path& input : inputs) {
    BOOST_TEST_CONTEXT("input " << input.filename()) {
      bool loaded = false;
      try {
        load(input);
        loaded = true;
      } catch (const std::runtime_error& error) {
        BOOST_TEST(!std::string(error.what()).empty());
      } catch (const std::exception& error) {
        BOOST_ERROR("threw an exception that is not std::runtime_error: " << error.what());
      }

      if (starts_with(input, "valid-")) {
        ++valid;
        BOOST_TEST(loaded, "a valid-* input must load");
      } else if (starts_with(input, "invalid-")) {
        ++invalid;
        BOOST_TEST(!loaded, "an invalid-* input must throw std::runtime_error");
      }
    }
  }

  // The stored corpus has examples of both kinds; an empty count means the
  // files were renamed or lost.
  BOOST_TEST(valid > 0);
  BOOST_TEST(invalid > 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(loader_regression)

BOOST_AUTO_TEST_CASE(csv_inputs_load_or_throw) {
  check_inputs("csv", [](const fs::path& path) { nn::read_csv_table(path); });
}

BOOST_AUTO_TEST_CASE(npy_inputs_load_or_throw) {
  check_inputs("npy", [](const fs::path& path) { nn::read_npy(path); });
}

BOOST_AUTO_TEST_CASE(csv_skips_byte_order_mark) {
  const nn::CsvTable table = nn::read_csv_table(stored_input("csv", "valid-byte-order-mark.csv"));

  BOOST_TEST(table.header == (std::vector<std::string>{"a", "b"}));
}

BOOST_AUTO_TEST_CASE(csv_writer_rejects_byte_order_mark) {
  // libFuzzer found this header: tabs, then a byte order mark inside the
  // first name. Written back at the start of a file, the mark would be
  // skipped and the name would change, so the writer rejects it.
  const nn::CsvTable table =
      nn::read_csv_table(stored_input("csv", "valid-byte-order-mark-after-tabs.csv"));
  BOOST_TEST_REQUIRE(table.header[0].rfind("\xEF\xBB\xBF", 0) == 0u);

  const fs::path copy = fs::temp_directory_path() / "nn_loader_regression_bom.csv";
  BOOST_CHECK_THROW(nn::write_csv_atomically(copy, table.header, table.values),
                    std::invalid_argument);
  BOOST_TEST(!fs::exists(copy));
}

BOOST_AUTO_TEST_CASE(csv_message_escapes_bytes) {
  // The cell is the bytes 0x80 0xff 0x01; an unescaped NUL or control byte
  // would cut or garble the message.
  const std::string message = csv_error("invalid-binary-cell.csv");

  BOOST_TEST(message.find("'\\x80\\xff\\x01' is not a number") != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(csv_message_cuts_long_cell) {
  // The cell is 5000 'x' characters; the message shows the first 40.
  const std::string message = csv_error("invalid-long-cell.csv");

  BOOST_TEST(message.find("'" + std::string(40, 'x') + "... (5000 bytes)' is not a number") !=
                 std::string::npos,
             message);
  BOOST_TEST(message.size() < 200u);
}

BOOST_AUTO_TEST_CASE(csv_message_counts_one_column) {
  // The third line of invalid-ragged.csv has 1 cell for a header of 2.
  const std::string message = csv_error("invalid-ragged.csv");

  BOOST_TEST(message.find("line 3 has 1 column but the header has 2 columns") != std::string::npos,
             message);
}

BOOST_AUTO_TEST_SUITE_END()
