#pragma once

// One training run of the jet-tagging study: a classifier of W against QCD
// jets made robust to pileup by a categorical adversary, then its AMS curve
// on an independent test set.

#include <cstddef>
#include <cstdint>
#include <string>

#include "nn/data/dataset.hpp"
#include "pivot/ams.hpp"
#include "pivot/trainer.hpp"

namespace physics {

// Settings of one run. Defaults are the "paper" preset of the study.
struct StudySettings {
  double lambda = 10.0;
  bool nuisance_free_training = false;  // train f on Z = 0 samples only (with lambda = 0)
  std::size_t hidden_units = 64;        // width of the 3 hidden layers of f and of r

  std::size_t pretrain_classifier_epochs = 20;  // Adam
  double pretrain_classifier_learning_rate = 0.001;
  std::size_t pretrain_classifier_batch = 32;

  std::size_t pretrain_adversary_epochs = 20;  // SGD, Y = 0 samples only
  std::size_t pretrain_adversary_batch = 128;

  std::size_t iterations = 1000;  // T; r trains one epoch over Y = 0 per iteration
  std::size_t batch_size = 128;   // M, for both players
  double learning_rate = 0.01;    // SGD of f in the adversarial phase
  // SGD of r, in pretraining and the adversarial phase; Louppe et al. give
  // no value. With 0.01, r's validation L_r stayed at 0.690 against
  // H(Z | Y = 0) = 0.693 at lambda = 0 (quick preset, 5 seeds), so r put
  // almost no pressure on f. See docs/physics-results.md for 0.1.
  double adversary_learning_rate = 0.1;
};

// The program simulates N jets, making jet i a W when i is odd and giving it
// pileup when i / 2 is odd, so each of the four (Y, Z) classes has
// s >= floor(N / 4) jets. nn::split_stratified with a held-out fraction f
// moves floor(f s) or floor(f s) + 1 jets of each class to the held-out part.
// So the kept part has at least (1 - f) s - 1 of them, and the held-out part
// more than f s - 1.
// The program splits the jets into training and held-out jets, then the
// held-out jets into test and validation jets.

// Returns the number of training jets that each (Y, Z) class is guaranteed
// to get: more than train_samples / 4 - 7 / 4 by the bounds above, so at
// least floor(train_samples / 4) - 1.
inline std::size_t training_jets_per_class(std::size_t train_samples) {
  const std::size_t quarter = train_samples / 4;
  return quarter > 0 ? quarter - 1 : 0;
}

// Returns the number of test jets that each (Y, Z) class is guaranteed to
// get. A class has more than held-out / 4 - 7 / 4 held-out jets, and the
// second split keeps more than test_samples / 4 - 11 / 4 of them for the
// test set, so at least floor(test_samples / 4) - 2.
inline std::size_t test_jets_per_class(std::size_t test_samples) {
  const std::size_t quarter = test_samples / 4;
  return quarter > 1 ? quarter - 2 : 0;
}

// The result of one run.
struct StudyResult {
  pivot::AmsCurve curve;
  pivot::AmsPeak peak;
  double test_auc = 0.0;
  double background_ks = 0.0;  // KS distance of background scores, Z = 0 against Z = 1
  pivot::Losses last_validation;  // after the last adversarial iteration
  double seconds = 0.0;
};

// Trains f and r on `train` (standardized features, y, z in {0, 1}) with the
// seed `seed` and returns the AMS curve of f on `test`. L_r counts Y = 0
// samples only, in r's steps and in f's objective (the conditional pivot
// restricted to the background). `validation` is
// evaluated after every iteration. Throws what the trainer throws.
StudyResult run_study(const StudySettings& settings, const nn::Dataset& train,
                      const nn::Dataset& validation, const nn::Dataset& test, std::uint64_t seed,
                      const pivot::ProgressCallback& progress = {});

}  // namespace physics
