#pragma once

// A trainable array that outlives the tapes it is used on.

#include <string>
#include <utility>
#include <vector>

#include "autodiff/matrix.hpp"

namespace autodiff {

// A named trainable array with the gradient of the last backward pass.
//
// A network owns its parameters. Each step records them on a tape with
// Tape::parameter(); Tape::backward(loss, parameters) then overwrites
// `gradient` of exactly the listed parameters, and an optimizer reads it.
struct Parameter {
  Parameter() = default;
  Parameter(std::string parameter_name, Matrix initial_value)
      : name(std::move(parameter_name)),
        value(std::move(initial_value)),
        gradient(xt::zeros<Scalar>(value.shape())) {}

  std::string name;
  Matrix value;
  Matrix gradient;
};

// Non-owning list of the parameters one player trains. Two lists that share
// no element never touch each other's gradients or optimizer state.
using ParameterList = std::vector<Parameter*>;

}  // namespace autodiff
