#pragma once

// Adam: stochastic optimization with bias-corrected moment estimates.

#include <cstdint>
#include <span>
#include <vector>

#include "autodiff/matrix.hpp"
#include "autodiff/parameter.hpp"
#include "nn/optimizers/optimizer.hpp"

namespace nn {

struct AdamOptions {
  double learning_rate = 0.001;  // lr > 0
  double beta1 = 0.9;            // decay of the first moment, in [0, 1)
  double beta2 = 0.999;          // decay of the second moment, in [0, 1)
  double epsilon = 1e-8;         // > 0, keeps the step finite for a zero gradient
};

// Adam (Kingma and Ba, 2015) as torch.optim.Adam without weight decay or
// AMSGrad. For gradient g, moments m and v starting at zero and the step
// count t counting this step from 1:
//   m = beta1 m + (1 - beta1) g,
//   v = beta2 v + (1 - beta2) g^2,
//   p -= lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon).
class Adam : public Optimizer {
 public:
  // Throws std::invalid_argument naming the value and the fix for a learning
  // rate or epsilon that is not positive and finite, or a beta outside
  // [0, 1). Throws as Optimizer does for a bad list.
  Adam(autodiff::ParameterList parameters, AdamOptions options = {});

  void step() override;

  const AdamOptions& options() const { return options_; }

  // The state a checkpoint saves and restores: one first and one second
  // moment per parameter, in list order and with its parameter's shape, and
  // the number of steps taken.
  std::span<autodiff::Matrix> first_moments() { return first_moments_; }
  std::span<const autodiff::Matrix> first_moments() const { return first_moments_; }
  std::span<autodiff::Matrix> second_moments() { return second_moments_; }
  std::span<const autodiff::Matrix> second_moments() const { return second_moments_; }
  std::uint64_t step_count() const { return step_count_; }
  void set_step_count(std::uint64_t count) { step_count_ = count; }

 private:
  AdamOptions options_;
  std::vector<autodiff::Matrix> first_moments_;
  std::vector<autodiff::Matrix> second_moments_;
  std::uint64_t step_count_ = 0;
};

}  // namespace nn
