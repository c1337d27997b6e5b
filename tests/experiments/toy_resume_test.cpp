#define BOOST_TEST_MODULE toy_resume
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <csignal>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

extern char** environ;

namespace {

namespace fs = std::filesystem;

// A short run: about a second, with a checkpoint after every epoch and
// iteration, so that kills land in every phase.
const std::vector<std::string> short_run = {
    "--samples", "6000", "--validation-samples", "2000", "--density-samples", "2000",
    "--pretrain-classifier-epochs", "3", "--pretrain-adversary-epochs", "2",
    "--iterations", "30", "--adversary-steps", "50", "--grid-points", "11",
    "--checkpoint-every", "1"};

fs::path scratch_folder() {
  const fs::path folder =
      fs::temp_directory_path() / ("toy_resume_test_" + std::to_string(::getpid()));
  fs::create_directories(folder);
  return folder;
}

// Starts the toy program with `arguments`, output silenced; returns its pid.
pid_t start(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), TOY_PROGRAM);
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int error = posix_spawn(&pid, TOY_PROGRAM, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  BOOST_TEST_REQUIRE(error == 0, "posix_spawn failed: " << error);
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

int run_to_end(std::vector<std::string> arguments) {
  return wait_for(start(std::move(arguments)));
}

std::vector<std::string> with(std::vector<std::string> base, std::vector<std::string> more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// summary.json without the wall times and the output folder, the two
// fields that differ between identical runs.
nlohmann::json comparable_summary(const fs::path& folder) {
  nlohmann::json summary = nlohmann::json::parse(read_file(folder / "summary.json"));
  summary.erase("seconds");
  summary["config"].erase("out");
  return summary;
}

// Checks that two result folders hold the same files with the same bytes,
// summary.json compared without wall times.
void check_identical(const fs::path& expected, const fs::path& actual) {
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(expected)) {
    const std::string name = entry.path().filename().string();
    BOOST_TEST_CONTEXT("file " << name) {
      BOOST_TEST_REQUIRE(fs::exists(actual / name));
      if (name == "summary.json") {
        BOOST_TEST(comparable_summary(expected) == comparable_summary(actual));
      } else {
        BOOST_TEST((read_file(entry.path()) == read_file(actual / name)));
      }
    }
    ++files;
  }
  BOOST_TEST(files >= 9u);
}

}  // namespace

BOOST_AUTO_TEST_CASE(same_seed_bit_identical) {
  const fs::path folder = scratch_folder();
  BOOST_TEST_REQUIRE(run_to_end(with(short_run, {"--out", (folder / "a").string()})) == 0);
  BOOST_TEST_REQUIRE(run_to_end(with(short_run, {"--out", (folder / "b").string()})) == 0);
  BOOST_TEST_REQUIRE(
      run_to_end(with(short_run, {"--out", (folder / "c").string(), "--seed", "2"})) == 0);

  check_identical(folder / "a", folder / "b");
  BOOST_TEST(read_file(folder / "a" / "classifier_pivot.json") !=
             read_file(folder / "c" / "classifier_pivot.json"));
  BOOST_TEST(comparable_summary(folder / "a") != comparable_summary(folder / "c"));
  fs::remove_all(folder);
}

// SIGKILL at moments spread over the whole run, then resume until the run
// finishes: the results must equal those of a run that was never stopped.
BOOST_AUTO_TEST_CASE(kill_and_resume_bit_identical) {
  const fs::path folder = scratch_folder();
  const fs::path reference = folder / "reference";
  const auto begin = std::chrono::steady_clock::now();
  BOOST_TEST_REQUIRE(run_to_end(with(short_run, {"--out", reference.string()})) == 0);
  const auto run_time = std::chrono::steady_clock::now() - begin;

  for (const double fraction : {0.05, 0.2, 0.4, 0.6, 0.8, 0.95}) {
    BOOST_TEST_CONTEXT("killed at " << fraction << " of the run") {
      const fs::path out = folder / ("killed_" + std::to_string(static_cast<int>(fraction * 100)));
      const fs::path checkpoint = out.string() + ".checkpoint";

      const pid_t pid = start(with(short_run, {"--out", out.string()}));
      std::this_thread::sleep_for(
          std::chrono::duration_cast<std::chrono::milliseconds>(run_time * fraction));
      ::kill(pid, SIGKILL);
      wait_for(pid);

      // Killed before the first checkpoint: the run starts again.
      const bool resumable = fs::exists(checkpoint / "checkpoint.json");
      const int status = resumable
                             ? run_to_end({"--resume", checkpoint.string()})
                             : run_to_end(with(short_run, {"--out", out.string(), "--overwrite"}));
      BOOST_TEST_REQUIRE(status == 0);
      BOOST_TEST(!fs::exists(checkpoint));
      check_identical(reference, out);
    }
  }
  fs::remove_all(folder);
}

BOOST_AUTO_TEST_CASE(resume_rejects_other_options) {
  const fs::path folder = scratch_folder();
  BOOST_TEST(run_to_end({"--resume", (folder / "none").string()}) == 2);
  BOOST_TEST(run_to_end({"--resume", (folder / "none").string(), "--lambda", "3"}) == 2);
  fs::remove_all(folder);
}
