#pragma once

// Checks shared by the validate() functions of the simulation options.

#include <array>
#include <charconv>
#include <stdexcept>
#include <string>
#include <string_view>

namespace physics::detail {

// Formats a double in the shortest form that reads back to the same value.
inline std::string format_number(double value) {
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
}

// Throws std::invalid_argument "<options>.<field> is <value>, but it must be
// <rule>" unless `valid`. A NaN value fails every comparison, so checks
// written as `valid = value > 0` also reject NaN.
inline void require_option(bool valid, std::string_view options, std::string_view field,
                           double value, std::string_view rule) {
  if (valid) {
    return;
  }
  throw std::invalid_argument(std::string(options) + "." + std::string(field) + " is " +
                              format_number(value) + ", but it must be " + std::string(rule));
}

}  // namespace physics::detail
