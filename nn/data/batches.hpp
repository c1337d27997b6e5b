#pragma once

// Minibatch row indices: shuffled epochs and single random minibatches.

#include <cstddef>
#include <span>
#include <vector>

#include "nn/random.hpp"

namespace nn {

// Returns a uniformly random permutation of 0 .. sample_count - 1, shuffled
// with std::shuffle on rng.engine().
std::vector<std::size_t> random_permutation(std::size_t sample_count, Rng& rng);

// Cuts one random permutation of 0 .. sample_count - 1 into consecutive
// batches of batch_size rows, so every row appears exactly once per epoch.
// The last batch is shorter when batch_size does not divide sample_count, and
// sample_count 0 gives no batches. Throws std::invalid_argument for
// batch_size 0.
std::vector<std::vector<std::size_t>> shuffled_batches(std::size_t sample_count,
                                                       std::size_t batch_size, Rng& rng);

// Draws one minibatch of batch_size distinct rows out of sample_count, every
// subset and order equally likely (Floyd's sampling, then a shuffle). Costs
// O(batch_size) time and memory, however large sample_count is. Throws
// std::invalid_argument for batch_size 0 or batch_size > sample_count.
std::vector<std::size_t> sample_batch_indices(std::size_t sample_count, std::size_t batch_size,
                                              Rng& rng);

// One epoch of shuffled minibatches stored as a single permutation, with each
// batch a view into it:
//   EpochBatches epoch(data.size(), 32, rng);
//   for (std::size_t b = 0; b < epoch.batch_count(); ++b) {
//     Dataset batch = data.rows(epoch.batch(b));
//   }
// For the same generator state it yields the same batches as shuffled_batches.
class EpochBatches {
 public:
  // Shuffles once. Throws std::invalid_argument for batch_size 0.
  EpochBatches(std::size_t sample_count, std::size_t batch_size, Rng& rng);

  // ceil(sample_count / batch_size).
  std::size_t batch_count() const;

  // The row indices of batch number `index`; the last batch may be shorter.
  // The view is valid while this object lives. Throws std::invalid_argument
  // for index >= batch_count().
  std::span<const std::size_t> batch(std::size_t index) const;

 private:
  std::vector<std::size_t> permutation_;
  std::size_t batch_size_;
};

}  // namespace nn
