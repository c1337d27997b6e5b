#pragma once

// Minibatches gathered, and for r's steps scored by f, a group ahead of the
// training steps on a background thread. Gathering random rows misses the
// cache on every row, and f stays fixed while r trains, so both can run
// while the calling thread trains on the previous minibatches.

#include <array>
#include <cstddef>
#include <span>
#include <vector>

#include "autodiff/tape.hpp"
#include "nn/data/dataset.hpp"
#include "nn/random.hpp"
#include "pivot/background_worker.hpp"
#include "pivot/classifier.hpp"

namespace pivot {

// One minibatch of a training set and, when the batches are scored, f's
// scores on its rows, [rows, 1].
struct PreparedBatch {
  nn::Dataset batch;
  Matrix scores;  // empty when the batches are not scored
};

// Hands out the minibatches of one phase in order:
//   PreparedBatches batches(train, &classifier, rng, &worker);
//   batches.start_random(K, M);
//   for (std::size_t k = 0; k < K; ++k) { const PreparedBatch& b = batches.next(); ... }
// The result does not depend on whether a worker is given, errors included:
// the same rows are drawn from rng at the same points, on the calling
// thread, and scored by the same operations. Random rows are drawn a group
// of minibatches ahead, by the call to start_random() or next() that starts
// preparing the group.
// While a phase runs, the worker reads the classifier's parameters and runs
// its forward pass, so the caller must not change them until next() has
// returned the phase's last minibatch.
class PreparedBatches {
 public:
  // Keeps references to all arguments. With classifier == nullptr the
  // batches are not scored. With worker == nullptr, every group is prepared
  // on the calling thread when next() needs it.
  PreparedBatches(const nn::Dataset& train, Classifier* classifier, nn::Rng& rng,
                  BackgroundWorker* worker);

  // Waits for a group still being prepared, so that the worker never touches
  // this object after it is gone. An exception of that job is dropped.
  ~PreparedBatches();

  PreparedBatches(const PreparedBatches&) = delete;
  PreparedBatches& operator=(const PreparedBatches&) = delete;

  // Starts a phase of `count` minibatches of `batch_size` distinct rows, each
  // drawn by nn::sample_batch_indices on the calling thread.
  void start_random(std::size_t count, std::size_t batch_size);

  // Starts a phase over given minibatches of row indices, for instance one
  // shuffled epoch. `batches` must stay alive until the phase ends.
  void start_listed(std::span<const std::vector<std::size_t>> batches);

  // Returns the next minibatch of the phase, valid until the next call.
  // Rethrows what preparing it threw, after which the phase cannot go on.
  // Throws std::logic_error after the phase's last minibatch and after such
  // an error. Starting a new phase abandons the current one at any point.
  const PreparedBatch& next();

 private:
  // Consecutive minibatches gathered into one dataset and scored at once.
  struct Group {
    nn::Dataset rows;                  // the minibatches' rows, one after another
    std::vector<std::size_t> offsets;  // minibatch b spans rows offsets[b] .. offsets[b + 1] - 1
    Matrix scores;                     // f's scores of rows, [rows, 1], if scored
    autodiff::Tape tape;               // records f's forward pass
    std::vector<std::size_t> indices;  // row indices into the training set, scratch
  };

  void start(std::size_t count, std::size_t batch_size,
             std::span<const std::vector<std::size_t>> listed);
  // Gathers the rows of group.indices and scores them; runs on the worker.
  void gather_and_score(Group& group);
  // Prepares the next group into groups_[1 - current_], on the worker if
  // there is one.
  void prepare_next_group();
  // Makes the group prepared last the current one, waiting for it.
  void take_next_group();

  const nn::Dataset& train_;
  Classifier* classifier_;
  nn::Rng& rng_;
  BackgroundWorker* worker_;
  std::size_t batches_per_group_ = 1;

  // The phase: random minibatches of batch_size_ rows, or listed_ ones.
  std::size_t batch_size_ = 0;
  std::span<const std::vector<std::size_t>> listed_;
  std::size_t phase_count_ = 0;     // minibatches in the phase
  std::size_t handed_out_ = 0;      // minibatches returned by next()
  std::size_t requested_ = 0;       // minibatches prepared or being prepared
  bool preparing_ = false;          // a group is being prepared on the worker
  bool failed_ = false;             // preparing a group threw, so next() rejects further calls

  std::array<Group, 2> groups_;
  std::size_t current_ = 0;         // index of the group next() reads
  std::size_t position_ = 0;        // next minibatch within the current group
  std::size_t current_count_ = 0;   // minibatches in the current group
  std::size_t next_count_ = 0;      // minibatches in the group being prepared
  PreparedBatch result_;
};

}  // namespace pivot
