#pragma once

// The array type of the engine and the helpers that format shapes and numbers
// in errors.
//
// Every value on the tape is a rank-2 array of Scalar. A batch of samples is
// [batch, features], a column of per-sample numbers is [batch, 1] and a scalar
// is [1, 1]. A fixed rank keeps shapes on the stack and makes broadcasting a
// two-axis rule, which is all that dense networks need.

#include <array>
#include <charconv>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include <xtensor/xtensor.hpp>

namespace autodiff {

// The element type: double by default, float in a build configured with
// -DPIVOT_SCALAR=float (CMakeLists.txt), which halves the work per element of
// the matrix products and the vectorized math. Gradient checks need double.
#ifdef AUTODIFF_SCALAR_FLOAT
using Scalar = float;
#else
using Scalar = double;
#endif

using Matrix = xt::xtensor<Scalar, 2>;

// "double" or "float", for the logs and result files of experiment programs.
inline constexpr const char* scalar_name = sizeof(Scalar) == sizeof(double) ? "double" : "float";
using Shape = std::array<std::size_t, 2>;

inline Shape shape_of(const Matrix& matrix) {
  return {matrix.shape(0), matrix.shape(1)};
}

// Formats a shape as "[rows, cols]".
inline std::string to_string(const Shape& shape) {
  return "[" + std::to_string(shape[0]) + ", " + std::to_string(shape[1]) + "]";
}

// Formats a double in the shortest form that reads back to the same value,
// for error messages: 0.1 prints as "0.1", not "0.100000".
inline std::string format_number(double value) {
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
}

// Builds the one message format that every shape error uses:
// "<op>: <problem>: got [a, b] and [c, d]".
inline std::invalid_argument shape_error(std::string_view op, std::string_view problem,
                                         const Shape& first, const Shape& second) {
  return std::invalid_argument(std::string(op) + ": " + std::string(problem) + ": got " +
                               to_string(first) + " and " + to_string(second));
}

// Builds an error for a single bad shape: "<op>: <problem>: got [a, b]".
inline std::invalid_argument shape_error(std::string_view op, std::string_view problem,
                                         const Shape& shape) {
  return std::invalid_argument(std::string(op) + ": " + std::string(problem) + ": got " +
                               to_string(shape));
}

}  // namespace autodiff
