#pragma once

// Option checks for CLI11 with messages that name the value and the rule.
// CLI11's own NonNegativeNumber and PositiveNumber print the largest double
// as the upper end of the range, which reads as noise.

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

namespace experiments {

// Parses `text` as a finite number; returns false for anything else.
inline bool parse_number(const std::string& text, double& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && errno == 0 && std::isfinite(value);
}

// Accepts finite numbers > 0.
inline CLI::Validator positive_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0.0;
        if (!parse_number(text, value)) return "'" + text + "' is not a finite number";
        if (value <= 0.0) return "must be greater than 0, got " + text;
        return "";
      },
      "POSITIVE");
}

// Accepts finite numbers >= 0.
inline CLI::Validator non_negative_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0.0;
        if (!parse_number(text, value)) return "'" + text + "' is not a finite number";
        if (value < 0.0) return "must be 0 or greater, got " + text;
        return "";
      },
      "NONNEGATIVE");
}

}  // namespace experiments
