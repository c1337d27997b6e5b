#include "experiments/common/result_folder.hpp"

#include <stdexcept>
#include <system_error>

namespace experiments {

ResultFolder::ResultFolder(std::filesystem::path final, bool overwrite)
    : final_(std::move(final)), overwrite_(overwrite) {
  if (final_.empty()) {
    throw std::invalid_argument("--out: the output folder name is empty; give a path");
  }
  partial_ = final_;
  partial_ += ".partial";

  if (std::filesystem::exists(final_) && !overwrite_) {
    throw std::invalid_argument("--out: '" + final_.string() +
                                "' already exists; pass --overwrite to replace it or choose "
                                "another --out");
  }

  std::error_code error;
  std::filesystem::remove_all(partial_, error);
  std::filesystem::create_directories(partial_, error);
  if (error) {
    throw std::invalid_argument("--out: cannot create '" + partial_.string() + "': " +
                                error.message() + "; choose a writable --out");
  }
}

ResultFolder::~ResultFolder() {
  if (!committed_) {
    std::error_code ignored;
    std::filesystem::remove_all(partial_, ignored);
  }
}

void ResultFolder::commit() {
  if (overwrite_) {
    std::filesystem::remove_all(final_);
  }
  std::filesystem::rename(partial_, final_);
  committed_ = true;
}

}  // namespace experiments
