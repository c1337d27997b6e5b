#include "nn/data/npy.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <istream>
#include <limits>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <xtensor/xnpy.hpp>

namespace nn {
namespace {

using autodiff::Matrix;
using autodiff::Scalar;

constexpr std::string_view npy_magic{"\x93NUMPY", 6};

// numpy 1.24's np.load rejects longer headers unless the caller raises its
// max_header_size parameter, because parsing them is a resource risk.
constexpr std::size_t max_header_bytes = 10000;

enum class ElementType {
  float32,
  float64,
  int8,
  int16,
  int32,
  int64,
  uint8,
  uint16,
  uint32,
  uint64,
  boolean
};

struct Dtype {
  ElementType type = ElementType::float64;
  std::size_t bytes = 8;
};

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
};

// A problem in the header text; NpyReader adds the file name.
class HeaderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

// Formats a shape as Python prints a tuple: "(3,)", "(3, 2)" or "()".
std::string format_shape(const std::vector<std::size_t>& shape) {
  std::string text = "(";
  for (std::size_t axis = 0; axis < shape.size(); ++axis) {
    if (axis > 0) {
      text += ", ";
    }
    text += std::to_string(shape[axis]);
  }
  text += shape.size() == 1 ? ",)" : ")";
  return text;
}

// Header text for a message: at most 120 characters, line breaks shown as \n.
std::string excerpt(std::string_view text) {
  constexpr std::size_t max_length = 120;
  const std::size_t last = text.find_last_not_of(" \t\r\n");
  text = text.substr(0, last == std::string_view::npos ? 0 : last + 1);  // drop the padding

  std::string result;
  for (const char c : text.substr(0, max_length)) {
    result += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  if (text.size() > max_length) {
    result += "...";
  }
  return result;
}

// Parses the Python dictionary literal of a .npy header, for instance
// {'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }
// with keys in any order, as numpy's own reader accepts them. Throws
// HeaderError naming the offset of the first problem.
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  Header parse() {
    Header header;
    bool seen_descr = false;
    bool seen_fortran_order = false;
    bool seen_shape = false;

    skip_whitespace();
    expect('{', "at the start of the dictionary");
    while (true) {
      skip_whitespace();
      if (consume('}')) {
        break;
      }

      const std::string key = parse_string("a quoted key");
      skip_whitespace();
      expect(':', "after the key '" + key + "'");
      skip_whitespace();
      if (key == "descr") {
        mark_seen(seen_descr, key);
        if (peek() == '[') {
          fail(
              "'descr' is a list, which describes a structured dtype; only plain numeric "
              "arrays are supported");
        }
        header.descr = parse_string("the quoted dtype string of 'descr'");
      } else if (key == "fortran_order") {
        mark_seen(seen_fortran_order, key);
        header.fortran_order = parse_bool();
      } else if (key == "shape") {
        mark_seen(seen_shape, key);
        header.shape = parse_shape();
      } else {
        fail("unknown key '" + key +
             "'; a .npy header has the keys 'descr', 'fortran_order' and 'shape'");
      }

      skip_whitespace();
      if (consume(',')) {
        continue;
      }
      expect('}', "after the value of '" + key + "'");
      break;
    }

    skip_whitespace();
    if (position_ != text_.size()) {
      fail("unexpected text after the closing '}'");
    }
    if (!seen_descr || !seen_fortran_order || !seen_shape) {
      std::string missing = "shape";
      if (!seen_descr) {
        missing = "descr";
      } else if (!seen_fortran_order) {
        missing = "fortran_order";
      }
      throw HeaderError("the key '" + missing + "' is missing");
    }
    return header;
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw HeaderError(problem + " (at header offset " + std::to_string(position_) + ")");
  }

  char peek() const { return position_ < text_.size() ? text_[position_] : '\0'; }

  void skip_whitespace() {
    while (position_ < text_.size() &&
           std::string_view(" \t\r\n").find(text_[position_]) != std::string_view::npos) {
      ++position_;
    }
  }

  bool consume(char expected) {
    if (peek() != expected || position_ >= text_.size()) {
      return false;
    }
    ++position_;
    return true;
  }

  void expect(char expected, const std::string& context) {
    if (!consume(expected)) {
      fail(std::string("expected '") + expected + "' " + context);
    }
  }

  void mark_seen(bool& seen, const std::string& key) const {
    if (seen) {
      fail("the key '" + key + "' appears twice");
    }
    seen = true;
  }

  // A Python string literal in single or double quotes, without escapes.
  std::string parse_string(const std::string& what) {
    const char quote = peek();
    if (quote != '\'' && quote != '"') {
      fail("expected " + what);
    }
    ++position_;

    const std::size_t start = position_;
    while (position_ < text_.size() && text_[position_] != quote) {
      if (text_[position_] == '\\') {
        fail("escape sequences in strings are not supported");
      }
      ++position_;
    }
    if (position_ >= text_.size()) {
      fail("a string is not closed");
    }
    const std::string value(text_.substr(start, position_ - start));
    ++position_;
    return value;
  }

  bool parse_bool() {
    for (const auto& [word, value] :
         {std::pair{std::string_view("True"), true}, std::pair{std::string_view("False"), false}}) {
      if (text_.substr(position_, word.size()) == word) {
        position_ += word.size();
        return value;
      }
    }
    fail("'fortran_order' must be True or False");
  }

  // A tuple of non-negative integers: "()", "(n,)" or "(n, m, ...)", with an
  // optional trailing comma after the last of several.
  std::vector<std::size_t> parse_shape() {
    expect('(', "to open the 'shape' tuple");
    std::vector<std::size_t> shape;
    skip_whitespace();
    if (consume(')')) {
      return shape;
    }

    while (true) {
      shape.push_back(parse_dimension());
      skip_whitespace();
      if (consume(')')) {
        if (shape.size() == 1) {
          fail("'shape' (" + std::to_string(shape[0]) + ") is not a tuple; a 1-D shape is (" +
               std::to_string(shape[0]) + ",)");
        }
        return shape;
      }
      expect(',', "or ')' after a dimension of 'shape'");
      skip_whitespace();
      if (consume(')')) {
        return shape;
      }
    }
  }

  std::size_t parse_dimension() {
    const char* first = text_.data() + position_;
    const char* last = text_.data() + text_.size();
    if (position_ >= text_.size() || peek() < '0' || peek() > '9') {
      fail(peek() == '-' ? "a dimension of 'shape' is negative"
                         : "expected a non-negative integer in 'shape'");
    }

    std::size_t dimension = 0;
    const auto [end, error] = std::from_chars(first, last, dimension);
    if (error == std::errc::result_out_of_range) {
      fail("a dimension of 'shape' does not fit in " +
           std::to_string(std::numeric_limits<std::size_t>::digits) + " bits");
    }
    position_ += static_cast<std::size_t>(end - first);

    // Python 2 wrote long integers with an L suffix, as in (3L, 2L).
    consume('L');
    return dimension;
  }

  std::string_view text_;
  std::size_t position_ = 0;
};

// A stream buffer that serves `header` and then the rest of `file`, so that
// xtensor reads a header built here followed by the file's data bytes.
class HeaderThenFile : public std::streambuf {
 public:
  HeaderThenFile(std::string header, std::streambuf& file)
      : header_(std::move(header)), file_(file), chunk_(1 << 16) {
    setg(header_.data(), header_.data(), header_.data() + header_.size());
  }

 protected:
  int_type underflow() override {
    const std::streamsize count =
        file_.sgetn(chunk_.data(), static_cast<std::streamsize>(chunk_.size()));
    if (count <= 0) {
      return traits_type::eof();
    }
    setg(chunk_.data(), chunk_.data(), chunk_.data() + count);
    return traits_type::to_int_type(chunk_[0]);
  }

 private:
  std::string header_;
  std::streambuf& file_;
  std::vector<char> chunk_;
};

// Builds the preamble and header that xtensor reads in place of the file's
// own: version 1.0, keys in numpy's order, padded to 128 bytes as numpy pads
// small headers.
// NOTE: xtensor 0.24 reads the header length through signed char, so a length
// whose low byte is 0x80 or more (numpy writes 182 or 246 for long headers)
// is misread. The fixed length 118 (0x76) avoids that.
std::string canonical_header(std::string_view descr, bool fortran_order,
                             const std::vector<std::size_t>& shape) {
  constexpr std::size_t header_length = 118;
  std::string dictionary = "{'descr': '" + std::string(descr) +
                           "', 'fortran_order': " + (fortran_order ? "True" : "False") +
                           ", 'shape': " + format_shape(shape) + ", }";
  if (dictionary.size() >= header_length) {
    throw std::logic_error("read_npy: the rebuilt header '" + dictionary + "' is longer than " +
                           std::to_string(header_length - 1) + " bytes");
  }
  dictionary.append(header_length - 1 - dictionary.size(), ' ');
  dictionary += '\n';

  std::string preamble(npy_magic);
  preamble += std::string("\x01\x00", 2);
  preamble += static_cast<char>(header_length);
  preamble += '\0';
  return preamble + dictionary;
}

// Loads the array with xtensor as element type T, then converts it to double.
template <typename T>
Matrix load_as_double(std::istream& stream, const std::vector<std::size_t>& shape) {
  const auto array = xt::load_npy<T>(stream);  // shape as in the header, either order
  if (array.dimension() != shape.size()) {
    throw std::runtime_error("xtensor returned an array of rank " +
                             std::to_string(array.dimension()) + " for the shape " +
                             format_shape(shape));
  }

  const std::size_t rows = shape[0];
  const std::size_t columns = shape.size() == 2 ? shape[1] : 1;
  Matrix values(std::array<std::size_t, 2>{rows, columns});  // [rows, columns]
  if (values.size() == 0) {
    return values;  // a loop over up to 2^60 rows of zero columns would never end
  }

  for (std::size_t row = 0; row < rows; ++row) {
    if (shape.size() == 1) {
      values(row, 0) = static_cast<Scalar>(array(row));
      continue;
    }
    for (std::size_t column = 0; column < columns; ++column) {
      values(row, column) = static_cast<Scalar>(array(row, column));
    }
  }
  return values;
}

class NpyReader {
 public:
  explicit NpyReader(std::filesystem::path path) : path_(std::move(path)) {}

  Matrix read() {
    const std::uintmax_t file_size = check_file();
    std::ifstream file(path_, std::ios::binary);
    if (!file) {
      fail("cannot be opened: " + std::error_code(errno, std::generic_category()).message());
    }

    const std::size_t preamble_bytes = read_preamble(file, file_size);
    std::string text(header_length_, '\0');
    file.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (static_cast<std::size_t>(file.gcount()) != text.size()) {
      fail("ended while its header was read; it may have changed during the read");
    }
    check_ascii(text);

    Header header;
    try {
      header = HeaderParser(text).parse();
    } catch (const HeaderError& error) {
      fail("has a malformed header: " + std::string(error.what()) + "; the header is \"" +
           excerpt(text) + "\"");
    }

    const Dtype dtype = dtype_of(header.descr);
    check_shape(header);
    check_data_size(header, dtype, file_size - preamble_bytes - header_length_);
    return load(file, header, dtype);
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw std::runtime_error("read_npy: " + quoted(path_) + " " + problem);
  }

  // Returns the file's size after checking that it is a non-empty regular file.
  std::uintmax_t check_file() const {
    std::error_code error;
    const std::filesystem::file_status status = std::filesystem::status(path_, error);
    if (status.type() == std::filesystem::file_type::not_found) {
      fail("not found");
    }
    if (error) {
      fail("cannot be accessed: " + error.message());
    }
    if (status.type() == std::filesystem::file_type::directory) {
      fail("is a folder, not a .npy file");
    }
    if (status.type() != std::filesystem::file_type::regular) {
      fail("is not a regular file");
    }

    const std::uintmax_t size = std::filesystem::file_size(path_, error);
    if (error) {
      fail("cannot be accessed: " + error.message());
    }
    if (size == 0) {
      fail("is empty; expected a NumPy .npy file");
    }
    return size;
  }

  // Reads the magic string, the version and the header length; returns the
  // number of bytes before the header (10 for version 1.0, 12 otherwise).
  std::size_t read_preamble(std::istream& file, std::uintmax_t file_size) {
    std::array<char, 12> bytes{};
    file.read(bytes.data(), 8);
    const auto read = static_cast<std::size_t>(file.gcount());
    const std::size_t compared = std::min(read, npy_magic.size());
    if (std::string_view(bytes.data(), compared) != npy_magic.substr(0, compared)) {
      fail("is not a .npy file: it does not start with the magic string \\x93NUMPY");
    }
    if (read < 8) {
      fail("is truncated: it ends after " + std::to_string(read) +
           " bytes, inside the .npy preamble");
    }

    const auto major = static_cast<unsigned char>(bytes[6]);
    const auto minor = static_cast<unsigned char>(bytes[7]);
    if (minor != 0 || major < 1 || major > 3) {
      fail("has .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
           ", which is not supported; expected 1.0, 2.0 or 3.0");
    }

    // Version 1.0 stores the header length in 2 bytes, later versions in 4,
    // both little-endian.
    const std::size_t length_bytes = major == 1 ? 2 : 4;
    const std::size_t preamble_bytes = 8 + length_bytes;
    file.read(bytes.data() + 8, static_cast<std::streamsize>(length_bytes));
    if (static_cast<std::size_t>(file.gcount()) != length_bytes) {
      fail("is truncated: it ends inside the " + std::to_string(preamble_bytes) +
           "-byte .npy preamble");
    }
    header_length_ = 0;
    for (std::size_t i = length_bytes; i-- > 0;) {
      header_length_ = header_length_ * 256 + static_cast<unsigned char>(bytes[8 + i]);
    }

    if (header_length_ > max_header_bytes) {
      fail("declares a header of " + std::to_string(header_length_) + " bytes, more than the " +
           std::to_string(max_header_bytes) +
           " that numpy and read_npy accept; the file is damaged or not a plain array");
    }
    if (preamble_bytes + header_length_ > file_size) {
      fail("is truncated: its header should end at byte " +
           std::to_string(preamble_bytes + header_length_) + " but the file has only " +
           std::to_string(file_size) + " bytes");
    }
    return preamble_bytes;
  }

  // Rejects bytes outside printable ASCII, tab and line breaks: numpy writes
  // the dictionary as ASCII, and anything else means a damaged file.
  void check_ascii(std::string_view text) const {
    for (std::size_t offset = 0; offset < text.size(); ++offset) {
      const auto byte = static_cast<unsigned char>(text[offset]);
      const bool printable = byte >= 0x20 && byte < 0x7f;
      if (!printable && byte != '\t' && byte != '\n' && byte != '\r') {
        static constexpr std::string_view hex = "0123456789abcdef";
        fail(std::string("has a damaged header: byte 0x") + hex[byte >> 4] + hex[byte & 0xf] +
             " at header offset " + std::to_string(offset) + " is not printable ASCII");
      }
    }
  }

  // Maps a dtype string such as "<f8" to an element type.
  Dtype dtype_of(const std::string& descr) const {
    const std::string supported =
        "; supported dtypes are little-endian float64, float32, int8 to int64, uint8 to "
        "uint64 and bool";
    if (descr.size() < 2 || std::string_view("<>|=").find(descr[0]) == std::string_view::npos) {
      fail("has dtype '" + descr + "', which is not a valid dtype string" + supported);
    }
    if (descr[1] == 'O') {
      fail("holds Python objects (dtype '" + descr + "'), which only numpy can unpickle" +
           supported);
    }

    std::size_t bytes = 0;
    const char* digits = descr.data() + 2;
    const auto [end, error] = std::from_chars(digits, descr.data() + descr.size(), bytes);
    const bool sized = error == std::errc() && end == descr.data() + descr.size();

    Dtype dtype;
    dtype.bytes = bytes;
    const char kind = descr[1];
    if (sized && kind == 'f' && bytes == 4) {
      dtype.type = ElementType::float32;
    } else if (sized && kind == 'f' && bytes == 8) {
      dtype.type = ElementType::float64;
    } else if (sized && kind == 'i' && (bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8)) {
      dtype.type = bytes == 1   ? ElementType::int8
                   : bytes == 2 ? ElementType::int16
                   : bytes == 4 ? ElementType::int32
                                : ElementType::int64;
    } else if (sized && kind == 'u' && (bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8)) {
      dtype.type = bytes == 1   ? ElementType::uint8
                   : bytes == 2 ? ElementType::uint16
                   : bytes == 4 ? ElementType::uint32
                                : ElementType::uint64;
    } else if (sized && kind == 'b' && bytes == 1) {
      dtype.type = ElementType::boolean;
    } else {
      fail("has dtype '" + descr + "', which cannot be converted to double" + supported);
    }

    if (bytes > 1 && descr[0] == '>') {
      fail("has the big-endian dtype '" + descr + "'; save the array with astype('<" +
           descr.substr(1) + "') first");
    }
    if (bytes > 1 && descr[0] != '<') {
      fail("has dtype '" + descr + "' without an explicit byte order" + supported);
    }
    return dtype;
  }

  void check_shape(const Header& header) const {
    if (header.shape.empty()) {
      fail(
          "contains a 0-D array (a scalar); read_npy reads 1-D arrays as [n, 1] columns and "
          "2-D arrays as they are");
    }
    if (header.shape.size() > 2) {
      fail("contains a " + std::to_string(header.shape.size()) + "-D array of shape " +
           format_shape(header.shape) +
           "; read_npy reads only 1-D and 2-D arrays, so reshape it to 2-D before saving");
    }

    // Only an empty array can have a dimension this large, because the data
    // bytes must fit in the file. xtensor keeps strides as signed 64-bit
    // integers, and a dimension near 2^63 overflows them.
    constexpr std::size_t max_dimension = std::size_t{1} << 60;
    for (const std::size_t dimension : header.shape) {
      if (dimension > max_dimension) {
        fail("has shape " + format_shape(header.shape) + " with a dimension above 2^60 (" +
             std::to_string(max_dimension) + "); the header is damaged");
      }
    }
  }

  // Compares the data bytes that the header's shape and dtype need with the
  // bytes that follow the header.
  void check_data_size(const Header& header, const Dtype& dtype, std::uintmax_t available) const {
    const std::string described =
        "shape " + format_shape(header.shape) + " of dtype '" + header.descr + "'";
    std::size_t needed = dtype.bytes;
    for (const std::size_t dimension : header.shape) {
      if (dimension != 0 && needed > std::numeric_limits<std::size_t>::max() / dimension) {
        fail("has a header with " + described +
             ", whose size in bytes overflows; the header "
             "is damaged");
      }
      needed *= dimension;
    }

    if (available < needed) {
      fail("is truncated: " + described + " needs " + std::to_string(needed) +
           " data bytes after the header, but only " + std::to_string(available) + " follow");
    }
    if (available > needed) {
      fail("has " + std::to_string(available - needed) + " unexpected bytes after the " +
           std::to_string(needed) + " data bytes of " + described +
           "; the file is damaged or its header is wrong");
    }
  }

  Matrix load(std::ifstream& file, const Header& header, const Dtype& dtype) const {
    HeaderThenFile buffer(
        canonical_header(descr_for_xtensor(dtype.type), header.fortran_order, header.shape),
        *file.rdbuf());
    std::istream stream(&buffer);

    Matrix values;
    try {
      values = load_with_type(stream, header.shape, dtype.type);
    } catch (const std::exception& error) {
      fail("could not be loaded by xtensor: " + std::string(error.what()));
    }
    if (!stream) {
      fail("ended before its data was read; it may have changed during the read");
    }

    if (dtype.type == ElementType::boolean) {
      check_booleans(values);
    }
    return values;
  }

  // The dtype string that xtensor expects for the C++ type loaded. A bool
  // array is loaded as bytes, because reading a byte other than 0 or 1 as
  // bool is undefined behaviour; check_booleans rejects such bytes.
  static std::string_view descr_for_xtensor(ElementType type) {
    switch (type) {
      case ElementType::float32:
        return "<f4";
      case ElementType::float64:
        return "<f8";
      case ElementType::int8:
        return "|i1";
      case ElementType::int16:
        return "<i2";
      case ElementType::int32:
        return "<i4";
      case ElementType::int64:
        return "<i8";
      case ElementType::uint8:
        return "|u1";
      case ElementType::uint16:
        return "<u2";
      case ElementType::uint32:
        return "<u4";
      case ElementType::uint64:
        return "<u8";
      case ElementType::boolean:
        return "|u1";
    }
    throw std::logic_error("read_npy: unknown element type");
  }

  static Matrix load_with_type(std::istream& stream, const std::vector<std::size_t>& shape,
                               ElementType type) {
    switch (type) {
      case ElementType::float32:
        return load_as_double<float>(stream, shape);
      case ElementType::float64:
        return load_as_double<double>(stream, shape);
      case ElementType::int8:
        return load_as_double<std::int8_t>(stream, shape);
      case ElementType::int16:
        return load_as_double<std::int16_t>(stream, shape);
      case ElementType::int32:
        return load_as_double<std::int32_t>(stream, shape);
      case ElementType::int64:
        return load_as_double<std::int64_t>(stream, shape);
      case ElementType::uint8:
        return load_as_double<std::uint8_t>(stream, shape);
      case ElementType::uint16:
        return load_as_double<std::uint16_t>(stream, shape);
      case ElementType::uint32:
        return load_as_double<std::uint32_t>(stream, shape);
      case ElementType::uint64:
        return load_as_double<std::uint64_t>(stream, shape);
      case ElementType::boolean:
        return load_as_double<std::uint8_t>(stream, shape);
    }
    throw std::logic_error("read_npy: unknown element type");
  }

  // Walks the elements in memory order, which stays short for an empty
  // matrix of many rows and zero columns.
  void check_booleans(const Matrix& values) const {
    const std::size_t columns = values.shape(1);
    for (std::size_t index = 0; index < values.size(); ++index) {
      const double value = values.data()[index];
      if (value != 0.0 && value != 1.0) {
        fail("is a bool array, but the element at row " + std::to_string(index / columns) +
             ", column " + std::to_string(index % columns) + " has the byte value " +
             std::to_string(static_cast<int>(value)) + "; a bool array stores only 0 and 1");
      }
    }
  }

  std::filesystem::path path_;
  std::size_t header_length_ = 0;
};

}  // namespace

Matrix read_npy(const std::filesystem::path& path) { return NpyReader(path).read(); }

}  // namespace nn
