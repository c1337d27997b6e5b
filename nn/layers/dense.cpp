#include "nn/layers/dense.hpp"

#include <stdexcept>

#include "autodiff/ops/fused.hpp"
#include "nn/layers/initializers.hpp"

namespace nn {
namespace {

// Throws unless the input [batch, k] has one column per row of the weights
// [k, m].
void check_input(const autodiff::Shape& input, const autodiff::Matrix& weights) {
  if (input[1] != weights.shape(0)) {
    throw autodiff::shape_error("Dense", "the input needs one column per layer input ([batch, " +
                                             std::to_string(weights.shape(0)) +
                                             "]); input and weights shapes",
                                input, autodiff::shape_of(weights));
  }
}

}  // namespace

Dense::Dense(std::size_t inputs, std::size_t outputs, Rng& rng, const std::string& name)
    : weights_(name + ".weights", glorot_uniform(inputs, outputs, rng)),
      bias_(name + ".bias", xt::zeros<Scalar>({std::size_t{1}, outputs})) {}

Variable Dense::forward(Variable input) {
  check_input(input.shape(), weights_.value);

  autodiff::Tape& tape = input.tape();
  return autodiff::affine(input, tape.parameter(weights_), tape.parameter(bias_));
}

Variable Dense::forward(Variable input, ActivationKind activation) {
  if (activation != ActivationKind::relu && activation != ActivationKind::tanh) {
    return Activation(activation).forward(Dense::forward(input));
  }
  check_input(input.shape(), weights_.value);

  autodiff::Tape& tape = input.tape();
  const Variable weights = tape.parameter(weights_);
  const Variable bias = tape.parameter(bias_);
  return activation == ActivationKind::relu ? autodiff::affine_relu(input, weights, bias)
                                            : autodiff::affine_tanh(input, weights, bias);
}

std::string Dense::describe() const {
  return "Dense(" + std::to_string(inputs()) + " -> " + std::to_string(outputs()) + ")";
}

}  // namespace nn
