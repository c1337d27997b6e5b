#pragma once

// Progress lines with an estimate of the time left, for experiment programs.

#include <chrono>
#include <cstdio>
#include <string>

#include "pivot/trainer.hpp"

namespace experiments {

// Prints "[phase] done/total (percent) loss ... elapsed ..s, about ..s left"
// to stderr, at most one line per `every` units plus the last one, so long
// phases stay readable. The estimate assumes the remaining units take as long
// as the finished ones on average.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(std::size_t every = 1) : every_(every == 0 ? 1 : every) {}

  void operator()(const pivot::Progress& progress) {
    const auto now = std::chrono::steady_clock::now();
    if (progress.phase != phase_) {
      phase_ = progress.phase;
      start_ = now;
    }
    if (progress.done % every_ != 0 && progress.done != progress.total) {
      return;
    }

    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double left = progress.done == 0
                            ? 0.0
                            : elapsed / static_cast<double>(progress.done) *
                                  static_cast<double>(progress.total - progress.done);
    std::fprintf(stderr, "[%s] %zu/%zu (%3.0f%%) loss %.4f  elapsed %.1fs, about %.1fs left\n",
                 progress.phase.c_str(), progress.done, progress.total,
                 100.0 * static_cast<double>(progress.done) / static_cast<double>(progress.total),
                 progress.loss, elapsed, left);
  }

 private:
  std::size_t every_;
  std::string phase_;
  std::chrono::steady_clock::time_point start_;
};

// Seconds since construction, for the per-phase timings of a summary.
class Stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  void restart() { start_ = std::chrono::steady_clock::now(); }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace experiments
