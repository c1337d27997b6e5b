#define BOOST_TEST_MODULE toy_resume
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
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

#include "autodiff/matrix.hpp"

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

// The tiny settings without --iterations: a run of a few iterations takes
// about 0.1 s.
const std::vector<std::string> tiny_settings = {
    "--samples", "2000", "--validation-samples", "500", "--density-samples", "500",
    "--pretrain-classifier-epochs", "1", "--pretrain-adversary-epochs", "1",
    "--adversary-steps", "2", "--grid-points", "11"};

// Starts the toy program with `arguments` in the current working folder,
// stdout silenced and stderr written to `errors`; returns its pid.
pid_t start(std::vector<std::string> arguments, const std::string& errors = "/dev/null") {
  arguments.insert(arguments.begin(), TOY_PROGRAM);
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, errors.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
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

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The exit status and stderr of a finished run.
struct Outcome {
  int status = 0;
  std::string errors;
};

Outcome run_capturing(std::vector<std::string> arguments) {
  const fs::path errors =
      fs::temp_directory_path() / ("toy_resume_test_stderr_" + std::to_string(::getpid()));
  Outcome outcome;
  outcome.status = wait_for(start(std::move(arguments), errors.string()));
  outcome.errors = read_file(errors);
  fs::remove(errors);
  return outcome;
}

// Makes `folder` the working folder of the test until destruction.
class WorkingFolder {
 public:
  explicit WorkingFolder(const fs::path& folder) : previous_(fs::current_path()) {
    fs::current_path(folder);
  }
  ~WorkingFolder() { fs::current_path(previous_); }
  WorkingFolder(const WorkingFolder&) = delete;
  WorkingFolder& operator=(const WorkingFolder&) = delete;

 private:
  fs::path previous_;
};

std::vector<std::string> with(std::vector<std::string> base, std::vector<std::string> more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

// summary.json without the wall times and the output folder, the two
// fields that differ between identical runs.
nlohmann::json comparable_summary(const fs::path& folder) {
  nlohmann::json summary = nlohmann::json::parse(read_file(folder / "summary.json"));
  summary.erase("seconds");
  summary["config"].erase("out");
  summary["config"].erase("threads");  // changes no result
  return summary;
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// The iteration column of training_curves.csv in `folder`.
std::vector<std::size_t> curve_iterations(const fs::path& folder) {
  std::istringstream csv(read_file(folder / "training_curves.csv"));
  std::string line;
  std::getline(csv, line);  // header
  std::vector<std::size_t> iterations;
  while (std::getline(csv, line)) {
    iterations.push_back(std::stoul(line.substr(0, line.find(','))));
  }
  return iterations;
}

std::vector<std::size_t> zero_to(std::size_t last) {
  std::vector<std::size_t> values(last + 1);
  for (std::size_t k = 0; k <= last; ++k) values[k] = k;
  return values;
}

// Starts a long run that saves a checkpoint after every unit into
// "<out>.checkpoint", kills it once that checkpoint is at least 3 iterations
// into the adversarial phase, and returns the checkpoint.
nlohmann::json interrupted_checkpoint(const fs::path& out) {
  const fs::path file = out.string() + ".checkpoint/checkpoint.json";
  const pid_t pid = start(with(tiny_settings, {"--iterations", "100000", "--checkpoint-every",
                                               "1", "--out", out.string()}));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  bool ready = false;
  while (!ready && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (fs::exists(file)) {
      // The program replaces the file atomically, so each read is complete.
      const nlohmann::json checkpoint = nlohmann::json::parse(read_file(file));
      ready = checkpoint["phase"] == "adversarial" && checkpoint["completed"] >= 3;
    }
  }
  ::kill(pid, SIGKILL);
  wait_for(pid);
  BOOST_TEST_REQUIRE(ready, "no adversarial checkpoint in " << file << " within 120 s");
  return nlohmann::json::parse(read_file(file));
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

  BOOST_TEST_REQUIRE(
      run_to_end(with(short_run, {"--out", (folder / "d").string(), "--threads", "1"})) == 0);

  check_identical(folder / "a", folder / "b");
  check_identical(folder / "a", folder / "d");
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

      // Killed before the first checkpoint: the run starts again. Early
      // kills resume on one thread, which must change nothing.
      const bool resumable = fs::exists(checkpoint / "checkpoint.json");
      std::vector<std::string> resume = {"--resume", checkpoint.string()};
      if (fraction < 0.5) {
        resume.insert(resume.end(), {"--threads", "1"});
      }
      const int status = resumable
                             ? run_to_end(resume)
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

// An empty --resume must not start a default run into results/toy.
BOOST_AUTO_TEST_CASE(resume_empty_folder_name) {
  const fs::path folder = scratch_folder();
  const WorkingFolder working(folder);
  const Outcome outcome = run_capturing({"--resume", ""});
  BOOST_TEST(outcome.status == 2);
  BOOST_TEST(outcome.errors.find("--resume: the folder name is empty") != std::string::npos,
             outcome.errors);
  BOOST_TEST(!fs::exists(folder / "results"));
  fs::remove_all(folder);
}

// Each edited checkpoint is rejected before training with exit status 2, a
// message that names the file, and no result folder.
BOOST_AUTO_TEST_CASE(resume_rejects_edited_checkpoint) {
  const fs::path folder = scratch_folder();
  const fs::path out = folder / "edited";
  const fs::path checkpoints = out.string() + ".checkpoint";
  nlohmann::json original = interrupted_checkpoint(out);
  const std::size_t completed = original["completed"];
  // Two iterations to go, so that a checkpoint that is wrongly accepted
  // fails the test quickly instead of training 100000 iterations.
  original["extra"]["config"]["iterations"] = completed + 2;

  struct Edit {
    std::string name;
    std::function<void(nlohmann::json&)> apply;
    std::string message;
  };
  const std::vector<Edit> edits = {
      {"unknown variant", [](auto& c) { c["extra"]["config"]["variant"] = "fast"; },
       "--variant: fast not in {alternating,simultaneous}"},
      {"negative seed", [](auto& c) { c["extra"]["config"]["seed"] = -1; },
       "--seed: must be 0 or greater, got -1"},
      {"negative lambda", [](auto& c) { c["extra"]["config"]["lambda"] = -1; },
       "--lambda: must be 0 or greater, got -1"},
      {"lambda as text", [](auto& c) { c["extra"]["config"]["lambda"] = "1"; },
       "the saved 'lambda' is \"1\", but it must be a number"},
      {"empty output folder", [](auto& c) { c["extra"]["config"]["out"] = ""; },
       "the saved 'out' is empty"},
      {"validation as large as the data",
       [](auto& c) { c["extra"]["config"]["validation_samples"] = 2000; },
       "--validation-samples (2000) must be smaller than --samples (2000)"},
      {"no configuration", [](auto& c) { c["extra"].erase("config"); },
       "has no 'extra.config'"},
      {"completed 0 with a history", [](auto& c) { c["completed"] = 0; },
       "the history has " + std::to_string(completed) + " records, but it needs one per "
       "finished iteration, and 'completed' is 0"},
      {"empty history", [](auto& c) { c["history"] = nlohmann::json::array(); },
       "the history has 0 records"},
      {"history out of order", [](auto& c) { c["history"][1][0] = 5; },
       "history record 2 is of iteration 5"},
      {"more finished iterations than the phase has",
       [](auto& c) { c["extra"]["config"]["iterations"] = 2; }, "has only 2 units"},
      {"phase of the other variant", [](auto& c) { c["phase"] = "simultaneous"; },
       "the phase 'simultaneous' is not the adversarial phase of the variant 'alternating'"},
      {"history in a pretraining phase",
       [](auto& c) {
         c["phase"] = "pretrain adversary";
         c["completed"] = 1;
       },
       "must be empty in the pretraining phase 'pretrain adversary'"},
      {"parameters of another shape", [](auto& c) { c["extra"]["config"]["components"] = 3; },
       "parameter group 'adversary'"},
      {"unknown precision", [](auto& c) { c["extra"]["precision"] = "half"; },
       "has the invalid precision \"half\"; expected \"double\" or \"float\""},
      {"precision as a number", [](auto& c) { c["extra"]["precision"] = 3; },
       "has the invalid precision 3"},
      {"precision of the other build",
       [](auto& c) {
         const bool is_double = std::string(autodiff::scalar_name) == "double";
         c["extra"]["precision"] = is_double ? "float" : "double";
       },
       "build of the engine and this is the " + std::string(autodiff::scalar_name) + " build"},
  };

  const fs::path file = checkpoints / "checkpoint.json";
  for (const Edit& edit : edits) {
    BOOST_TEST_CONTEXT(edit.name) {
      nlohmann::json checkpoint = original;
      edit.apply(checkpoint);
      write_file(file, checkpoint.dump());
      const Outcome outcome = run_capturing({"--resume", checkpoints.string()});
      BOOST_TEST(outcome.status == 2, outcome.errors);
      BOOST_TEST(outcome.errors.find(edit.message) != std::string::npos, outcome.errors);
      BOOST_TEST(outcome.errors.find(file.string()) != std::string::npos, outcome.errors);
      BOOST_TEST(!fs::exists(out));
      fs::remove_all(out);
    }
  }

  // The unedited checkpoint continues, and each iteration appears once.
  write_file(file, original.dump());
  const Outcome outcome = run_capturing({"--resume", checkpoints.string()});
  BOOST_TEST_REQUIRE(outcome.status == 0, outcome.errors);
  BOOST_TEST(curve_iterations(out) == zero_to(completed + 2), boost::test_tools::per_element());
  BOOST_TEST(!fs::exists(checkpoints));
  fs::remove_all(folder);
}

// --resume DIR reads the configuration and the training state from DIR, also
// when DIR is not "<out>.checkpoint", and the results equal those of a run
// that was never stopped.
BOOST_AUTO_TEST_CASE(resume_from_moved_checkpoint_folder) {
  const fs::path folder = scratch_folder();
  const fs::path out = folder / "moved_run";
  nlohmann::json checkpoint = interrupted_checkpoint(out);
  const std::size_t iterations = checkpoint["completed"].get<std::size_t>() + 2;
  checkpoint["extra"]["config"]["iterations"] = iterations;
  const fs::path moved = folder / "elsewhere";
  write_file(moved / "checkpoint.json", checkpoint.dump());
  fs::remove_all(out.string() + ".checkpoint");

  const Outcome outcome = run_capturing({"--resume", moved.string()});
  BOOST_TEST_REQUIRE(outcome.status == 0, outcome.errors);
  BOOST_TEST(!fs::exists(moved));
  BOOST_TEST(curve_iterations(out) == zero_to(iterations), boost::test_tools::per_element());

  const fs::path reference = folder / "reference";
  BOOST_TEST_REQUIRE(run_to_end(with(tiny_settings,
                                     {"--iterations", std::to_string(iterations),
                                      "--checkpoint-every", "1", "--out",
                                      reference.string()})) == 0);
  check_identical(reference, out);
  fs::remove_all(folder);
}

// A run that fails before its first checkpoint must not point to one.
BOOST_AUTO_TEST_CASE(failed_run_without_checkpoint) {
  const fs::path folder = scratch_folder();
  const Outcome outcome = run_capturing(with(
      tiny_settings, {"--iterations", "2", "--learning-rate", "1e30", "--checkpoint-every",
                      "100", "--out", (folder / "diverged").string()}));
  BOOST_TEST(outcome.status == 1, outcome.errors);
  BOOST_TEST(outcome.errors.find("run failed") != std::string::npos, outcome.errors);
  BOOST_TEST(outcome.errors.find("checkpoint stays") == std::string::npos, outcome.errors);
  fs::remove_all(folder);
}

// A file where the run keeps its checkpoints stops the run before training.
BOOST_AUTO_TEST_CASE(checkpoint_folder_is_file) {
  const fs::path folder = scratch_folder();
  const fs::path blocker = folder / "run.checkpoint";
  write_file(blocker, "not a folder\n");
  const Outcome outcome = run_capturing(with(
      tiny_settings, {"--iterations", "2", "--checkpoint-every", "1", "--out",
                      (folder / "run").string()}));
  BOOST_TEST(outcome.status == 2, outcome.errors);
  BOOST_TEST(outcome.errors.find("'" + blocker.string() + "' exists and is not a folder") !=
                 std::string::npos,
             outcome.errors);
  BOOST_TEST(read_file(blocker) == "not a folder\n");
  BOOST_TEST(!fs::exists(folder / "run"));
  fs::remove_all(folder);
}

// --out naming the working folder or one that contains it is rejected,
// also with --overwrite, and nothing in the working folder is deleted. Every
// path here lies inside the scratch folder: "/" is never passed, because a
// program with this bug run as root would delete the whole file system.
BOOST_AUTO_TEST_CASE(out_rejects_working_folder) {
  const fs::path folder = scratch_folder();
  const fs::path working = folder / "work";
  write_file(working / "keep.txt", "keep\n");
  const WorkingFolder changed(working);

  const std::vector<std::string> outs = {".", "./", "..", working.string(),
                                         working.string() + "/"};
  for (const std::string& out : outs) {
    BOOST_TEST_CONTEXT("--out " << out) {
      const Outcome outcome = run_capturing(
          with(tiny_settings, {"--iterations", "2", "--out", out, "--overwrite"}));
      BOOST_TEST(outcome.status == 2, outcome.errors);
      BOOST_TEST(outcome.errors.find("current working folder") != std::string::npos,
                 outcome.errors);
      BOOST_TEST(read_file(working / "keep.txt") == "keep\n");
    }
  }
  fs::remove_all(folder);
}

// "<out>.partial" is deleted and recreated, so it must not be the working
// folder either.
BOOST_AUTO_TEST_CASE(out_rejects_partial_as_working_folder) {
  const fs::path folder = scratch_folder();
  const fs::path working = folder / "run.partial";
  write_file(working / "keep.txt", "keep\n");
  const WorkingFolder changed(working);

  const Outcome outcome =
      run_capturing(with(tiny_settings, {"--iterations", "2", "--out", "../run"}));
  BOOST_TEST(outcome.status == 2, outcome.errors);
  BOOST_TEST(outcome.errors.find("'" + working.string() + "' is the current working folder") !=
                 std::string::npos,
             outcome.errors);
  BOOST_TEST(read_file(working / "keep.txt") == "keep\n");
  fs::remove_all(folder);
}

// "out/" names the folder "out": the results land there, and a second run
// with --overwrite replaces them.
BOOST_AUTO_TEST_CASE(out_with_trailing_slash) {
  const fs::path folder = scratch_folder();
  const std::string out = (folder / "slash").string() + "/";
  const auto arguments = with(tiny_settings, {"--iterations", "2", "--out", out});

  const Outcome first = run_capturing(arguments);
  BOOST_TEST_REQUIRE(first.status == 0, first.errors);
  BOOST_TEST(fs::exists(folder / "slash" / "summary.json"));
  BOOST_TEST(!fs::exists(folder / "slash" / ".partial"));
  BOOST_TEST(!fs::exists(folder / "slash.partial"));

  const Outcome again = run_capturing(with(arguments, {"--overwrite"}));
  BOOST_TEST(again.status == 0, again.errors);
  BOOST_TEST(fs::exists(folder / "slash" / "summary.json"));
  fs::remove_all(folder);
}

// --overwrite replaces an empty folder or an earlier result folder, but
// neither a file nor a folder without summary.json.
BOOST_AUTO_TEST_CASE(overwrite_replaces_only_result_folders) {
  const fs::path folder = scratch_folder();
  const auto run_into = [&](const fs::path& out) {
    return run_capturing(
        with(tiny_settings, {"--iterations", "2", "--out", out.string(), "--overwrite"}));
  };

  write_file(folder / "notes" / "notes.txt", "notes\n");
  const Outcome notes = run_into(folder / "notes");
  BOOST_TEST(notes.status == 2, notes.errors);
  BOOST_TEST(notes.errors.find("contains files but no summary.json") != std::string::npos,
             notes.errors);
  BOOST_TEST(read_file(folder / "notes" / "notes.txt") == "notes\n");

  write_file(folder / "file", "file\n");
  const Outcome file = run_into(folder / "file");
  BOOST_TEST(file.status == 2, file.errors);
  BOOST_TEST(file.errors.find("exists and is not a folder") != std::string::npos, file.errors);
  BOOST_TEST(read_file(folder / "file") == "file\n");

  fs::create_directories(folder / "empty");
  const Outcome empty = run_into(folder / "empty");
  BOOST_TEST(empty.status == 0, empty.errors);
  BOOST_TEST(fs::exists(folder / "empty" / "summary.json"));

  const Outcome previous = run_into(folder / "empty");
  BOOST_TEST(previous.status == 0, previous.errors);
  fs::remove_all(folder);
}
