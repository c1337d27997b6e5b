#define BOOST_TEST_MODULE experiments_cli_checks
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "experiments/common/cli_checks.hpp"

namespace {

// The outcome of parsing `--count <text>` into a std::uint64_t option with
// the validator `validator`: the value, or the message of the parse error.
struct Outcome {
  std::uint64_t value = 0;
  std::string error;  // empty when the parse succeeded
};

Outcome parse_count(const std::vector<std::string>& arguments, const CLI::Validator& validator) {
  CLI::App app;
  Outcome outcome;
  app.add_option("--count", outcome.value)->transform(validator);

  std::vector<const char*> argv = {"program"};
  for (const std::string& argument : arguments) {
    argv.push_back(argument.c_str());
  }
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& error) {
    outcome.error = experiments::describe_parse_error(app, error);
  }
  return outcome;
}

Outcome parse_count(const std::string& text, const CLI::Validator& validator) {
  return parse_count(std::vector<std::string>{"--count", text}, validator);
}

// The outcome of parsing `--rate <text>` into a double option with
// `validator`, registered with transform() or, when `as_check`, with check().
struct RateOutcome {
  double value = 7.0;  // a value that no case below expects, until the parse sets it
  std::string error;   // empty when the parse succeeded
};

RateOutcome parse_rate(const std::string& text, const CLI::Validator& validator,
                       bool as_check = false) {
  CLI::App app;
  RateOutcome outcome;
  CLI::Option* option = app.add_option("--rate", outcome.value);
  if (as_check) {
    option->check(validator);
  } else {
    option->transform(validator);
  }

  const std::vector<const char*> argv = {"program", "--rate", text.c_str()};
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& error) {
    outcome.error = experiments::describe_parse_error(app, error);
  }
  return outcome;
}

}  // namespace

BOOST_AUTO_TEST_CASE(decimal_values_accepted) {
  const Outcome zero = parse_count("0", experiments::non_negative_integer());
  BOOST_TEST(zero.error == "");
  BOOST_TEST(zero.value == 0U);

  const Outcome largest = parse_count("18446744073709551615", experiments::non_negative_integer());
  BOOST_TEST(largest.error == "");
  BOOST_TEST(largest.value == std::numeric_limits<std::uint64_t>::max());

  // CLI11 alone would read "010" as octal 8.
  const Outcome leading_zero = parse_count("010", experiments::positive_integer());
  BOOST_TEST(leading_zero.error == "");
  BOOST_TEST(leading_zero.value == 10U);

  const Outcome negative_zero = parse_count("-0", experiments::non_negative_integer());
  BOOST_TEST(negative_zero.error == "");
  BOOST_TEST(negative_zero.value == 0U);
}

// CLI11 alone turns -1 and values beyond 64 bits into 2^64 - 1.
BOOST_AUTO_TEST_CASE(out_of_range_values_rejected) {
  BOOST_TEST(parse_count("-1", experiments::non_negative_integer()).error ==
             "--count: must be 0 or greater, got -1");
  BOOST_TEST(parse_count("-99999999999999999999", experiments::non_negative_integer()).error ==
             "--count: must be 0 or greater, got -99999999999999999999");
  BOOST_TEST(parse_count("18446744073709551616", experiments::non_negative_integer()).error ==
             "--count: must be at most 18446744073709551615, got 18446744073709551616");
  BOOST_TEST(parse_count("0", experiments::positive_integer()).error ==
             "--count: must be greater than 0, got 0");
  BOOST_TEST(parse_count("-3", experiments::positive_integer()).error ==
             "--count: must be greater than 0, got -3");
}

BOOST_AUTO_TEST_CASE(bounded_range) {
  const CLI::Validator grid = experiments::unsigned_integer(2, 2001);
  BOOST_TEST(parse_count("2", grid).value == 2U);
  BOOST_TEST(parse_count("2001", grid).value == 2001U);
  BOOST_TEST(parse_count("1", grid).error == "--count: must be from 2 to 2001, got 1");
  BOOST_TEST(parse_count("2002", grid).error == "--count: must be from 2 to 2001, got 2002");
  BOOST_TEST(parse_count("-5", grid).error == "--count: must be from 2 to 2001, got -5");
  BOOST_TEST(parse_count("99999999999999999999", grid).error ==
             "--count: must be from 2 to 2001, got 99999999999999999999");
}

BOOST_AUTO_TEST_CASE(non_decimal_text_rejected) {
  for (const std::string text : {"", "1e3", "2.5", "0x10", "+5", " 5", "5 ", "abc", "-", "1_000"}) {
    BOOST_TEST(parse_count(text, experiments::non_negative_integer()).error ==
                   "--count: '" + text + "' is not a whole number in decimal digits",
               "text '" << text << "'");
  }
}

BOOST_AUTO_TEST_CASE(repeated_option_named) {
  const Outcome twice = parse_count(std::vector<std::string>{"--count", "1", "--count", "2"},
                                    experiments::non_negative_integer());
  BOOST_TEST(twice.error == "--count was given 2 times; give it once");

  // Other parse errors keep CLI11's message.
  const Outcome missing_value =
      parse_count(std::vector<std::string>{"--count"}, experiments::non_negative_integer());
  BOOST_TEST(missing_value.error.find("--count: 1 required") == 0U, missing_value.error);
}

BOOST_AUTO_TEST_CASE(decimal_numbers_accepted) {
  const std::vector<std::pair<std::string, double>> cases = {
      {"0.01", 0.01}, {"5", 5.0},      {"+5", 5.0},     {"5.", 5.0},      {".5", 0.5},
      {"1e3", 1e3},   {"1E-3", 1e-3},  {"2.5e+2", 250}, {"007", 7.0},     {"1e-300", 1e-300}};
  for (const auto& [text, expected] : cases) {
    for (const bool as_check : {false, true}) {
      const RateOutcome positive = parse_rate(text, experiments::positive_number(), as_check);
      const RateOutcome non_negative =
          parse_rate(text, experiments::non_negative_number(), as_check);
      BOOST_TEST_CONTEXT("text '" << text << "', check() " << as_check) {
        BOOST_TEST(positive.error == "");
        BOOST_TEST(positive.value == expected);
        BOOST_TEST(non_negative.error == "");
        BOOST_TEST(non_negative.value == expected);
      }
    }
  }
}

// strtod alone reads "0x10" as 16 and skips leading white space.
BOOST_AUTO_TEST_CASE(non_decimal_numbers_rejected) {
  for (const std::string text : {"0x10", "0X1p4", " 5", "5 ", "\t5", "abc", "", ".", "-", "e5",
                                 "1e", "1e+", "1.2.3", "--5", "1,5", "nan", "inf", "-inf",
                                 "infinity", "1e999", "1e-400"}) {
    for (const bool as_check : {false, true}) {
      const std::string expected =
          "--rate: '" + text + "' is not a finite number in decimal notation, such as 0.5 or 1e-3";
      BOOST_TEST_CONTEXT("text '" << text << "', check() " << as_check) {
        BOOST_TEST(parse_rate(text, experiments::positive_number(), as_check).error == expected);
        BOOST_TEST(parse_rate(text, experiments::non_negative_number(), as_check).error ==
                   expected);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(number_ranges) {
  BOOST_TEST(parse_rate("0", experiments::positive_number()).error ==
             "--rate: must be greater than 0, got 0");
  BOOST_TEST(parse_rate("-0", experiments::positive_number()).error ==
             "--rate: must be greater than 0, got -0");
  BOOST_TEST(parse_rate("-1.5", experiments::positive_number()).error ==
             "--rate: must be greater than 0, got -1.5");
  BOOST_TEST(parse_rate("-1e-9", experiments::non_negative_number()).error ==
             "--rate: must be 0 or greater, got -1e-9");
  BOOST_TEST(parse_rate("0", experiments::non_negative_number()).value == 0.0);
}

// -0 would otherwise reach the option as -0.0 and be written as -0.0.
BOOST_AUTO_TEST_CASE(negative_zero_becomes_zero) {
  for (const std::string text : {"-0", "-0.0", "-0e5", "-.0", "+0", "0.000"}) {
    const RateOutcome outcome = parse_rate(text, experiments::non_negative_number());
    BOOST_TEST_CONTEXT("text '" << text << "'") {
      BOOST_TEST(outcome.error == "");
      BOOST_TEST(outcome.value == 0.0);
      BOOST_TEST(!std::signbit(outcome.value));
    }
  }
}

// parse_command_line returns the exit status for --help and for a bad
// option, and nothing when the program should go on.
BOOST_AUTO_TEST_CASE(parse_command_line_statuses) {
  const auto status_of = [](std::vector<std::string> arguments) {
    CLI::App app{"test program"};
    std::uint64_t count = 0;
    app.add_option("--count", count)->transform(experiments::positive_integer());
    arguments.insert(arguments.begin(), "program");
    std::vector<char*> argv;
    for (std::string& argument : arguments) {
      argv.push_back(argument.data());
    }
    return experiments::parse_command_line(app, static_cast<int>(argv.size()), argv.data(),
                                           "program");
  };

  BOOST_TEST(!status_of({"--count", "3"}).has_value());
  BOOST_TEST(status_of({"--help"}).value_or(-1) == 0);
  BOOST_TEST(status_of({"--count", "0"}).value_or(-1) == 2);
  BOOST_TEST(status_of({"--unknown"}).value_or(-1) == 2);
}
