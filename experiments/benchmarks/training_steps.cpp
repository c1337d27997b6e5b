#include "experiments/benchmarks/training_steps.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

#include <xtensor/xreducer.hpp>

#include "autodiff/ops/arithmetic.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "experiments/toy/toy_problem.hpp"
#include "nn/losses.hpp"
#include "pivot/categorical_adversary.hpp"
#include "pivot/mixture_density_adversary.hpp"

namespace benchmarks {
namespace {

using autodiff::Variable;
using nn::ActivationKind;

constexpr double learning_rate = 0.01;

std::unique_ptr<pivot::Classifier> make_classifier(Problem problem, nn::Rng& rng) {
  if (problem == Problem::toy) {
    return std::make_unique<pivot::Classifier>(
        nn::make_mlp(2, {{20, ActivationKind::tanh}, {20, ActivationKind::relu}}, 1,
                     ActivationKind::identity, rng, "classifier"));
  }
  return std::make_unique<pivot::Classifier>(nn::make_mlp(
      6, {{64, ActivationKind::tanh}, {64, ActivationKind::relu}, {64, ActivationKind::relu}}, 1,
      ActivationKind::identity, rng, "classifier"));
}

std::unique_ptr<pivot::Adversary> make_adversary(Problem problem, nn::Rng& rng) {
  if (problem == Problem::toy) {
    return std::make_unique<pivot::MixtureDensityAdversary>(pivot::MixtureDensityOptions{}, rng);
  }
  return std::make_unique<pivot::CategoricalAdversary>(pivot::CategoricalOptions{}, rng);
}

}  // namespace

nn::Dataset draw_samples(Problem problem, std::size_t count, nn::Rng& rng) {
  if (problem == Problem::toy) {
    return toy::generate(count, rng);
  }

  // Signal (y = 1) shifts every feature by 0.5 and pileup (z = 1) the first
  // three by 0.3, so that both the class and the nuisance are learnable.
  constexpr std::size_t features = 6;
  autodiff::Matrix X({count, features});
  autodiff::Matrix y({count, std::size_t{1}});
  autodiff::Matrix z({count, std::size_t{1}});
  for (std::size_t i = 0; i < count; ++i) {
    y(i, 0) = rng.uniform(0.0, 1.0) < 0.5 ? 0.0 : 1.0;
    z(i, 0) = rng.uniform(0.0, 1.0) < 0.5 ? 0.0 : 1.0;
    for (std::size_t j = 0; j < features; ++j) {
      X(i, j) = static_cast<autodiff::Scalar>(rng.normal() + 0.5 * y(i, 0) +
                                              (j < 3 ? 0.3 * z(i, 0) : 0.0));
    }
  }
  return nn::make_dataset(std::move(X), std::move(y), std::move(z));
}

PlayerPair::PlayerPair(Problem problem, std::size_t batch_size, std::uint64_t seed)
    : rng_(seed),
      classifier_(make_classifier(problem, rng_)),
      adversary_(make_adversary(problem, rng_)),
      classifier_optimizer_(
          std::make_unique<nn::Sgd>(classifier_->parameters(), nn::SgdOptions{learning_rate})),
      adversary_optimizer_(
          std::make_unique<nn::Sgd>(adversary_->parameters(), nn::SgdOptions{learning_rate})),
      batch_(draw_samples(problem, batch_size, rng_)),
      batch_scores_(classifier_->predict(batch_.X)),
      trainer_(std::make_unique<pivot::PivotTrainer>(*classifier_, *adversary_, rng_)) {
  // Google Benchmark's CPU time counts the calling thread only, and PyTorch
  // runs on one thread, so the step and validation timings stay on one.
  trainer_->set_background_thread(false);
}

Variable PlayerPair::adversary_loss(Variable scores) {
  return adversary_->loss(scores, pivot::AdversaryBatch{batch_.z, batch_.y, batch_.weights});
}

double PlayerPair::classifier_step() {
  const autodiff::ParameterList parameters = classifier_->parameters();

  tape_.clear();
  const Variable logits = classifier_->logits(tape_.constant(batch_.X));  // [batch, 1]
  const Variable loss = nn::binary_cross_entropy_with_logits(logits, batch_.y, &batch_.weights);
  tape_.backward(loss, parameters);
  classifier_optimizer_->step();

  return loss.value()(0, 0);
}

double PlayerPair::adversary_step() {
  const autodiff::ParameterList parameters = adversary_->parameters();

  tape_.clear();
  const Variable loss = adversary_loss(tape_.constant(batch_scores_));
  tape_.backward(loss, parameters);
  adversary_optimizer_->step();

  return loss.value()(0, 0);
}

double PlayerPair::combined_step(double lambda) {
  const autodiff::ParameterList parameters = classifier_->parameters();

  tape_.clear();
  const Variable logits = classifier_->logits(tape_.constant(batch_.X));  // [batch, 1]
  const Variable value = nn::binary_cross_entropy_with_logits(logits, batch_.y, &batch_.weights) -
                         lambda * adversary_loss(autodiff::sigmoid(logits));
  tape_.backward(value, parameters);
  classifier_optimizer_->step();

  return value.value()(0, 0);
}

double PlayerPair::evaluate(const nn::Dataset& data, double lambda) {
  return trainer_->evaluate(data, lambda).value;
}

double PlayerPair::evaluate_in_chunks(const nn::Dataset& data, double lambda,
                                      std::size_t chunk_rows) {
  double classifier_sum = 0.0;
  double adversary_sum = 0.0;
  double weight_sum = 0.0;

  // Chunk means combine weighted by the chunk's total weight; every sample
  // counts for the adversary, as without an adversary mask.
  for (std::size_t begin = 0; begin < data.size(); begin += chunk_rows) {
    const std::size_t end = std::min(data.size(), begin + chunk_rows);
    std::vector<std::size_t> indices(end - begin);
    std::iota(indices.begin(), indices.end(), begin);
    const nn::Dataset chunk = data.rows(indices);

    tape_.clear();
    const Variable logits = classifier_->logits(tape_.constant(chunk.X));
    const double chunk_weight = xt::sum(chunk.weights)();
    classifier_sum +=
        nn::binary_cross_entropy_with_logits(logits, chunk.y, &chunk.weights).value()(0, 0) *
        chunk_weight;
    const Variable adversary_value = adversary_->loss(
        autodiff::sigmoid(logits), pivot::AdversaryBatch{chunk.z, chunk.y, chunk.weights});
    adversary_sum += adversary_value.value()(0, 0) * chunk_weight;
    weight_sum += chunk_weight;
  }
  tape_.clear();

  return (classifier_sum - lambda * adversary_sum) / weight_sum;
}

}  // namespace benchmarks
