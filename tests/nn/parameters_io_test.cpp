#define BOOST_TEST_MODULE nn_parameters_io
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

#include "autodiff/parameter.hpp"
#include "nn/io/parameters_io.hpp"

using autodiff::Matrix;
using autodiff::Parameter;
namespace fs = std::filesystem;

namespace {

// The message of the std::runtime_error that `call` throws, or records a
// failure and returns "" when it throws nothing.
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

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Compares two arrays bit for bit, so that -0.0 differs from 0.0 and the last
// place of every value counts.
void check_bit_exact(const Matrix& actual, const Matrix& expected, const std::string& name) {
  BOOST_TEST_REQUIRE((autodiff::shape_of(actual) == autodiff::shape_of(expected)), name);
  for (std::size_t i = 0; i < expected.shape(0); ++i) {
    for (std::size_t j = 0; j < expected.shape(1); ++j) {
      BOOST_TEST(std::bit_cast<std::uint64_t>(actual(i, j)) ==
                     std::bit_cast<std::uint64_t>(expected(i, j)),
                 name << " [" << i << ", " << j << "]: got " << actual(i, j) << ", expected "
                      << expected(i, j));
    }
  }
}

// The two parameters every case saves: a [2, 3] matrix and a [1, 3] row.
struct Model {
  Parameter weights{"layer.weights", Matrix{{0.5, -1.25, 2.0}, {3.0, -0.75, 1.0}}};
  Parameter bias{"layer.bias", Matrix{{0.1, -0.2, 0.3}}};
  autodiff::ParameterList parameters() { return {&weights, &bias}; }
};

// A fresh folder under the system's temporary directory for each test case,
// removed afterwards. The process id and a counter keep folders apart across
// concurrent runs and across cases.
struct TemporaryFolder {
  TemporaryFolder() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("nn_parameters_io_test_" + std::to_string(::getpid()) +
                                        "_" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }

  fs::path write(const std::string& name, const std::string& text) const {
    const fs::path file = path / name;
    std::ofstream out(file, std::ios::binary);
    out << text;
    return file;
  }

  fs::path path;
};

// One saved entry in the format save_parameters writes.
std::string entry(const std::string& name, const std::string& shape, const std::string& values) {
  return R"({"name": ")" + name + R"(", "shape": )" + shape + R"(, "values": )" + values + "}";
}

// A file that matches Model except where a case changes one field.
std::string model_file(const std::string& weights_entry) {
  return "[" + weights_entry + ", " +
         entry("layer.bias", "[1, 3]", "[0.1, -0.2, 0.3]") + "]";
}

const std::string good_weights = entry("layer.weights", "[2, 3]", "[1, 2, 3, 4, 5, 6]");

}  // namespace

BOOST_FIXTURE_TEST_SUITE(parameters_io, TemporaryFolder)

BOOST_AUTO_TEST_CASE(round_trip_bit_exact) {
  // Values with 16 or 17 significant digits (1/3, pi, the double after 1),
  // signed zeros, subnormal numbers and the extremes of the finite range.
  Parameter hard{"hard",
                 Matrix{{0.1, 1.0 / 3.0, std::numbers::pi, -std::numbers::e},
                        {0.0, -0.0, std::nextafter(1.0, 2.0), 123456789.12345679},
                        {std::numeric_limits<double>::denorm_min(),
                         -std::numeric_limits<double>::min(), std::numeric_limits<double>::max(),
                         -std::numeric_limits<double>::max()},
                        {1e-300, -2.5e-310, 6.02214076e23, 1e22}}};
  Parameter scalar{"scalar", Matrix{{-7.0}}};
  const fs::path file = path / "parameters.json";
  nn::save_parameters(file, {&hard, &scalar});

  Parameter hard_read{"hard", Matrix({4, 4}, 42.0)};
  Parameter scalar_read{"scalar", Matrix({1, 1}, 42.0)};
  nn::load_parameters(file, {&hard_read, &scalar_read});

  check_bit_exact(hard_read.value, hard.value, "hard");
  check_bit_exact(scalar_read.value, scalar.value, "scalar");
  BOOST_TEST(std::signbit(hard_read.value(1, 1)));
  BOOST_TEST(!std::signbit(hard_read.value(1, 0)));
}

BOOST_AUTO_TEST_CASE(round_trip_model) {
  Model saved;
  const fs::path file = path / "model.json";
  nn::save_parameters(file, saved.parameters());

  Model loaded;
  loaded.weights.value.fill(0.0);
  loaded.bias.value.fill(0.0);
  nn::load_parameters(file, loaded.parameters());

  check_bit_exact(loaded.weights.value, saved.weights.value, "layer.weights");
  check_bit_exact(loaded.bias.value, saved.bias.value, "layer.bias");
}

BOOST_AUTO_TEST_CASE(round_trip_empty_list) {
  const fs::path file = path / "empty.json";

  nn::save_parameters(file, {});

  BOOST_CHECK_NO_THROW(nn::load_parameters(file, {}));
}

BOOST_AUTO_TEST_CASE(save_overwrites) {
  const fs::path file = path / "model.json";
  Model first;
  nn::save_parameters(file, first.parameters());
  Model second;
  second.bias.value = Matrix{{9.0, 8.0, 7.0}};

  nn::save_parameters(file, second.parameters());
  Model loaded;
  nn::load_parameters(file, loaded.parameters());

  check_bit_exact(loaded.bias.value, second.bias.value, "layer.bias");
}

BOOST_AUTO_TEST_CASE(save_missing_folder_throws) {
  Model model;
  const fs::path file = path / "missing" / "model.json";

  const std::string message =
      runtime_error_message([&] { nn::save_parameters(file, model.parameters()); });

  BOOST_TEST(contains(message, file.string()), message);
}

BOOST_AUTO_TEST_CASE(load_missing_file_throws) {
  Model model;
  const fs::path file = path / "absent.json";

  const std::string message =
      runtime_error_message([&] { nn::load_parameters(file, model.parameters()); });

  BOOST_TEST(contains(message, file.string()), message);
  BOOST_TEST(contains(message, "not found"), message);
}

BOOST_AUTO_TEST_CASE(load_invalid_json_throws) {
  Model model;
  const fs::path file = write("broken.json", R"([{"name": "layer.weights", "shape": [2, 3],)");

  const std::string message =
      runtime_error_message([&] { nn::load_parameters(file, model.parameters()); });

  BOOST_TEST(contains(message, file.string()), message);
  BOOST_TEST(contains(message, "not valid JSON"), message);
}

BOOST_AUTO_TEST_CASE(load_not_array_throws) {
  Model model;
  const fs::path file = write("object.json", R"({"layer.weights": [1, 2, 3, 4, 5, 6]})");

  const std::string message =
      runtime_error_message([&] { nn::load_parameters(file, model.parameters()); });

  BOOST_TEST(contains(message, file.string()), message);
  BOOST_TEST(contains(message, "not a JSON array"), message);
}

BOOST_AUTO_TEST_CASE(load_wrong_count_throws) {
  Model model;
  const fs::path file = write("one.json", "[" + good_weights + "]");

  const std::string message =
      runtime_error_message([&] { nn::load_parameters(file, model.parameters()); });

  BOOST_TEST(contains(message, file.string()), message);
  BOOST_TEST(contains(message, "contains 1 parameters, the model has 2"), message);
}

BOOST_AUTO_TEST_CASE(load_wrong_name_throws) {
  Model model;
  const fs::path file =
      write("renamed.json", model_file(entry("other.weights", "[2, 3]", "[1, 2, 3, 4, 5, 6]")));

  const std::string message =
      runtime_error_message([&] { nn::load_parameters(file, model.parameters()); });

  BOOST_TEST(contains(message, file.string()), message);
  BOOST_TEST(contains(message, "entry 0"), message);
  BOOST_TEST(contains(message, "'other.weights'"), message);
  BOOST_TEST(contains(message, "'layer.weights'"), message);
}

BOOST_AUTO_TEST_CASE(load_wrong_shape_throws) {
  Model model;
  const fs::path file =
      write("reshaped.json", model_file(entry("layer.weights", "[3, 2]", "[1, 2, 3, 4, 5, 6]")));

  const std::string message =
      runtime_error_message([&] { nn::load_parameters(file, model.parameters()); });

  BOOST_TEST(contains(message, file.string()), message);
  BOOST_TEST(contains(message, "[3, 2]"), message);
  BOOST_TEST(contains(message, "[2, 3]"), message);
}

BOOST_AUTO_TEST_CASE(load_wrong_value_count_throws) {
  Model model;
  const fs::path file =
      write("short.json", model_file(entry("layer.weights", "[2, 3]", "[1, 2, 3, 4, 5]")));

  const std::string message =
      runtime_error_message([&] { nn::load_parameters(file, model.parameters()); });

  BOOST_TEST(contains(message, file.string()), message);
  BOOST_TEST(contains(message, "has 5 values, expected 6"), message);
}

BOOST_AUTO_TEST_CASE(load_malformed_entry_throws) {
  // A missing field, and a value that is not a number (what NaN saves as).
  Model model;
  for (const std::string& weights_entry :
       {std::string(R"({"name": "layer.weights", "shape": [2, 3]})"),
        entry("layer.weights", "[2, 3]", "[1, 2, null, 4, 5, 6]")}) {
    const fs::path file = write("malformed.json", model_file(weights_entry));

    const std::string message =
        runtime_error_message([&] { nn::load_parameters(file, model.parameters()); });

    BOOST_TEST(contains(message, file.string()), message);
    BOOST_TEST(contains(message, "entry 0 is malformed"), message);
  }
}

BOOST_AUTO_TEST_CASE(failed_load_keeps_values) {
  // Entry 0 matches and entry 1 does not, so a load that copied entry by
  // entry would already have changed the weights when it throws.
  Model model;
  const Matrix weights_before = model.weights.value;
  const Matrix bias_before = model.bias.value;
  const fs::path file =
      write("half.json", "[" + good_weights + ", " +
                             entry("layer.bias", "[1, 4]", "[0.1, -0.2, 0.3, 0.4]") + "]");

  BOOST_CHECK_THROW(nn::load_parameters(file, model.parameters()), std::runtime_error);

  check_bit_exact(model.weights.value, weights_before, "layer.weights");
  check_bit_exact(model.bias.value, bias_before, "layer.bias");
}

BOOST_AUTO_TEST_SUITE_END()
