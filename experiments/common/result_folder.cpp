#include "experiments/common/result_folder.hpp"

#include <algorithm>
#include <stdexcept>
#include <system_error>

namespace experiments {
namespace {

namespace fs = std::filesystem;

// True when `outer` is `inner` or one of its ancestors; both are normalized.
bool contains_or_equals(const fs::path& outer, const fs::path& inner) {
  const auto [outer_end, inner_end] =
      std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return outer_end == outer.end();
}

// Throws when deleting or replacing `folder` would delete the current
// working folder, "/" included.
void reject_working_folder(const fs::path& folder) {
  std::error_code error;
  fs::path working = fs::current_path(error);
  if (!error) working = fs::weakly_canonical(working, error);
  if (error) {
    throw std::invalid_argument("--out: cannot read the current working folder: " +
                                error.message() + "; run the program from an existing folder");
  }
  if (folder == working) {
    throw std::invalid_argument("--out: '" + folder.string() +
                                "' is the current working folder; choose a new or empty "
                                "folder for the results");
  }
  if (contains_or_equals(folder, working)) {
    throw std::invalid_argument("--out: '" + folder.string() +
                                "' contains the current working folder '" + working.string() +
                                "'; choose a new or empty folder for the results");
  }
}

// Throws when an existing `folder` must not be replaced: it is not a folder,
// or it contains files but no summary.json.
void reject_foreign_folder(const fs::path& folder) {
  std::error_code error;
  const fs::file_status status = fs::symlink_status(folder, error);
  if (!fs::is_directory(status)) {
    throw std::invalid_argument("--out: '" + folder.string() +
                                "' exists and is not a folder, so the run will not replace it "
                                "even with --overwrite; choose a new or empty folder");
  }
  const bool empty = fs::is_empty(folder, error);
  if (error) {
    throw std::invalid_argument("--out: cannot read '" + folder.string() + "': " +
                                error.message() + "; choose another --out");
  }
  if (!empty && !fs::is_regular_file(folder / "summary.json", error)) {
    throw std::invalid_argument("--out: '" + folder.string() +
                                "' contains files but no summary.json, so it is not the result "
                                "folder of an earlier run and the run will not replace it even "
                                "with --overwrite; choose a new or empty folder");
  }
}

}  // namespace

fs::path normalize_folder(const fs::path& folder, const std::string& option) {
  if (folder.empty()) {
    throw std::invalid_argument(option + ": the folder name is empty; give a path");
  }
  std::error_code error;
  fs::path normal = fs::absolute(folder, error);
  if (!error) normal = fs::weakly_canonical(normal, error);
  if (error) {
    throw std::invalid_argument(option + ": cannot resolve '" + folder.string() + "': " +
                                error.message() + "; give another path");
  }
  // weakly_canonical keeps the trailing separator of "out/", whose last
  // element is then empty. "/" has no parent and stays as it is.
  if (!normal.has_filename() && normal.has_relative_path()) {
    normal = normal.parent_path();
  }
  return normal;
}

ResultFolder::ResultFolder(const fs::path& final, bool overwrite)
    : final_(normalize_folder(final, "--out")), overwrite_(overwrite) {
  partial_ = final_;
  partial_ += ".partial";
  reject_working_folder(final_);
  reject_working_folder(partial_);

  if (fs::exists(fs::symlink_status(final_))) {
    reject_foreign_folder(final_);
    if (!overwrite_) {
      throw std::invalid_argument("--out: '" + final_.string() +
                                  "' already exists; pass --overwrite to replace it or choose "
                                  "another --out");
    }
  }

  std::error_code error;
  fs::remove_all(partial_, error);
  fs::create_directories(partial_, error);
  if (error) {
    throw std::invalid_argument("--out: cannot create '" + partial_.string() + "': " +
                                error.message() + "; choose a writable --out");
  }
}

ResultFolder::~ResultFolder() {
  if (!committed_) {
    std::error_code ignored;
    fs::remove_all(partial_, ignored);
  }
}

void ResultFolder::commit() {
  if (overwrite_) {
    fs::remove_all(final_);
  }
  fs::rename(partial_, final_);
  committed_ = true;
}

}  // namespace experiments
