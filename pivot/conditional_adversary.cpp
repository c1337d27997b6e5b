#include "pivot/conditional_adversary.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "autodiff/ops/structure.hpp"

namespace pivot {

ClassConditionalAdversary::ClassConditionalAdversary(std::unique_ptr<Adversary> inner)
    : inner_(std::move(inner)) {
  if (!inner_) {
    throw std::invalid_argument(
        "ClassConditionalAdversary: the inner adversary is null; pass one built with inputs = 2");
  }
  if (inner_->input_width() != 2) {
    throw std::invalid_argument("ClassConditionalAdversary: the inner adversary takes " +
                                std::to_string(inner_->input_width()) +
                                " input column(s), but it receives 2 (score and "
                                "class label); build it with inputs = 2: " +
                                inner_->describe());
  }
}

Variable ClassConditionalAdversary::loss(Variable scores, const AdversaryBatch& batch) {
  const autodiff::Shape score_shape = scores.shape();
  if (score_shape[1] != 1) {
    throw autodiff::shape_error("ClassConditionalAdversary", "scores must be [batch, 1]",
                                score_shape);
  }
  const autodiff::Shape label_shape = autodiff::shape_of(batch.y);
  if (label_shape != autodiff::Shape{score_shape[0], 1}) {
    throw autodiff::shape_error("ClassConditionalAdversary",
                                "y must be [batch, 1] for the batch rows of the scores",
                                score_shape, label_shape);
  }

  // The label is data, not a function of any parameter.
  const Variable labels = scores.tape().constant(batch.y);             // [batch, 1]
  const Variable inputs = autodiff::concat_columns({scores, labels});  // [batch, 2]
  return inner_->loss(inputs, batch);
}

std::string ClassConditionalAdversary::describe() const {
  return "class-conditional (score, label) -> " + inner_->describe();
}

}  // namespace pivot
