#define BOOST_TEST_MODULE nn_atomic_file
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>

#include <unistd.h>

#include "nn/io/atomic_file.hpp"

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

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A fresh folder under the system's temporary directory for each test case,
// removed afterwards. The process id and a counter keep folders apart across
// concurrent runs and across cases.
struct TemporaryFolder {
  TemporaryFolder() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("nn_atomic_file_test_" + std::to_string(::getpid()) +
                                        "_" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(path, ignored);
  }

  // The names of the entries in the folder, to spot a leftover temporary file.
  std::set<std::string> entries() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(path)) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  fs::path path;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(atomic_file, TemporaryFolder)

BOOST_AUTO_TEST_CASE(writes_exact_contents) {
  // A NUL byte, CR LF, a byte above 0x7f and no final newline. The file must
  // contain exactly these bytes, with no text-mode translation.
  const std::string contents("line one\r\nnul \0 byte \xff end", 25);
  const fs::path target = path / "out.bin";

  nn::write_file_atomically(target, contents);

  BOOST_TEST(read_file(target) == contents);
}

BOOST_AUTO_TEST_CASE(writes_empty_contents) {
  const fs::path target = path / "empty.txt";

  nn::write_file_atomically(target, "");

  BOOST_TEST(fs::exists(target));
  BOOST_TEST(fs::file_size(target) == 0u);
}

BOOST_AUTO_TEST_CASE(writes_large_contents) {
  // 4 MiB of a repeating pattern must arrive whole.
  // NOTE: Linux writes this in one write() call, so the branch of the loop
  // that resumes after a partial write is not run here.
  std::string contents(std::size_t{4} << 20, '\0');
  for (std::size_t k = 0; k < contents.size(); ++k) {
    contents[k] = static_cast<char>('a' + k % 26);
  }
  const fs::path target = path / "large.txt";

  nn::write_file_atomically(target, contents);

  BOOST_TEST(fs::file_size(target) == contents.size());
  BOOST_TEST((read_file(target) == contents));
}

BOOST_AUTO_TEST_CASE(replaces_existing_file) {
  // The new contents are shorter, so any tail of the old file would show.
  const fs::path target = path / "out.txt";
  nn::write_file_atomically(target, "the old contents, longer than the new ones\n");

  nn::write_file_atomically(target, "new\n");

  BOOST_TEST(read_file(target) == "new\n");
}

BOOST_AUTO_TEST_CASE(no_temporary_left) {
  const fs::path target = path / "out.txt";

  nn::write_file_atomically(target, "first\n");
  nn::write_file_atomically(target, "second\n");

  BOOST_TEST((entries() == std::set<std::string>{"out.txt"}));
}

BOOST_AUTO_TEST_CASE(missing_folder_throws) {
  const fs::path target = path / "missing" / "out.txt";

  const std::string message =
      runtime_error_message([&] { nn::write_file_atomically(target, "text"); });

  BOOST_TEST(contains(message, target.string()), message);
  BOOST_TEST(!fs::exists(path / "missing"));
}

BOOST_AUTO_TEST_CASE(path_under_file_throws) {
  // A regular file cannot contain entries, so this fails for every user,
  // root included.
  nn::write_file_atomically(path / "file", "a regular file\n");
  const fs::path target = path / "file" / "child";

  const std::string message =
      runtime_error_message([&] { nn::write_file_atomically(target, "text"); });

  BOOST_TEST(contains(message, target.string()), message);
  BOOST_TEST(read_file(path / "file") == "a regular file\n");
}

BOOST_AUTO_TEST_CASE(read_only_folder_throws) {
  const fs::path target = path / "out.txt";
  nn::write_file_atomically(target, "old\n");
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                            fs::perms::group_exec | fs::perms::others_read |
                            fs::perms::others_exec);

  // Root, or any process with CAP_DAC_OVERRIDE, writes into a 0555 folder
  // anyway, so the check below would test nothing there.
  const fs::path probe = path / "probe";
  const bool probe_written = static_cast<bool>(std::ofstream(probe));
  if (probe_written) {
    fs::remove(probe);
    BOOST_TEST_MESSAGE("read_only_folder_throws skipped: this process can write into a 0555 "
                       "folder (running as root?)");
    return;
  }

  const std::string message =
      runtime_error_message([&] { nn::write_file_atomically(target, "new\n"); });

  BOOST_TEST(contains(message, target.string()), message);
  BOOST_TEST(read_file(target) == "old\n");
  BOOST_TEST((entries() == std::set<std::string>{"out.txt"}));
}

BOOST_AUTO_TEST_CASE(directory_target_throws) {
  // rename() cannot replace a folder with a file, so the temporary file has
  // been written when the failure comes, and it must be removed.
  const fs::path target = path / "folder";
  fs::create_directory(target);

  const std::string message =
      runtime_error_message([&] { nn::write_file_atomically(target, "text"); });

  BOOST_TEST(contains(message, target.string()), message);
  BOOST_TEST(fs::is_directory(target));
  BOOST_TEST((entries() == std::set<std::string>{"folder"}));
}

BOOST_AUTO_TEST_SUITE_END()
