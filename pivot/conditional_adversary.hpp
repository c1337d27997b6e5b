#pragma once

// The conditional pivot with the class label as an extra adversary input:
// the adversary models p_r(z | f(x), y), so the classifier is pushed towards
// p(f(X) = s | Z = z, Y = y) being the same for every z within each class y.
//
// The other way to a conditional pivot, L_r restricted to the samples of
// chosen classes, needs no adversary of its own: PivotTrainer's
// set_adversary_mask gives the other samples weight 0.

#include <cstddef>
#include <memory>
#include <string>

#include "pivot/adversary.hpp"

namespace pivot {

// Feeds an inner adversary the columns [score, y]. Any adversary whose
// input_width() is 2 works, for example:
//
//   nn::Rng rng(seed);
//   pivot::ClassConditionalAdversary categorical(std::make_unique<pivot::CategoricalAdversary>(
//       pivot::CategoricalOptions{.inputs = 2}, rng));
//   pivot::ClassConditionalAdversary mixture(std::make_unique<pivot::MixtureDensityAdversary>(
//       pivot::MixtureDensityOptions{.inputs = 2}, rng));
//
// The label enters as a tape constant, so no gradient flows into y. The
// classifier receives the gradient of L_r through the score column only.
class ClassConditionalAdversary : public Adversary {
 public:
  // Throws std::invalid_argument for a null adversary or one whose
  // input_width() is not 2.
  explicit ClassConditionalAdversary(std::unique_ptr<Adversary> inner);

  // Records [scores, y], [batch, 2], and returns the inner adversary's L_r on
  // it, [1, 1]. Throws std::invalid_argument naming both shapes unless scores
  // is [batch, 1] and y is [batch, 1]. The inner adversary checks z and the
  // weights.
  Variable loss(Variable scores, const AdversaryBatch& batch) override;

  autodiff::ParameterList parameters() override { return inner_->parameters(); }
  std::string describe() const override;

  // The score alone: the label column is added here.
  std::size_t input_width() const override { return 1; }

  Adversary& inner() { return *inner_; }

 private:
  std::unique_ptr<Adversary> inner_;
};

}  // namespace pivot
