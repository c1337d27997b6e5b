#include "pivot/mixture_density_adversary.hpp"

#include <stdexcept>
#include <string>

#include "autodiff/ops/structure.hpp"
#include "nn/losses.hpp"

namespace pivot {

MixtureDensityAdversary::MixtureDensityAdversary(const MixtureDensityOptions& options, nn::Rng& rng)
    : components_(options.components), inputs_(options.inputs) {
  if (options.components == 0) {
    throw std::invalid_argument(
        "MixtureDensityAdversary: components must be at least 1, got 0");
  }
  if (options.inputs == 0) {
    throw std::invalid_argument("MixtureDensityAdversary: inputs must be at least 1, got 0; pass "
                                "1 for the score alone or 2 for the score and the class label");
  }
  network_ = nn::make_mlp(options.inputs, options.hidden, 3 * options.components,
                          nn::ActivationKind::identity, rng, "adversary");
}

void MixtureDensityAdversary::check_scores(Variable scores) const {
  if (scores.shape()[1] != inputs_) {
    throw autodiff::shape_error("MixtureDensityAdversary",
                                "scores must be [batch, " + std::to_string(inputs_) +
                                    "] for a network of " + std::to_string(inputs_) + " input(s)",
                                scores.shape());
  }
}

MixtureDensityAdversary::Mixture MixtureDensityAdversary::mixture(Variable scores) {
  check_scores(scores);

  const Variable head = network_.forward(scores);  // [batch, 3C]
  const std::size_t c = components_;
  return {autodiff::slice_columns(head, 0, c), autodiff::slice_columns(head, c, 2 * c),
          autodiff::slice_columns(head, 2 * c, 3 * c)};
}

Variable MixtureDensityAdversary::loss(Variable scores, const AdversaryBatch& batch) {
  check_scores(scores);

  // The packed head [batch, 3C] goes to the loss whole, in the column order
  // that mixture() slices.
  const Variable head = network_.forward(scores);
  return nn::gaussian_mixture_nll(head, batch.z, &batch.weights);
}

std::string MixtureDensityAdversary::describe() const {
  return "mixture density network, " + std::to_string(components_) +
         " components: " + network_.describe();
}

}  // namespace pivot
