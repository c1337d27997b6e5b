#define BOOST_TEST_MODULE nn_npy
#include "nn/data/npy.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <xtensor/xnpy.hpp>

#include "nn/temporary_folder.hpp"

using autodiff::Matrix;
namespace fs = std::filesystem;

namespace {

// Returns the bytes of `values` in memory order, which is the little-endian
// order of .npy files on x86-64, the architecture these tests assume.
template <typename T>
std::string raw_bytes(std::initializer_list<T> values) {
  std::string bytes;
  for (const T value : values) {
    char buffer[sizeof(T)];
    std::memcpy(buffer, &value, sizeof(T));
    bytes.append(buffer, sizeof(T));
  }
  return bytes;
}

// Builds a .npy file as numpy 1.24's np.save writes it: magic, version,
// little-endian header length, the dictionary padded with spaces so that
// preamble plus header is a multiple of 64 bytes, a newline, then the data.
std::string npy_file(std::string_view dictionary, const std::string& data,
                     unsigned char major = 1) {
  const std::size_t preamble = major == 1 ? 10 : 12;
  std::string header(dictionary);
  const std::size_t padded = (preamble + header.size() + 1 + 63) / 64 * 64;
  header.append(padded - preamble - header.size() - 1, ' ');
  header += '\n';

  std::string file("\x93NUMPY", 6);
  file += static_cast<char>(major);
  file += '\0';
  std::size_t length = header.size();
  for (std::size_t i = 0; i < preamble - 8; ++i) {
    file += static_cast<char>(length & 0xff);
    length >>= 8;
  }
  return file + header + data;
}

std::string dictionary(std::string_view descr, std::string_view shape,
                       std::string_view fortran_order = "False") {
  return "{'descr': '" + std::string(descr) + "', 'fortran_order': " + std::string(fortran_order) +
         ", 'shape': " + std::string(shape) + ", }";
}

// Returns the message of the std::runtime_error that `call` throws, or
// records a failure and returns "" when it throws nothing.
template <typename Call>
std::string runtime_error_message(const Call& call) {
  try {
    call();
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  BOOST_ERROR("expected std::runtime_error, but nothing was thrown");
  return "";
}

void check_contains(const std::string& message, std::initializer_list<std::string_view> parts) {
  for (std::string_view part : parts) {
    BOOST_TEST(message.find(part) != std::string::npos,
               "message '" << message << "' does not contain '" << part << "'");
  }
}

// The suite's fixture: a fresh temporary folder for each test case.
struct NpyFolder : test_files::TemporaryFolder {
  NpyFolder() : TemporaryFolder("nn_npy_test_") {}

  // The message of read_npy on a file with these bytes.
  std::string error_for(const std::string& bytes) const {
    const fs::path file = write("bad.npy", bytes);
    return runtime_error_message([&] { nn::read_npy(file); });
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(npy, NpyFolder)

BOOST_AUTO_TEST_CASE(npy_reads_float64_matrix) {
  const fs::path file = write(
      "x.npy", npy_file(dictionary("<f8", "(2, 3)"), raw_bytes<double>({1, 2, 3, 4, 5, -6.5})));

  const Matrix values = nn::read_npy(file);

  BOOST_TEST(values.shape(0) == 2u);
  BOOST_TEST(values.shape(1) == 3u);
  BOOST_TEST(values(0, 2) == 3.0);
  BOOST_TEST(values(1, 0) == 4.0);
  BOOST_TEST(values(1, 2) == -6.5);
}

BOOST_AUTO_TEST_CASE(npy_reads_vector_as_column) {
  const fs::path file =
      write("v.npy", npy_file(dictionary("<f8", "(3,)"), raw_bytes<double>({0.5, 1.5, 2.5})));

  const Matrix values = nn::read_npy(file);

  BOOST_TEST(values.shape(0) == 3u);
  BOOST_TEST(values.shape(1) == 1u);
  BOOST_TEST(values(2, 0) == 2.5);
}

BOOST_AUTO_TEST_CASE(npy_reads_fortran_order) {
  // Column-major data of [[1, 2, 3], [4, 5, 6]]: columns (1, 4), (2, 5), (3, 6).
  const fs::path file = write("f.npy", npy_file(dictionary("<f8", "(2, 3)", "True"),
                                                raw_bytes<double>({1, 4, 2, 5, 3, 6})));

  const Matrix values = nn::read_npy(file);

  BOOST_TEST(values(0, 1) == 2.0);
  BOOST_TEST(values(1, 0) == 4.0);
  BOOST_TEST(values(1, 2) == 6.0);
}

BOOST_AUTO_TEST_CASE(npy_converts_other_dtypes) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"<f4", raw_bytes<float>({1.5f, -2.0f})},
      {"|i1", raw_bytes<std::int8_t>({1, -2})},
      {"<i2", raw_bytes<std::int16_t>({1, -2})},
      {"<i4", raw_bytes<std::int32_t>({1, -2})},
      {"<i8", raw_bytes<std::int64_t>({1, -2})},
      {"|u1", raw_bytes<std::uint8_t>({1, 254})},
      {"<u2", raw_bytes<std::uint16_t>({1, 65534})},
      {"<u4", raw_bytes<std::uint32_t>({1, 4000000000u})},
      {"<u8", raw_bytes<std::uint64_t>({1, 1u << 20})},
      {"|b1", raw_bytes<std::uint8_t>({1, 0})},
  };
  const std::vector<std::array<double, 2>> expected = {
      {1.5, -2.0}, {1, -2},    {1, -2},  {1, -2},      {1, -2},
      {1, 254},    {1, 65534}, {1, 4e9}, {1, 1048576}, {1, 0},
  };

  for (std::size_t i = 0; i < cases.size(); ++i) {
    BOOST_TEST_CONTEXT("dtype " << cases[i].first) {
      const fs::path file =
          write("t.npy", npy_file(dictionary(cases[i].first, "(2,)"), cases[i].second));
      const Matrix values = nn::read_npy(file);
      BOOST_TEST(values(0, 0) == expected[i][0]);
      BOOST_TEST(values(1, 0) == expected[i][1]);
    }
  }
}

BOOST_AUTO_TEST_CASE(npy_reads_xtensor_dump) {
  const xt::xtensor<double, 2> written = {{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}};
  xt::dump_npy((path / "dump.npy").string(), written);

  const Matrix values = nn::read_npy(path / "dump.npy");

  BOOST_TEST(values == written);
}

BOOST_AUTO_TEST_CASE(npy_reads_long_header) {
  // A 182-byte header (numpy pads long headers to 192 bytes in all): xtensor
  // 0.24 alone misreads a length byte of 0x80 or more.
  const std::string padded = dictionary("<f8", "(1,)") + std::string(80, ' ');
  const std::string file_bytes = npy_file(padded, raw_bytes<double>({7.0}));
  BOOST_TEST(static_cast<unsigned char>(file_bytes[8]) == 182);

  const Matrix values = nn::read_npy(write("long.npy", file_bytes));

  BOOST_TEST(values(0, 0) == 7.0);
}

BOOST_AUTO_TEST_CASE(npy_reads_version_2) {
  const Matrix values = nn::read_npy(
      write("v2.npy", npy_file(dictionary("<f8", "(1,)"), raw_bytes<double>({3.0}), 2)));

  BOOST_TEST(values(0, 0) == 3.0);
}

BOOST_AUTO_TEST_CASE(npy_accepts_any_key_order) {
  const std::string text = "{\"shape\": (2,), 'fortran_order': False, 'descr': '<f8'}";

  const Matrix values = nn::read_npy(write("o.npy", npy_file(text, raw_bytes<double>({1, 2}))));

  BOOST_TEST(values(1, 0) == 2.0);
}

BOOST_AUTO_TEST_CASE(npy_reads_empty_array) {
  const Matrix values = nn::read_npy(write("e.npy", npy_file(dictionary("<f8", "(0, 4)"), "")));

  BOOST_TEST(values.shape(0) == 0u);
  BOOST_TEST(values.shape(1) == 4u);
}

BOOST_AUTO_TEST_CASE(npy_rejects_missing_file) {
  const std::string message = runtime_error_message([&] { nn::read_npy(path / "none.npy"); });

  check_contains(message, {"read_npy", "none.npy", "not found"});
}

BOOST_AUTO_TEST_CASE(npy_rejects_folder) {
  const std::string message = runtime_error_message([&] { nn::read_npy(path); });

  check_contains(message, {"is a folder"});
}

BOOST_AUTO_TEST_CASE(npy_rejects_empty_file) {
  check_contains(error_for(""), {"bad.npy", "is empty"});
}

BOOST_AUTO_TEST_CASE(npy_rejects_other_format) {
  check_contains(error_for("a,b\n1,2\n"), {"is not a .npy file", "magic string"});
}

BOOST_AUTO_TEST_CASE(npy_rejects_truncated_preamble) {
  check_contains(error_for(std::string("\x93NUMPY\x01", 7)), {"is truncated", "after 7 bytes"});
  check_contains(error_for(std::string("\x93NUMPY\x02\x00\x10", 9)), {"is truncated", "12-byte"});
}

BOOST_AUTO_TEST_CASE(npy_rejects_truncated_header) {
  const std::string whole = npy_file(dictionary("<f8", "(1,)"), raw_bytes<double>({1}));

  check_contains(error_for(whole.substr(0, 50)),
                 {"is truncated", "should end at byte 128", "only 50 bytes"});
}

BOOST_AUTO_TEST_CASE(npy_rejects_truncated_data) {
  const std::string whole = npy_file(dictionary("<f8", "(3, 2)"), raw_bytes<double>({1, 2, 3}));

  check_contains(error_for(whole), {"is truncated", "shape (3, 2)", "needs 48", "only 24"});
}

BOOST_AUTO_TEST_CASE(npy_rejects_trailing_bytes) {
  const std::string whole = npy_file(dictionary("<f8", "(1,)"), raw_bytes<double>({1, 2}));

  check_contains(error_for(whole), {"8 unexpected bytes after the 8 data bytes"});
}

BOOST_AUTO_TEST_CASE(npy_rejects_unsupported_dtypes) {
  for (const std::string descr : {"<c16", "<f2", "|O", "<U3", "|S4", "<M8", "<f8x", "f8"}) {
    BOOST_TEST_CONTEXT("dtype " << descr) {
      check_contains(error_for(npy_file(dictionary(descr, "(0,)"), "")),
                     {"dtype '" + descr + "'", "supported dtypes are"});
    }
  }
}

BOOST_AUTO_TEST_CASE(npy_rejects_big_endian) {
  check_contains(error_for(npy_file(dictionary(">f8", "(1,)"), raw_bytes<double>({1}))),
                 {"big-endian", "astype('<f8')"});
}

BOOST_AUTO_TEST_CASE(npy_rejects_structured_dtype) {
  const std::string text = "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }";

  check_contains(error_for(npy_file(text, raw_bytes<double>({1}))), {"structured dtype"});
}

BOOST_AUTO_TEST_CASE(npy_rejects_wrong_rank) {
  check_contains(error_for(npy_file(dictionary("<f8", "()"), raw_bytes<double>({1}))),
                 {"0-D array"});
  check_contains(error_for(npy_file(dictionary("<f8", "(1, 1, 1)"), raw_bytes<double>({1}))),
                 {"3-D array of shape (1, 1, 1)", "reshape it to 2-D"});
}

BOOST_AUTO_TEST_CASE(npy_rejects_unsupported_version) {
  std::string bytes = npy_file(dictionary("<f8", "(1,)"), raw_bytes<double>({1}));
  bytes[6] = '\x04';

  check_contains(error_for(bytes), {"version 4.0", "not supported"});
}

BOOST_AUTO_TEST_CASE(npy_rejects_malformed_headers) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", "expected '{'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,)", "expected '}'"},
      {"{'descr': '<f8', 'fortran_order': 0, 'shape': (1,)}", "True or False"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1)}", "is not a tuple"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}", "negative"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (x,)}", "non-negative integer"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}",
       "does not fit"},
      {"{'descr': '<f8', 'fortran_order': False}", "'shape' is missing"},
      {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", "appears twice"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", "unknown key 'x'"},
      {"{'descr' '<f8', 'fortran_order': False, 'shape': (1,)}", "expected ':'"},
      {"{'descr': '<f\\x38', 'fortran_order': False, 'shape': (1,)}", "escape"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} junk", "after the closing"},
  };

  for (const auto& [text, expected] : cases) {
    BOOST_TEST_CONTEXT("header " << text) {
      check_contains(error_for(npy_file(text, raw_bytes<double>({1}))),
                     {"malformed header", expected});
    }
  }
}

BOOST_AUTO_TEST_CASE(npy_rejects_size_overflow) {
  const std::string text = dictionary("<f8", "(4294967296, 4294967296)");

  check_contains(error_for(npy_file(text, "")), {"overflows"});
}

BOOST_AUTO_TEST_CASE(npy_reads_many_empty_rows) {
  // libFuzzer found this shape: about 1.8e15 rows of zero columns. The
  // conversion once looped over every row, so the read never returned.
  for (const std::string descr : {"<f8", "|b1"}) {
    BOOST_TEST_CONTEXT("dtype " << descr) {
      const Matrix values = nn::read_npy(
          write("rows.npy", npy_file(dictionary(descr, "(1844673709551615, 0)", "True"), "")));

      BOOST_TEST(values.shape(0) == 1844673709551615u);
      BOOST_TEST(values.shape(1) == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(npy_rejects_huge_dimension) {
  // An empty array needs no data bytes, so only the dimension limit stops a
  // shape whose strides would overflow xtensor's signed 64-bit integers.
  for (const std::string shape : {"(0, 9223372036854775808)", "(1152921504606846977, 0)"}) {
    BOOST_TEST_CONTEXT("shape " << shape) {
      check_contains(error_for(npy_file(dictionary("<f8", shape), "")),
                     {"shape " + shape, "dimension above 2^60"});
    }
  }
}

BOOST_AUTO_TEST_CASE(npy_rejects_binary_header) {
  std::string bytes = npy_file(dictionary("<f8", "(1,)"), raw_bytes<double>({1}));
  bytes[20] = '\xff';

  check_contains(error_for(bytes), {"byte 0xff at header offset 10"});
}

BOOST_AUTO_TEST_CASE(npy_rejects_huge_header_length) {
  std::string bytes("\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12);
  bytes += std::string(64, ' ');

  check_contains(error_for(bytes), {"header of 2147483647 bytes", "more than the 10000"});
}

BOOST_AUTO_TEST_CASE(npy_rejects_bad_bool_bytes) {
  check_contains(error_for(npy_file(dictionary("|b1", "(2,)"), std::string("\x01\x07", 2))),
                 {"row 1, column 0", "byte value 7"});
}

BOOST_AUTO_TEST_SUITE_END()
