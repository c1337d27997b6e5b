#pragma once

// A fully connected layer.

#include <cstddef>
#include <string>

#include "autodiff/parameter.hpp"
#include "nn/layers/activation.hpp"
#include "nn/layers/module.hpp"
#include "nn/random.hpp"

namespace nn {

// y = x · W + b for x of shape [batch, inputs], W of shape [inputs, outputs]
// and b of shape [1, outputs] broadcast over the batch. W starts
// Glorot-uniform and b at zero.
class Dense : public Module {
 public:
  // `name` prefixes the parameter names ("<name>.weights", "<name>.bias").
  // Throws std::invalid_argument when a size is 0.
  Dense(std::size_t inputs, std::size_t outputs, Rng& rng, const std::string& name = "dense");

  // Throws std::invalid_argument naming both shapes when the input does not
  // have `inputs` columns.
  Variable forward(Variable input) override;

  // activation(x · W + b) for the activations of Activation. relu and tanh
  // run fused with the product (autodiff::affine_relu and affine_tanh), the
  // others as a separate op. Shape errors as for forward(input).
  Variable forward(Variable input, ActivationKind activation);

  autodiff::ParameterList parameters() override { return {&weights_, &bias_}; }
  std::string describe() const override;

  std::size_t inputs() const { return weights_.value.shape(0); }
  std::size_t outputs() const { return weights_.value.shape(1); }
  autodiff::Parameter& weights() { return weights_; }
  autodiff::Parameter& bias() { return bias_; }

 private:
  autodiff::Parameter weights_;  // [inputs, outputs]
  autodiff::Parameter bias_;     // [1, outputs]
};

}  // namespace nn
