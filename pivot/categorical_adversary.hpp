#pragma once

// The adversary for a categorical nuisance: a softmax classifier over the
// values of Z, and the entropy H(Z) that its loss reaches at the ideal
// equilibrium.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "nn/layers/sequential.hpp"
#include "nn/random.hpp"
#include "pivot/adversary.hpp"

namespace pivot {

struct CategoricalOptions {
  std::size_t classes = 2;  // K values of Z, coded 0, ..., K - 1
  std::vector<nn::HiddenLayer> hidden = {{64, nn::ActivationKind::relu},
                                         {64, nn::ActivationKind::relu},
                                         {64, nn::ActivationKind::relu}};
  std::size_t inputs = 1;  // columns of the network input: 1 (score) or 2 (score, label)
};

// A network from [batch, inputs] to K logits whose softmax is p_r(z | s).
// L_r is the weighted mean categorical cross-entropy
//   L_r = sum_i w_i (logsumexp(a_i) - a_{i, z_i}) / sum_i w_i,
// with a_i the logits of sample i, computed by nn::categorical_cross_entropy.
// The nuisance z contains class indices 0, ..., K - 1 stored as doubles.
class CategoricalAdversary : public Adversary {
 public:
  // Throws std::invalid_argument for fewer than 2 classes (a softmax over one
  // class predicts it with certainty, so L_r would be 0 whatever the score)
  // or for 0 inputs.
  CategoricalAdversary(const CategoricalOptions& options, nn::Rng& rng);

  // Records L_r, [1, 1]. Throws std::invalid_argument naming the shapes
  // unless scores is [batch, inputs] and z and weights are [batch, 1], and
  // naming the row, the value and the class count for a z that is not an
  // integer in [0, classes). Weights are checked as nn::categorical_cross_entropy
  // checks them. The class labels y are not used.
  Variable loss(Variable scores, const AdversaryBatch& batch) override;

  // Records the logits a = r(scores), [batch, classes], whose softmax is the
  // predicted distribution of Z. Throws std::invalid_argument naming the
  // shape unless scores is [batch, inputs].
  Variable logits(Variable scores);

  autodiff::ParameterList parameters() override { return network_.parameters(); }
  std::string describe() const override;
  std::size_t input_width() const override { return inputs_; }
  std::size_t classes() const { return classes_; }

 private:
  std::size_t classes_;
  std::size_t inputs_;
  nn::Sequential network_;
};

// Computes the entropy in nats of the weighted class frequencies of a
// categorical nuisance, H(Z) = -sum_k p_k log p_k with p_k = (sum of the
// weights of z = k) / (sum of all weights) and 0 log 0 = 0. An adversary that
// predicts no better than these frequencies has L_r = H(Z), which is
// log 2 = 0.6931 for 2 equally likely classes. Empty `weights` give every
// value weight 1.
// Throws std::invalid_argument if z is empty or classes is 0, or if a z is
// not an integer in [0, classes), naming the position and the value. Also
// throws if the weights differ from z in size, contain a negative or
// non-finite weight, or sum to 0.
double categorical_entropy(std::span<const Scalar> z, std::span<const Scalar> weights,
                           std::size_t classes);

}  // namespace pivot
