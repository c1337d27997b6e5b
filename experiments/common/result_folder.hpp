#pragma once

// A result folder that appears complete or not at all.

#include <filesystem>
#include <string>

namespace experiments {

// Returns `folder` as an absolute path with symbolic links, "." and ".."
// resolved and no trailing separator, so that "out/", "./out" and "out" name
// the same folder. A relative path is taken relative to the current working
// folder. Throws std::invalid_argument, with `option` at the start of the
// message, when `folder` is empty or its existing part cannot be examined.
std::filesystem::path normalize_folder(const std::filesystem::path& folder,
                                       const std::string& option);

// Collects a run's files in "<final>.partial" and renames it to `final` on
// commit(). Without commit(), for instance after an exception, the destructor
// removes the partial folder, so a failed run leaves no half-written results.
//
// `final` is normalized with normalize_folder, and the constructor throws
// std::invalid_argument, naming the folder, in these cases:
// - `final` or "<final>.partial" is "/", the current working folder or a
//   folder that contains the current working folder;
// - `final` exists and is not a folder, or is a folder that is neither empty
//   nor a previous result folder. A previous result folder is one that
//   contains summary.json, the file that the experiment programs write last.
//   These are rejected even with `overwrite`, so that a mistyped --out never
//   deletes files that a run did not write;
// - `final` exists and `overwrite` is false;
// - "<final>.partial" cannot be created.
// A "<final>.partial" left by a killed run is deleted without asking.
class ResultFolder {
 public:
  ResultFolder(const std::filesystem::path& final, bool overwrite);
  ~ResultFolder();
  ResultFolder(const ResultFolder&) = delete;
  ResultFolder& operator=(const ResultFolder&) = delete;

  // Where to write files until commit().
  const std::filesystem::path& path() const { return partial_; }

  // The normalized result folder that commit() creates.
  const std::filesystem::path& final_path() const { return final_; }

  // Replaces `final` with the partial folder.
  void commit();

 private:
  std::filesystem::path final_;
  std::filesystem::path partial_;
  bool overwrite_;
  bool committed_ = false;
};

}  // namespace experiments
