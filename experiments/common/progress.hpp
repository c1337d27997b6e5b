#pragma once

// Progress lines with an estimate of the time left, for experiment programs.

#include <chrono>
#include <cstdio>
#include <string>

#include "pivot/trainer.hpp"

namespace experiments {

// Prints "[phase] done/total (percent) loss ... elapsed ..s, about ..s left"
// to `out`, at most one line per `every` units plus the last one, so long
// phases stay readable. "elapsed" counts the time of the phase in this
// process, and the estimate assumes that each remaining unit takes as long as
// the mean of the units finished in this process. The clock of a phase
// starts at the previous call, or at construction for the first phase. The
// first call of a phase comes after its first unit, so when that call reports
// unit n + 1 of a phase resumed from a checkpoint, the n units before it
// count as finished by an earlier process.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(std::size_t every = 1, std::FILE* out = stderr)
      : every_(every == 0 ? 1 : every), out_(out) {}

  void operator()(const pivot::Progress& progress) {
    const auto now = std::chrono::steady_clock::now();
    if (progress.phase != phase_) {
      phase_ = progress.phase;
      phase_start_ = last_call_;
      done_before_ = progress.done == 0 ? 0 : progress.done - 1;
    }
    last_call_ = now;
    if (progress.done % every_ != 0 && progress.done != progress.total) {
      return;
    }

    const double elapsed = std::chrono::duration<double>(now - phase_start_).count();
    const std::size_t done_here = progress.done - done_before_;
    const std::size_t remaining =
        progress.total > progress.done ? progress.total - progress.done : 0;
    const double left = done_here == 0 ? 0.0
                                       : elapsed / static_cast<double>(done_here) *
                                             static_cast<double>(remaining);
    std::fprintf(out_, "[%s] %zu/%zu (%3.0f%%) loss %.4f  elapsed %.1fs, about %.1fs left\n",
                 progress.phase.c_str(), progress.done, progress.total,
                 100.0 * static_cast<double>(progress.done) / static_cast<double>(progress.total),
                 progress.loss, elapsed, left);
  }

 private:
  std::size_t every_;
  std::FILE* out_;
  std::string phase_;
  std::size_t done_before_ = 0;  // units of the phase finished by an earlier process
  std::chrono::steady_clock::time_point phase_start_;
  std::chrono::steady_clock::time_point last_call_ = std::chrono::steady_clock::now();
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
