#pragma once

// Recycled array storage, so that a training loop that records the same ops
// every step allocates its arrays in the first steps only.
//
// A tape hands the arrays of its nodes to its pool on Tape::clear() and takes
// them back when the next recording requests arrays of the same element
// count. Reusing storage avoids the allocator and, for arrays above glibc's
// mmap threshold, the page faults of freshly mapped memory on every step.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "autodiff/matrix.hpp"

namespace autodiff {

class BufferPool {
 public:
  // Returns an array of `shape` with unspecified contents: a pooled array of
  // the same element count if one is free, else a new allocation.
  Matrix take(const Shape& shape);

  // Takes back the storage of `array` for later take() calls, or frees it.
  // The pool keeps at most as many arrays of one element count as the
  // largest number that take() handed out in one cycle, so arrays that
  // callers allocated themselves and never request again are freed instead
  // of piling up. An empty array is ignored.
  void give(Matrix&& array);

  // Ends a cycle (a tape calls it from clear(), before giving back the
  // arrays of the cleared recording). Frees the arrays of element counts
  // that take() has not handed out for more than `stale_cycles` cycles, so
  // that sizes from one-off inputs do not stay allocated.
  void end_cycle();

  // Frees every pooled array.
  void release();

  // Bytes of the arrays held for reuse.
  std::size_t pooled_bytes() const;

  // A size class is freed after this many cycles without a take(). Long
  // enough that a validation pass every few thousand minibatch steps finds
  // its arrays again, short enough to bound the memory of one-off sizes.
  static constexpr std::uint64_t stale_cycles = 4096;

 private:
  struct SizeClass {
    std::vector<Matrix> free;      // arrays ready for take()
    std::size_t taken = 0;         // take() calls in the current cycle
    std::size_t limit = 0;         // largest `taken` of any cycle: the most arrays kept
    std::uint64_t last_taken = 0;  // cycle of the last take()
  };

  SizeClass& size_class(std::size_t elements);

  // A workload has few distinct sizes, so a linear search over a dense array
  // of element counts finds a class in a few nanoseconds. classes_[k]
  // contains the arrays of class_elements_[k] elements.
  std::vector<std::size_t> class_elements_;
  std::vector<SizeClass> classes_;
  std::uint64_t cycle_ = 0;
};

}  // namespace autodiff
