#pragma once

// Stochastic gradient descent with optional (Nesterov) momentum.

#include <span>
#include <vector>

#include "autodiff/matrix.hpp"
#include "autodiff/parameter.hpp"
#include "nn/optimizers/optimizer.hpp"

namespace nn {

struct SgdOptions {
  double learning_rate = 0.01;  // lr > 0
  double momentum = 0.0;        // mu in [0, 1); 0 turns momentum off
  bool nesterov = false;        // needs momentum > 0
};

// SGD with PyTorch's update rule (torch.optim.SGD without dampening or weight
// decay), for gradient g and velocity v starting at zero:
//   v = mu v + g,   p -= lr v             (momentum),
//   v = mu v + g,   p -= lr (g + mu v)    (Nesterov),
//   p -= lr g                             (mu = 0; v stays zero).
class Sgd : public Optimizer {
 public:
  // Throws std::invalid_argument naming the value and the fix for a learning
  // rate that is not positive and finite, a momentum outside [0, 1), or
  // Nesterov without momentum. Throws as Optimizer does for a bad list.
  Sgd(autodiff::ParameterList parameters, SgdOptions options = {});

  void step() override;

  const SgdOptions& options() const { return options_; }

  // One velocity per parameter, in list order, with its parameter's shape.
  // A checkpoint saves and restores them through this view.
  std::span<autodiff::Matrix> velocities() { return velocities_; }
  std::span<const autodiff::Matrix> velocities() const { return velocities_; }

 private:
  SgdOptions options_;
  std::vector<autodiff::Matrix> velocities_;
};

}  // namespace nn
