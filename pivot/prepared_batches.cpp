#include "pivot/prepared_batches.hpp"

#include <algorithm>
#include <stdexcept>

#include "nn/data/batches.hpp"

namespace pivot {
namespace {

// Rows per group, gathered together and, for r's steps, scored by one
// forward pass of f. Small enough that the first group of a phase, which the
// first step waits for, costs little. Large enough that a group costs far
// more than the handover between the two threads.
// NOTE: OpenBLAS's sgemm gives a row different last bits depending on the
// number of rows in the call, so changing group_rows changes the float
// build's scores, and its results, in the last digits.
constexpr std::size_t group_rows = 2048;

}  // namespace

PreparedBatches::PreparedBatches(const nn::Dataset& train, Classifier* classifier, nn::Rng& rng,
                                 BackgroundWorker* worker)
    : train_(train), classifier_(classifier), rng_(rng), worker_(worker) {
  for (Group& group : groups_) {
    group.tape.set_gradients_enabled(false);  // scores only, no backward pass
  }
}

PreparedBatches::~PreparedBatches() {
  if (preparing_) {
    worker_->drain();
  }
}

void PreparedBatches::start_random(std::size_t count, std::size_t batch_size) {
  start(count, batch_size, {});
}

void PreparedBatches::start_listed(std::span<const std::vector<std::size_t>> batches) {
  start(batches.size(), batches.empty() ? 1 : batches.front().size(), batches);
}

void PreparedBatches::start(std::size_t count, std::size_t batch_size,
                            std::span<const std::vector<std::size_t>> listed) {
  // A group of an abandoned phase may still be in preparation; it is
  // dropped, together with its error, if any.
  if (preparing_) {
    worker_->drain();
    preparing_ = false;
  }
  failed_ = false;
  batch_size_ = batch_size;
  listed_ = listed;
  batches_per_group_ = std::max<std::size_t>(1, group_rows / std::max<std::size_t>(1, batch_size_));
  phase_count_ = count;
  handed_out_ = 0;
  requested_ = 0;
  position_ = 0;
  current_count_ = 0;
  next_count_ = 0;
  prepare_next_group();
}

const PreparedBatch& PreparedBatches::next() {
  if (failed_) {
    throw std::logic_error("PreparedBatches::next: preparing an earlier group of minibatches "
                           "failed, so the phase cannot go on; start a new phase");
  }
  if (handed_out_ == phase_count_) {
    throw std::logic_error("PreparedBatches::next: all " + std::to_string(phase_count_) +
                           " minibatches of the phase were handed out; start a new phase");
  }
  if (position_ == current_count_) {
    take_next_group();
    prepare_next_group();
  }

  // A step needs the rows as a dataset of their own, a copy of a few
  // hundred numbers.
  const Group& group = groups_[current_];
  const std::size_t begin = group.offsets[position_];
  const std::size_t end = group.offsets[position_ + 1];
  group.rows.row_range_into(begin, end, result_.batch);
  if (classifier_ != nullptr) {
    result_.scores.resize({end - begin, std::size_t{1}});
    std::copy(group.scores.data() + begin, group.scores.data() + end, result_.scores.data());
  }

  ++position_;
  ++handed_out_;
  return result_;
}

void PreparedBatches::prepare_next_group() {
  const std::size_t count = std::min(batches_per_group_, phase_count_ - requested_);
  if (count == 0) {
    return;
  }
  Group& group = groups_[1 - current_];
  const std::size_t first = requested_;
  requested_ += count;
  next_count_ = count;

  // The row indices are drawn here on the calling thread, at the same point
  // of the phase with or without a worker, so that a module which draws from
  // the same generator during the steps gets the same sequence either way.
  group.indices.clear();
  group.offsets.assign(1, 0);
  for (std::size_t b = first; b < first + count; ++b) {
    if (listed_.empty()) {
      const std::vector<std::size_t> rows =
          nn::sample_batch_indices(train_.size(), batch_size_, rng_);
      group.indices.insert(group.indices.end(), rows.begin(), rows.end());
    } else {
      group.indices.insert(group.indices.end(), listed_[b].begin(), listed_[b].end());
    }
    group.offsets.push_back(group.indices.size());
  }

  // Without a worker the group is gathered when next() takes it, so that an
  // error comes from the same call of next() either way.
  if (worker_ != nullptr) {
    worker_->submit([this, &group] { gather_and_score(group); });
    preparing_ = true;
  }
}

void PreparedBatches::take_next_group() {
  Group& group = groups_[1 - current_];
  failed_ = true;  // until the group is ready; stays set when preparing it throws
  if (preparing_) {
    preparing_ = false;
    worker_->wait();
  } else {
    gather_and_score(group);
  }
  failed_ = false;

  current_ = 1 - current_;
  current_count_ = next_count_;
  position_ = 0;
}

void PreparedBatches::gather_and_score(Group& group) {
  train_.rows_into(group.indices, group.rows);

  // f's scores enter r's steps as constants, so they need no gradient.
  if (classifier_ == nullptr) {
    return;
  }
  group.tape.clear();
  const Matrix& scores = classifier_->scores(group.tape.constant(group.rows.X)).value();
  group.scores.resize(scores.shape());
  std::copy(scores.begin(), scores.end(), group.scores.begin());
}

}  // namespace pivot
