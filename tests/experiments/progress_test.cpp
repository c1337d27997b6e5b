#define BOOST_TEST_MODULE experiments_progress
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "experiments/common/progress.hpp"

namespace {

using namespace std::chrono_literals;

// The text written to a temporary file, read back from its start.
std::string contents(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string text;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, file) != nullptr) text += buffer;
  return text;
}

// The number before "s left" in the last line of `text`.
double seconds_left(const std::string& text) {
  const std::size_t end = text.rfind("s left");
  BOOST_TEST_REQUIRE(end != std::string::npos, "no estimate in: " << text);
  const std::size_t begin = text.rfind("about ", end);
  return std::stod(text.substr(begin + 6, end - begin - 6));
}

pivot::Progress unit(std::size_t done, std::size_t total) {
  pivot::Progress progress;
  progress.phase = "adversarial";
  progress.done = done;
  progress.total = total;
  return progress;
}

}  // namespace

// A phase resumed at unit 71 of 200: two units of at least 20 ms each in this
// process leave 128 units, so at least 2.56 s. An estimate from the 72 units
// of both processes would give about 0.07 s.
BOOST_AUTO_TEST_CASE(estimate_counts_units_of_this_process) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::tmpfile(), &std::fclose);
  BOOST_TEST_REQUIRE(file != nullptr);
  experiments::ProgressPrinter printer(1, file.get());

  std::this_thread::sleep_for(20ms);
  printer(unit(71, 200));
  std::this_thread::sleep_for(20ms);
  printer(unit(72, 200));

  const std::string text = contents(file.get());
  BOOST_TEST(text.find("[adversarial] 72/200") != std::string::npos, text);
  BOOST_TEST(seconds_left(text) >= 2.5, text);
}

// A fresh phase: four units of at least 20 ms each leave 96, so at least
// 1.92 s.
BOOST_AUTO_TEST_CASE(estimate_of_fresh_phase) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::tmpfile(), &std::fclose);
  BOOST_TEST_REQUIRE(file != nullptr);
  experiments::ProgressPrinter printer(1, file.get());

  for (std::size_t done = 1; done <= 4; ++done) {
    std::this_thread::sleep_for(20ms);
    printer(unit(done, 100));
  }
  const std::string text = contents(file.get());
  BOOST_TEST(seconds_left(text) >= 1.9, text);
}

// Lines only every `every` units, plus the last unit of the phase.
BOOST_AUTO_TEST_CASE(prints_every_n_units_and_last) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::tmpfile(), &std::fclose);
  BOOST_TEST_REQUIRE(file != nullptr);
  experiments::ProgressPrinter printer(5, file.get());

  for (std::size_t done = 1; done <= 12; ++done) printer(unit(done, 12));

  const std::string text = contents(file.get());
  BOOST_TEST(text.find(" 5/12 ") != std::string::npos, text);
  BOOST_TEST(text.find(" 10/12 ") != std::string::npos, text);
  BOOST_TEST(text.find(" 12/12 ") != std::string::npos, text);
  BOOST_TEST(text.find(" 4/12 ") == std::string::npos, text);
  BOOST_TEST(text.find(" 11/12 ") == std::string::npos, text);
}
