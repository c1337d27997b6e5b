#include "nn/layers/dense.hpp"

#include <stdexcept>

#include "autodiff/ops/fused.hpp"
#include "nn/layers/initializers.hpp"

namespace nn {

Dense::Dense(std::size_t inputs, std::size_t outputs, Rng& rng, const std::string& name)
    : weights_(name + ".weights", glorot_uniform(inputs, outputs, rng)),
      bias_(name + ".bias", xt::zeros<Scalar>({std::size_t{1}, outputs})) {}

Variable Dense::forward(Variable input) {
  const autodiff::Shape input_shape = input.shape();
  if (input_shape[1] != inputs()) {
    throw autodiff::shape_error("Dense", "the input needs one column per layer input ([batch, " +
                                             std::to_string(inputs()) +
                                             "]); input and weights shapes",
                                input_shape, autodiff::shape_of(weights_.value));
  }

  autodiff::Tape& tape = input.tape();
  return autodiff::affine(input, tape.parameter(weights_), tape.parameter(bias_));
}

std::string Dense::describe() const {
  return "Dense(" + std::to_string(inputs()) + " -> " + std::to_string(outputs()) + ")";
}

}  // namespace nn
