#pragma once

// The training steps that the benchmarks time, for the toy and the
// physics-size player pairs of adversarial pivoting.
//
// Each step does what one step of pivot::PivotTrainer does on a fixed
// minibatch: clear the tape, record the forward pass and the loss, run the
// backward pass to the trained player's parameters and take one SGD step.
// The minibatch is drawn once, so that the time is the engine's alone; the
// trainer's row gathering is outside the measurement.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "autodiff/tape.hpp"
#include "nn/data/dataset.hpp"
#include "nn/optimizers/sgd.hpp"
#include "nn/random.hpp"
#include "pivot/adversary.hpp"
#include "pivot/classifier.hpp"
#include "pivot/trainer.hpp"

namespace benchmarks {

// The two network sizes of the benchmarks.
enum class Problem {
  // f: 2 -> 20 tanh -> 20 ReLU -> 1; r: a mixture density network
  // 1 -> 20 ReLU -> 20 ReLU -> 15 outputs (5 Gaussian components).
  toy,
  // f: 6 -> 64 tanh -> 64 ReLU -> 64 ReLU -> 1; r: 1 -> 3 x 64 ReLU -> 2
  // logits of a softmax over a binary nuisance.
  physics,
};

// A classifier, an adversary, their SGD optimizers (learning rate 0.01) and
// one minibatch, with the scores of the minibatch under the classifier.
class PlayerPair {
 public:
  // Builds the players of `problem` and draws a minibatch of `batch_size`
  // rows; the same seed gives the same networks and data.
  PlayerPair(Problem problem, std::size_t batch_size, std::uint64_t seed = 1);

  // One step of f on L_f = binary cross-entropy of the logits.
  double classifier_step();

  // One step of r on L_r with f fixed: the scores enter as constants.
  double adversary_step();

  // One step of f on L_f - lambda L_r through both networks, with r fixed.
  double combined_step(double lambda);

  // L_f - lambda L_r of the current players on `data`, by
  // pivot::PivotTrainer::evaluate, which the trainer runs on the validation
  // set after every adversarial iteration.
  double evaluate(const nn::Dataset& data, double lambda);

  // The same losses by the same steps as PivotTrainer::evaluate, with the
  // chunk size (rows per tape recording) as a parameter, to measure how the
  // validation pass's time depends on it.
  double evaluate_in_chunks(const nn::Dataset& data, double lambda, std::size_t chunk_rows);

  const nn::Dataset& batch() const { return batch_; }
  autodiff::Tape& tape() { return tape_; }

 private:
  autodiff::Variable adversary_loss(autodiff::Variable scores);

  nn::Rng rng_;
  std::unique_ptr<pivot::Classifier> classifier_;
  std::unique_ptr<pivot::Adversary> adversary_;
  std::unique_ptr<nn::Sgd> classifier_optimizer_;
  std::unique_ptr<nn::Sgd> adversary_optimizer_;
  nn::Dataset batch_;
  autodiff::Matrix batch_scores_;  // [batch, 1], f's scores of the minibatch
  autodiff::Tape tape_;
  std::unique_ptr<pivot::PivotTrainer> trainer_;  // runs evaluate() only
};

// Draws `count` samples of `problem`'s data: the toy generator, or for the
// physics size 6 standard normal features whose means shift with y and z,
// with a binary z.
nn::Dataset draw_samples(Problem problem, std::size_t count, nn::Rng& rng);

}  // namespace benchmarks
