#include "autodiff/gradient_check.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

#include "autodiff/ops/arithmetic.hpp"
#include "autodiff/ops/reductions.hpp"

namespace autodiff {
namespace {

// Records the inputs, runs the function and returns L = sum(F ⊙ R).
Variable projected_output(Tape& tape, const TapeFunction& function,
                          const std::vector<Matrix>& inputs, std::vector<Variable>& leaves,
                          Matrix& projection, unsigned seed) {
  leaves.clear();
  for (const auto& input : inputs) {
    leaves.push_back(tape.variable(input));
  }
  const Variable output = function(tape, leaves);

  if (projection.size() == 0) {
    std::mt19937_64 generator(seed);
    std::uniform_real_distribution<double> uniform(0.5, 1.5);
    projection = Matrix(output.value().shape());
    for (auto& r : projection) {
      r = static_cast<Scalar>(uniform(generator));
    }
  }
  return sum(output * tape.constant(projection));
}

}  // namespace

GradientCheckResult check_gradient(const TapeFunction& function, const std::vector<Matrix>& inputs,
                                   const GradientCheckOptions& options) {
  GradientCheckResult result;
  Matrix projection;
  std::vector<Variable> leaves;

  // The analytic gradients, from one backward pass.
  Tape tape;
  const Variable loss = projected_output(tape, function, inputs, leaves, projection, options.seed);
  tape.backward(loss, leaves);
  std::vector<Matrix> analytic;
  for (const auto& leaf : leaves) {
    analytic.push_back(leaf.gradient());
  }

  // The numeric gradients, one central difference per element.
  std::vector<Matrix> perturbed = inputs;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    for (std::size_t i = 0; i < inputs[k].shape(0); ++i) {
      for (std::size_t j = 0; j < inputs[k].shape(1); ++j) {
        const double x = inputs[k](i, j);
        const double h = options.step * std::max(1.0, std::abs(x));

        perturbed[k](i, j) = static_cast<Scalar>(x + h);
        Tape plus_tape;
        const double plus =
            projected_output(plus_tape, function, perturbed, leaves, projection, options.seed)
                .value()(0, 0);
        perturbed[k](i, j) = static_cast<Scalar>(x - h);
        Tape minus_tape;
        const double minus =
            projected_output(minus_tape, function, perturbed, leaves, projection, options.seed)
                .value()(0, 0);
        perturbed[k](i, j) = static_cast<Scalar>(x);

        const double numeric = (plus - minus) / (2.0 * h);
        const double absolute_error = std::abs(analytic[k](i, j) - numeric);
        const double relative_error = absolute_error / std::max(std::abs(numeric), 1e-300);
        result.max_absolute_error = std::max(result.max_absolute_error, absolute_error);
        result.max_relative_error = std::max(result.max_relative_error, relative_error);

        const bool close = absolute_error <= options.absolute_tolerance ||
                           relative_error <= options.relative_tolerance;
        if (!close && result.passed) {
          result.passed = false;
          std::ostringstream message;
          message << "input " << k << " element [" << i << ", " << j << "]: analytic "
                  << analytic[k](i, j) << ", numeric " << numeric;
          result.first_failure = message.str();
        }
      }
    }
  }
  return result;
}

}  // namespace autodiff
