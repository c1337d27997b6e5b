#pragma once

// The toy problem of Louppe, Kagan and Cranmer, "Learning to Pivot with
// Adversarial Networks" (NeurIPS 2017), section 5.1: two classes in 2D where
// the nuisance Z shifts the signal class.
//
//   X | Y = 0      ~ N((0, 0), [[1, -0.5], [-0.5, 1]])
//   X | Y = 1, Z=z ~ N((1, 1 + z), I),   Z ~ N(0, 1)
//
// Classes are equally likely, and Z is drawn for every sample, also for
// Y = 0, where it leaves X unchanged.

#include <cstddef>
#include <optional>

#include "nn/data/dataset.hpp"
#include "nn/random.hpp"

namespace toy {

// Draws `count` samples with balanced classes (Y = 0 or 1 with probability
// 1/2 each) and Z ~ N(0, 1). Throws std::invalid_argument for count 0.
nn::Dataset generate(std::size_t count, nn::Rng& rng);

// Draws `count` samples with every Z fixed at `z`, both classes equally
// likely, for the score densities at one nuisance value.
nn::Dataset generate_at(std::size_t count, double z, nn::Rng& rng);

// The differential entropy of the nuisance prior N(0, 1):
// H(Z) = log(sqrt(2 pi e)) = 1.4189. An adversary that predicts no better
// than the prior has L_r = H(Z).
double nuisance_entropy();

}  // namespace toy
