#include "pivot/categorical_adversary.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>

#include "autodiff/matrix.hpp"
#include "nn/losses.hpp"

namespace pivot {
namespace {

using autodiff::format_number;

// Throws unless `value`, found at `where`, is an integer in [0, classes).
void check_class_index(const std::string& function, const std::string& where, double value,
                       std::size_t classes) {
  // floor(NaN) != NaN, so NaN fails the integer test too.
  const bool integer = std::floor(value) == value;
  if (!integer || value < 0.0 || value >= static_cast<double>(classes)) {
    throw std::invalid_argument(function + ": " + where + " is " + format_number(value) +
                                ", which is not a class index in [0, " + std::to_string(classes) +
                                "); code the nuisance as integers 0 to " +
                                std::to_string(classes - 1) + " or raise the class count");
  }
}

}  // namespace

CategoricalAdversary::CategoricalAdversary(const CategoricalOptions& options, nn::Rng& rng)
    : classes_(options.classes), inputs_(options.inputs) {
  if (options.classes < 2) {
    throw std::invalid_argument("CategoricalAdversary: classes must be at least 2, got " +
                                std::to_string(options.classes) +
                                "; pass the number of values the nuisance takes");
  }
  if (options.inputs == 0) {
    throw std::invalid_argument(
        "CategoricalAdversary: inputs must be at least 1, got 0; pass "
        "1 for the score alone or 2 for the score and the class label");
  }
  network_ = nn::make_mlp(options.inputs, options.hidden, options.classes,
                          nn::ActivationKind::identity, rng, "adversary");
}

Variable CategoricalAdversary::logits(Variable scores) {
  if (scores.shape()[1] != inputs_) {
    throw autodiff::shape_error("CategoricalAdversary",
                                "scores must be [batch, " + std::to_string(inputs_) +
                                    "] for a network of " + std::to_string(inputs_) + " input(s)",
                                scores.shape());
  }
  return network_.forward(scores);  // [batch, classes]
}

Variable CategoricalAdversary::loss(Variable scores, const AdversaryBatch& batch) {
  const autodiff::Shape z_shape = autodiff::shape_of(batch.z);
  if (z_shape != autodiff::Shape{scores.shape()[0], 1}) {
    throw autodiff::shape_error("CategoricalAdversary",
                                "z must be [batch, 1] for the batch rows of the scores",
                                scores.shape(), z_shape);
  }
  for (std::size_t i = 0; i < z_shape[0]; ++i) {
    check_class_index("CategoricalAdversary", "z at row " + std::to_string(i), batch.z(i, 0),
                      classes_);
  }

  const Variable head = logits(scores);  // [batch, classes]
  return nn::categorical_cross_entropy(head, nn::one_hot(batch.z, classes_), &batch.weights);
}

std::string CategoricalAdversary::describe() const {
  return "categorical classifier, " + std::to_string(classes_) + " classes: " + network_.describe();
}

double categorical_entropy(std::span<const Scalar> z, std::span<const Scalar> weights,
                           std::size_t classes) {
  const std::string function = "categorical_entropy";
  if (z.empty()) {
    throw std::invalid_argument(function + ": z is empty; pass at least one nuisance value");
  }
  if (classes == 0) {
    throw std::invalid_argument(function + ": classes is 0; pass the number of values of Z");
  }
  if (!weights.empty() && weights.size() != z.size()) {
    throw std::invalid_argument(function + ": z and weights must have the same size, got " +
                                std::to_string(z.size()) + " and " +
                                std::to_string(weights.size()));
  }

  // Weighted class totals.
  std::vector<double> class_weight(classes, 0.0);
  double total = 0.0;
  for (std::size_t i = 0; i < z.size(); ++i) {
    check_class_index(function, "z[" + std::to_string(i) + "]", z[i], classes);
    const double weight = weights.empty() ? 1.0 : weights[i];
    if (!std::isfinite(weight) || weight < 0.0) {
      throw std::invalid_argument(function + ": weights[" + std::to_string(i) + "] is " +
                                  format_number(weight) +
                                  "; weights must be finite and non-negative");
    }
    class_weight[static_cast<std::size_t>(z[i])] += weight;
    total += weight;
  }
  if (total <= 0.0) {
    throw std::invalid_argument(
        function + ": the weights sum to 0; give at least one value a positive weight");
  }

  // H = -sum_k p_k log p_k; an empty class adds 0 log 0 = 0.
  double entropy = 0.0;
  for (const double weight : class_weight) {
    if (weight > 0.0) {
      const double p = weight / total;
      entropy -= p * std::log(p);
    }
  }
  return entropy;
}

}  // namespace pivot
