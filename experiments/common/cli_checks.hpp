#pragma once

// Option checks for CLI11 with messages that name the value and the rule.
// CLI11's own NonNegativeNumber and PositiveNumber print the largest double
// as the upper end of the range, which reads as noise.

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <CLI/CLI.hpp>

namespace experiments {

// Returns true when `text` is a number in decimal notation: an optional sign,
// digits with at most one '.', at least one digit, and an optional exponent
// of 'e' or 'E', an optional sign and digits. strtod, which CLI11 2.1 calls
// through strtold, also reads hexadecimal ("0x10" as 16), "inf", "nan" and
// leading white space; this grammar rejects them.
inline bool is_decimal_number(std::string_view text) {
  std::size_t position = 0;
  auto skip_sign = [&] {
    if (position < text.size() && (text[position] == '+' || text[position] == '-')) ++position;
  };
  auto skip_digits = [&] {
    const std::size_t start = position;
    while (position < text.size() && text[position] >= '0' && text[position] <= '9') ++position;
    return position - start;
  };

  skip_sign();
  std::size_t digits = skip_digits();
  if (position < text.size() && text[position] == '.') {
    ++position;
    digits += skip_digits();
  }
  if (digits == 0) return false;
  if (position < text.size() && (text[position] == 'e' || text[position] == 'E')) {
    ++position;
    skip_sign();
    if (skip_digits() == 0) return false;
  }
  return position == text.size();
}

// Parses `text` as a finite number in decimal notation. Returns false for
// anything else, also for values outside the range of double such as 1e999
// and 1e-400, because strtod sets ERANGE for them.
inline bool parse_number(const std::string& text, double& value) {
  if (!is_decimal_number(text)) return false;
  char* end = nullptr;
  errno = 0;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && errno == 0 && std::isfinite(value);
}

inline std::string not_a_number_message(const std::string& text) {
  return "'" + text + "' is not a finite number in decimal notation, such as 0.5 or 1e-3";
}

// Accepts finite numbers > 0 in decimal notation.
inline CLI::Validator positive_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0.0;
        if (!parse_number(text, value)) return not_a_number_message(text);
        if (value <= 0.0) return "must be greater than 0, got " + text;
        return "";
      },
      "POSITIVE");
}

// Accepts finite numbers >= 0 in decimal notation and rewrites every zero,
// "-0" included, as "0", so that the option stores +0.0 and prints as 0. The
// rewrite takes effect only when the validator is registered with
// transform(); CLI11 runs a check() validator on a copy of the text.
inline CLI::Validator non_negative_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0.0;
        if (!parse_number(text, value)) return not_a_number_message(text);
        if (value < 0.0) return "must be 0 or greater, got " + text;
        if (value == 0.0) text = "0";
        return "";
      },
      "NONNEGATIVE");
}

// Accepts whole numbers from `minimum` to `maximum` written in decimal
// digits. A leading '-' is read only to name a negative value in the message.
// Register it with transform(), not check(), because it rewrites the text
// without leading zeros. CLI11 2.1 converts with strtoull in base 0, which
// reads "010" as octal 8, takes "-1" as 2^64 - 1 and clamps values beyond 64
// bits to 2^64 - 1.
inline CLI::Validator unsigned_integer(
    std::uint64_t minimum, std::uint64_t maximum = std::numeric_limits<std::uint64_t>::max()) {
  const bool unbounded = maximum == std::numeric_limits<std::uint64_t>::max();
  const std::string range = "from " + std::to_string(minimum) + " to " + std::to_string(maximum);
  auto below_minimum = [=](const std::string& text) -> std::string {
    if (minimum == 0) return "must be 0 or greater, got " + text;
    if (minimum == 1 && unbounded) return "must be greater than 0, got " + text;
    return "must be " + range + ", got " + text;
  };
  std::string description;
  if (minimum == 1 && unbounded) {
    description = "POSITIVE";
  } else if (minimum > 0 || !unbounded) {
    description = "in [" + std::to_string(minimum) + ", " + std::to_string(maximum) + "]";
  }

  return CLI::Validator(
      [=](std::string& text) -> std::string {
        const bool negative = !text.empty() && text.front() == '-';
        const std::string digits = negative ? text.substr(1) : text;
        const bool decimal =
            !digits.empty() &&
            std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!decimal) return "'" + text + "' is not a whole number in decimal digits";

        std::uint64_t value = 0;
        const auto [end, error] =
            std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (negative && (error == std::errc::result_out_of_range || value != 0)) {
          return below_minimum(text);
        }
        if (error == std::errc::result_out_of_range || value > maximum) {
          return unbounded ? "must be at most " + std::to_string(maximum) + ", got " + text
                           : "must be " + range + ", got " + text;
        }
        if (value < minimum) return below_minimum(text);
        text = std::to_string(value);
        return "";
      },
      description);
}

// Accepts whole numbers from 0 to 2^64 - 1; see unsigned_integer.
inline CLI::Validator non_negative_integer() { return unsigned_integer(0); }

// Accepts whole numbers from 1 to 2^64 - 1; see unsigned_integer.
inline CLI::Validator positive_integer() { return unsigned_integer(1); }

// Returns the message of a failed parse. CLI11 2.1 reports an option of one
// value that was given twice as "<name>: At Most 1 required but received 2",
// and for that case this returns "<name> was given 2 times; give it once".
inline std::string describe_parse_error(const CLI::App& app, const CLI::ParseError& error) {
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr) {
    for (const CLI::Option* option : app.get_options()) {
      const bool single = option->get_items_expected_max() <= 1 &&
                          option->get_multi_option_policy() == CLI::MultiOptionPolicy::Throw;
      if (single && option->count() > 1) {
        return option->get_name() + " was given " + std::to_string(option->count()) +
               " times; give it once";
      }
    }
  }
  return error.what();
}

// Parses the command line of the experiment program `program`. Returns
// std::nullopt when the program should go on, or its exit status: 0 after
// printing the help for --help, 2 after printing the parse error to stderr.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv,
                                             const char* program) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& error) {
    std::fprintf(stderr, "%s: error: %s; see --help\n", program,
                 describe_parse_error(app, error).c_str());
    return 2;
  }
  return std::nullopt;
}

}  // namespace experiments
