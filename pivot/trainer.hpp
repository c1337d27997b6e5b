#pragma once

// The training procedures of adversarial pivoting: pretraining of both
// players, the alternating min-max algorithm and the simultaneous variant.

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autodiff/tape.hpp"
#include "nn/data/dataset.hpp"
#include "nn/optimizers/optimizer.hpp"
#include "nn/random.hpp"
#include "pivot/adversary.hpp"
#include "pivot/background_worker.hpp"
#include "pivot/classifier.hpp"

namespace pivot {

struct PretrainOptions {
  std::size_t epochs = 1;
  std::size_t batch_size = 32;
};

struct AdversarialOptions {
  double lambda = 50.0;               // weight of L_r in L_f - lambda L_r
  std::size_t iterations = 200;       // T
  std::size_t adversary_steps = 500;  // K adversary steps per classifier step
  std::size_t batch_size = 128;       // M
  // When true, each iteration trains r for one epoch of shuffled minibatches
  // of size M over its training samples instead of K random minibatches.
  bool adversary_epoch = false;
};

// Losses of both players on one dataset.
struct Losses {
  double L_f = 0.0;
  double L_r = 0.0;
  double value = 0.0;  // L_f - lambda L_r
};

// Validation losses after one adversarial iteration.
struct IterationRecord {
  std::size_t iteration = 0;  // 1-based
  Losses validation;
};

// One progress report, sent after each finished unit (epoch or iteration):
// `done` of `total` units of a phase, with the latest loss of that phase. The
// players, the optimizers and the random generator are then in a consistent
// state, so a callback may save a checkpoint from which the phase resumes at
// unit done + 1.
struct Progress {
  std::string phase;  // "pretrain classifier", "pretrain adversary", "adversarial", "simultaneous"
  std::size_t done = 0;
  std::size_t total = 0;
  double loss = 0.0;  // mean training loss of the epoch, or validation L_f - lambda L_r
  IterationRecord record;  // validation losses of an adversarial iteration, else zeros
};
using ProgressCallback = std::function<void(const Progress&)>;

// Thrown when a loss or a gradient becomes NaN or infinite. The message
// names the phase, the step and the player; the parameters keep the values
// from before the failing step.
class TrainingDiverged : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The place of one training step in error messages, such as "adversarial
// training, iteration 3, adversary step 17, player r", kept as its parts so
// that a loop of many steps builds the text only when a step fails.
struct StepLabel {
  const char* phase;      // "adversarial training"
  const char* unit_name;  // "iteration" or "epoch"
  std::size_t unit;
  const char* step_name;  // "step", "adversary step", or nullptr for none
  std::size_t step;
  const char* player;  // "f" or "r"

  std::string text() const;
};

// Trains a classifier f against an adversary r on datasets with X, y, z and
// per-sample weights. Every step records on one tape that is cleared before
// the next (f's forward passes on the background thread use tapes of their
// own), so memory stays flat however long a run is. The two players'
// parameters are updated only by their own optimizers. Every public function
// that takes a dataset first checks it with nn::check_dataset (row counts,
// finite values, y in [0, 1], weights >= 0), because the fields of
// nn::Dataset are public, and throws std::invalid_argument naming the
// function, the array, the row and the value.
class PivotTrainer {
 public:
  // Keeps references: classifier, adversary and rng must outlive the trainer.
  PivotTrainer(Classifier& classifier, Adversary& adversary, nn::Rng& rng);
  ~PivotTrainer();

  PivotTrainer(const PivotTrainer&) = delete;
  PivotTrainer& operator=(const PivotTrainer&) = delete;

  // With `enabled`, the default, a second thread gathers minibatches and runs
  // f's forward passes for r's steps and for evaluation while the calling
  // thread trains. Evaluation includes the validation of both training
  // variants. f's and r's modules then run at the same time. The results are the same bit for bit
  // either way, as long as f's forward pass shares no mutable state with r
  // or the optimizers, such as the trainer's generator. Disable it for such
  // an f, or to keep a run on one core, for instance when the runs of a
  // sweep share the cores (call autodiff::set_blas_threads(1) as well).
  // Throws std::logic_error when called during a training or evaluation
  // call, from a progress callback or a module.
  void set_background_thread(bool enabled);

  // Receives a report after each epoch or iteration. The library never prints.
  void set_progress_callback(ProgressCallback callback) { progress_ = std::move(callback); }

  // Weights each sample's L_r by `mask` (1 keeps, 0 drops), for instance to
  // restrict the adversary to one class. An empty function keeps every sample.
  void set_adversary_mask(std::function<double(double y)> mask) { mask_ = std::move(mask); }

  // L_f, L_r and L_f - lambda L_r of the current players on `data`. Throws
  // std::invalid_argument for a negative or non-finite lambda, an empty
  // dataset or weights that sum to 0.
  Losses evaluate(const nn::Dataset& data, double lambda);

  // Minimizes L_f over shuffled minibatches for epochs first_epoch ..
  // options.epochs; first_epoch > 1 resumes a phase from a checkpoint, and
  // options.epochs + 1 runs nothing. Throws std::invalid_argument for 0
  // epochs, a batch size of 0 or above the training set size, or a
  // first_epoch of 0 or above options.epochs + 1.
  void pretrain_classifier(const nn::Dataset& train, const PretrainOptions& options,
                           nn::Optimizer& classifier_optimizer, std::size_t first_epoch = 1);

  // Minimizes L_r with the classifier fixed, for epochs first_epoch ..
  // options.epochs. With an adversary mask, r trains on the samples of
  // non-zero mask only. Throws as pretrain_classifier does, and when the
  // mask removes every training sample.
  void pretrain_adversary(const nn::Dataset& train, const PretrainOptions& options,
                          nn::Optimizer& adversary_optimizer, std::size_t first_epoch = 1);

  // The alternating algorithm: for each of T iterations, K adversary steps on
  // L_r with f fixed, then one classifier step on L_f - lambda L_r with r
  // fixed, each on a fresh random minibatch of M rows. With an adversary
  // mask, r's minibatches come from the samples of non-zero mask and L_r in
  // the classifier's objective counts those samples only. Runs iterations
  // first_iteration .. T and returns their validation losses; T + 1 runs
  // nothing. Throws std::invalid_argument for a negative or non-finite
  // lambda, T, K or M of 0, M larger than the training set, a
  // first_iteration of 0 or above T + 1, or an empty validation set.
  std::vector<IterationRecord> train_alternating(const nn::Dataset& train,
                                                 const nn::Dataset& validation,
                                                 const AdversarialOptions& options,
                                                 nn::Optimizer& classifier_optimizer,
                                                 nn::Optimizer& adversary_optimizer,
                                                 std::size_t first_iteration = 1);

  // The simultaneous variant: the score passes through a gradient reversal
  // layer into the adversary, and one backward pass of L_f + L_r updates both
  // players on the same minibatch. Each of the T iterations takes K such
  // joint steps, so r gets as many updates as in train_alternating. Throws
  // as train_alternating does.
  std::vector<IterationRecord> train_simultaneous(const nn::Dataset& train,
                                                  const nn::Dataset& validation,
                                                  const AdversarialOptions& options,
                                                  nn::Optimizer& classifier_optimizer,
                                                  nn::Optimizer& adversary_optimizer,
                                                  std::size_t first_iteration = 1);

 private:
  // Static, because evaluate_classifier() calls it on the worker thread.
  static Variable classifier_loss(Variable logits, const nn::Dataset& batch);
  Variable adversary_loss(Variable scores, const nn::Dataset& batch);
  Matrix adversary_weights(const nn::Dataset& batch) const;
  // evaluate() without its argument checks, for the training loops, which
  // check the validation set once before the first iteration.
  Losses evaluate_checked(const nn::Dataset& data, double lambda);
  // Throws std::invalid_argument unless `data` is non-empty and its weights
  // have a positive sum; `where` starts the message.
  static void check_evaluation_set(const nn::Dataset& data, const std::string& where);
  // f's part of evaluating consecutive rows of a dataset.
  struct ClassifierChunk {
    nn::Dataset rows;
    double weight = 0.0;           // sum of the rows' weights; 0 skips the chunk
    double classifier_loss = 0.0;  // L_f of the rows
    Matrix scores;                 // f's scores, [rows, 1]
    autodiff::Tape tape;
  };
  // Computes f's part of rows begin .. end - 1 of `data` into `chunk`. Runs
  // on the worker, so it touches no member but classifier_ and the chunk.
  void evaluate_classifier(const nn::Dataset& data, std::size_t begin, std::size_t end,
                           ClassifierChunk& chunk);
  nn::Dataset adversary_samples(const nn::Dataset& train) const;
  // One step of r on L_r of `batch`, with f's scores given; returns L_r.
  double adversary_step(const nn::Dataset& batch, const Matrix& batch_scores,
                        nn::Optimizer& optimizer, const StepLabel& where);
  void report(const std::string& phase, std::size_t done, std::size_t total, double loss,
              const IterationRecord& record = {});

  Classifier& classifier_;
  Adversary& adversary_;
  nn::Rng& rng_;
  autodiff::Tape tape_;
  ProgressCallback progress_;
  std::function<double(double)> mask_;
  Matrix weights_buffer_;  // adversary weights of the current batch, alive while the tape is
  std::array<ClassifierChunk, 2> evaluation_chunks_;  // one evaluated here, one on the worker
  std::size_t active_calls_ = 0;  // training and evaluation calls running, nested ones included
  // Last, so that its thread is joined before any member that a job uses goes.
  std::unique_ptr<BackgroundWorker> worker_;  // null when set_background_thread(false)
};

// Checks that a loss and every gradient of `parameters` are finite, else
// throws TrainingDiverged whose message starts with `where` and names the
// loss or the parameter.
void check_finite_step(double loss, const autodiff::ParameterList& parameters,
                       const std::string& where);

// Checks as check_finite_step() above does, and builds the label's text for
// the message only when a check fails.
void check_finite_step(double loss, const autodiff::ParameterList& parameters,
                       const StepLabel& where);

}  // namespace pivot
