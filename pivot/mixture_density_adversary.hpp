#pragma once

// The adversary for a continuous nuisance: a mixture density network.

#include <cstddef>
#include <vector>

#include "nn/layers/sequential.hpp"
#include "nn/random.hpp"
#include "pivot/adversary.hpp"

namespace pivot {

struct MixtureDensityOptions {
  std::size_t components = 5;                 // C Gaussian components
  std::vector<nn::HiddenLayer> hidden = {{20, nn::ActivationKind::relu},
                                         {20, nn::ActivationKind::relu}};
  std::size_t inputs = 1;  // columns of the network input: 1 (score) or 2 (score, label)
};

// Bishop's mixture density network on the score: a network from
// [batch, inputs] to 3C outputs, read as C means (linear), C log standard
// deviations (the standard deviation is their exponential) and C mixture
// logits (softmax). With inputs = 2 the second column is the class label, as
// ClassConditionalAdversary supplies it.
// L_r is the weighted mean of -log sum_c pi_c N(z; mu_c, sigma_c).
class MixtureDensityAdversary : public Adversary {
 public:
  // Throws std::invalid_argument when there are no components or no inputs.
  MixtureDensityAdversary(const MixtureDensityOptions& options, nn::Rng& rng);

  // Throws std::invalid_argument naming the shapes unless scores is
  // [batch, inputs] and z and weights are [batch, 1]. The class labels y are
  // not used.
  Variable loss(Variable scores, const AdversaryBatch& batch) override;

  autodiff::ParameterList parameters() override { return network_.parameters(); }
  std::string describe() const override;
  std::size_t input_width() const override { return inputs_; }

  // The mixture at each score: means, log standard deviations and mixture
  // logits, each [batch, C]. Throws std::invalid_argument naming the shape
  // unless scores is [batch, inputs].
  struct Mixture {
    Variable means;
    Variable log_sigmas;
    Variable mixture_logits;
  };
  Mixture mixture(Variable scores);

 private:
  // Throws std::invalid_argument naming the shape unless scores is
  // [batch, inputs].
  void check_scores(Variable scores) const;

  std::size_t components_;
  std::size_t inputs_;
  nn::Sequential network_;
};

}  // namespace pivot
