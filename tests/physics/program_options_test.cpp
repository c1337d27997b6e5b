#define BOOST_TEST_MODULE physics_program_options
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

// Runs the physics program with options that it must reject before it
// simulates any jet, with exit status 2 and a one-line message. The program
// is the target `physics`, which CMake puts in experiments/physics/ of the
// build folder; this test runs from tests/ of the same build folder.

namespace fs = std::filesystem;

namespace {

fs::path physics_program() {
  const fs::path build = fs::read_symlink("/proc/self/exe").parent_path().parent_path();
  return build / "experiments" / "physics" / "physics";
}

// A fresh folder under the system's temporary directory, removed afterwards.
struct TemporaryFolder {
  TemporaryFolder() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("physics_program_options_test_" +
                                        std::to_string(::getpid()) + "_" +
                                        std::to_string(counter++));
    fs::create_directories(path);
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
  ~TemporaryFolder() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }

  fs::path path;
};

// Quotes `text` for /bin/sh.
std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) {
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return quoted + "'";
}

struct Outcome {
  int status = -1;     // exit status, or -1 when the program did not exit normally
  std::string error;   // everything written to stderr
};

// Runs the program with `arguments`, and with one training epoch and
// iteration, the cache and the output folder under `folder` where the
// arguments do not set them.
Outcome run_physics(const fs::path& folder, const std::vector<std::string>& arguments) {
  const std::vector<std::pair<std::string, std::string>> defaults = {
      {"--cache", (folder / "cache").string()},
      {"--out", (folder / "out").string()},
      {"--iterations", "1"},
      {"--pretrain-classifier-epochs", "1"},
      {"--pretrain-adversary-epochs", "1"}};
  std::vector<std::string> all = arguments;
  for (const auto& [option, value] : defaults) {
    if (std::find(arguments.begin(), arguments.end(), option) == arguments.end()) {
      all.push_back(option);
      all.push_back(value);
    }
  }

  const fs::path error_file = folder / "stderr.txt";
  std::string command = shell_quote(physics_program().string());
  for (const std::string& argument : all) {
    command += " " + shell_quote(argument);
  }
  command += " > /dev/null 2> " + shell_quote(error_file.string());

  Outcome outcome;
  const int status = std::system(command.c_str());
  if (status != -1 && WIFEXITED(status)) {
    outcome.status = WEXITSTATUS(status);
  }
  std::ifstream stream(error_file);
  outcome.error.assign(std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
  return outcome;
}

// Checks that the program stopped with status 2 before simulating, printing
// exactly the line `expected`.
void check_rejected(const std::vector<std::string>& arguments, const std::string& expected) {
  const TemporaryFolder folder;
  const Outcome outcome = run_physics(folder.path, arguments);
  BOOST_TEST(outcome.status == 2);
  BOOST_TEST(outcome.error == expected + "\n");
  BOOST_TEST(!fs::exists(folder.path / "out"));
}

}  // namespace

BOOST_AUTO_TEST_CASE(program_built) {
  BOOST_TEST_REQUIRE(fs::exists(physics_program()),
                     physics_program() << " is missing; build the target physics first");
}

// Before the bounds, 5 * seeds overflowed and the run crashed after training.
BOOST_AUTO_TEST_CASE(seed_count_bounded) {
  check_rejected({"--seeds", "3689348814741910324"},
                 "physics: error: --seeds: must be from 1 to 1000, got 3689348814741910324; see "
                 "--help");
  check_rejected({"--seeds", "1001"},
                 "physics: error: --seeds: must be from 1 to 1000, got 1001; see --help");
}

BOOST_AUTO_TEST_CASE(hidden_units_bounded) {
  check_rejected({"--hidden-units", "18446744073709551615"},
                 "physics: error: --hidden-units: must be from 1 to 65536, got "
                 "18446744073709551615; see --help");
}

// Before the bounds, the sum of the three counts wrapped around 2^64.
BOOST_AUTO_TEST_CASE(jet_counts_bounded) {
  check_rejected({"--train-samples", "18446744073709551615"},
                 "physics: error: --train-samples: must be from 1 to 10000000, got "
                 "18446744073709551615; see --help");
  check_rejected({"--train-samples", "2000000000"},
                 "physics: error: --train-samples: must be from 1 to 10000000, got 2000000000; "
                 "see --help");
  check_rejected({"--train-samples", "9990000", "--validation-samples", "10000", "--test-samples",
                  "1"},
                 "physics: error: --train-samples 9990000, --validation-samples 10000 and "
                 "--test-samples 1 add up to 10000001 jets, more than the maximum of 10000000; "
                 "pass fewer");
}

// The training fails on these only after the jets are simulated.
BOOST_AUTO_TEST_CASE(batch_sizes_checked_first) {
  check_rejected({"--batch-size", "5000", "--train-samples", "2000", "--validation-samples",
                  "100", "--test-samples", "100"},
                 "physics: error: --batch-size 5000 is larger than the 499 training jets with "
                 "Y = 0 and Z = 0 that --train-samples 2000 guarantees, on which the adversary of "
                 "'lambda=0, Z=0 only' trains; pass --batch-size 499 or less, or --train-samples "
                 "20004 or more");
  check_rejected({"--train-samples", "2", "--validation-samples", "100", "--test-samples", "100"},
                 "physics: error: --train-samples 2 is too small: it guarantees 0 training jets "
                 "with Y = 0 and Z = 0, on which the adversary of 'lambda=0, Z=0 only' trains in "
                 "batches of up to 128; pass --train-samples 516 or more");
  check_rejected({"--train-samples", "600", "--validation-samples", "100", "--test-samples", "11"},
                 "physics: error: --test-samples 11 is too small: the AMS needs test jets of "
                 "signal with Z = 0 and of background with Z = 0 and with Z = 1, and the split "
                 "guarantees one of each only from 12 test jets; pass --test-samples 12 or more");
}

BOOST_AUTO_TEST_CASE(cache_folder_checked_first) {
  check_rejected({"--cache", ""},
                 "physics: error: --cache: the folder name is empty; give a path such as "
                 "results/cache/jets");

  const TemporaryFolder folder;
  const fs::path file = folder.path / "file";
  std::ofstream(file) << "not a folder\n";
  check_rejected({"--cache", (file / "jets").string()},
                 "physics: error: --cache: cannot create the folder '" + (file / "jets").string() +
                     "': Not a directory; choose a writable --cache");
}

// The smallest sizes that pass the checks train every run to the end.
BOOST_AUTO_TEST_CASE(smallest_sizes_run) {
  const TemporaryFolder folder;
  const Outcome outcome =
      run_physics(folder.path, {"--train-samples", "516", "--validation-samples", "1",
                                "--test-samples", "12", "--seeds", "1"});
  BOOST_TEST(outcome.status == 0, outcome.error);
  BOOST_TEST(fs::exists(folder.path / "out" / "summary.json"));
}
