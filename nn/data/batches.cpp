#include "nn/data/batches.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>
#include <unordered_set>

namespace nn {
namespace {

void check_batch_size(const char* function, std::size_t batch_size) {
  if (batch_size == 0) {
    throw std::invalid_argument(std::string(function) +
                                ": batch_size is 0; pass a batch size of at least 1");
  }
}

std::size_t count_batches(std::size_t sample_count, std::size_t batch_size) {
  return (sample_count + batch_size - 1) / batch_size;
}

}  // namespace

std::vector<std::size_t> random_permutation(std::size_t sample_count, Rng& rng) {
  std::vector<std::size_t> permutation(sample_count);
  std::iota(permutation.begin(), permutation.end(), std::size_t{0});
  std::shuffle(permutation.begin(), permutation.end(), rng.engine());
  return permutation;
}

std::vector<std::vector<std::size_t>> shuffled_batches(std::size_t sample_count,
                                                       std::size_t batch_size, Rng& rng) {
  check_batch_size("shuffled_batches", batch_size);

  const std::vector<std::size_t> permutation = random_permutation(sample_count, rng);

  std::vector<std::vector<std::size_t>> batches;
  batches.reserve(count_batches(sample_count, batch_size));
  for (std::size_t start = 0; start < sample_count; start += batch_size) {
    const std::size_t stop = std::min(start + batch_size, sample_count);
    batches.emplace_back(permutation.begin() + static_cast<std::ptrdiff_t>(start),
                         permutation.begin() + static_cast<std::ptrdiff_t>(stop));
  }
  return batches;
}

std::vector<std::size_t> sample_batch_indices(std::size_t sample_count, std::size_t batch_size,
                                              Rng& rng) {
  check_batch_size("sample_batch_indices", batch_size);
  if (batch_size > sample_count) {
    throw std::invalid_argument("sample_batch_indices: batch_size " + std::to_string(batch_size) +
                                " is larger than the " + std::to_string(sample_count) +
                                " samples available; use a batch size of at most " +
                                std::to_string(sample_count));
  }

  // Floyd's algorithm: for j = n - m .. n - 1, draw t uniform on [0, j] and
  // take t, or j if t was already chosen. Every m-subset is equally likely.
  // The chosen rows are marked in a bitmap of one bit per sample, cleared
  // again below, instead of a hash set that allocates a node per row. The
  // draws, and so the batch, are the same as with a set.
  thread_local std::vector<bool> chosen;
  chosen.resize(std::max(chosen.size(), sample_count));
  std::vector<std::size_t> batch;
  batch.reserve(batch_size);
  for (std::size_t j = sample_count - batch_size; j < sample_count; ++j) {
    const std::size_t candidate = rng.index(j + 1);
    const std::size_t row = chosen[candidate] ? j : candidate;
    chosen[row] = true;
    batch.push_back(row);
  }
  for (const std::size_t row : batch) {
    chosen[row] = false;
  }

  // Floyd's insertion order is not uniform (row n - 1, for one, can only be
  // chosen last), so shuffle to make every order equally likely.
  std::shuffle(batch.begin(), batch.end(), rng.engine());
  return batch;
}

EpochBatches::EpochBatches(std::size_t sample_count, std::size_t batch_size, Rng& rng)
    : batch_size_(batch_size) {
  check_batch_size("EpochBatches", batch_size);
  permutation_ = random_permutation(sample_count, rng);
}

std::size_t EpochBatches::batch_count() const {
  return count_batches(permutation_.size(), batch_size_);
}

std::span<const std::size_t> EpochBatches::batch(std::size_t index) const {
  if (index >= batch_count()) {
    throw std::invalid_argument("EpochBatches::batch: batch " + std::to_string(index) +
                                " is out of range for an epoch of " +
                                std::to_string(batch_count()) + " batches");
  }

  const std::size_t start = index * batch_size_;
  const std::size_t length = std::min(batch_size_, permutation_.size() - start);
  return std::span<const std::size_t>(permutation_).subspan(start, length);
}

}  // namespace nn
