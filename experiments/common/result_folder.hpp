#pragma once

// A result folder that appears complete or not at all.

#include <filesystem>

namespace experiments {

// Collects a run's files in "<final>.partial" and renames it to `final` on
// commit(). Without commit(), for instance after an exception, the destructor
// removes the partial folder, so a failed run leaves no half-written results.
class ResultFolder {
 public:
  // Throws std::invalid_argument when `final` exists and `overwrite` is false,
  // or when the partial folder cannot be created.
  ResultFolder(std::filesystem::path final, bool overwrite);
  ~ResultFolder();
  ResultFolder(const ResultFolder&) = delete;
  ResultFolder& operator=(const ResultFolder&) = delete;

  // Where to write files until commit().
  const std::filesystem::path& path() const { return partial_; }

  // Replaces `final` with the partial folder.
  void commit();

 private:
  std::filesystem::path final_;
  std::filesystem::path partial_;
  bool overwrite_;
  bool committed_ = false;
};

}  // namespace experiments
