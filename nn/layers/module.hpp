#pragma once

// The interface of every layer and network.

#include <string>

#include "autodiff/parameter.hpp"
#include "autodiff/tape.hpp"

namespace nn {

using autodiff::Matrix;
using autodiff::Scalar;
using autodiff::Variable;

// A differentiable function of one [batch, features] input with its own
// parameters. forward() records on the input's tape and changes nothing in
// the module, so one module can run on several tapes.
class Module {
 public:
  virtual ~Module() = default;

  // Records the layer's ops on input.tape() and returns the output,
  // [batch, output features].
  virtual Variable forward(Variable input) = 0;

  // The trainable parameters, in a fixed order (the order checkpoints use).
  virtual autodiff::ParameterList parameters() { return {}; }

  // A one-line description such as "Dense(2 -> 20)".
  virtual std::string describe() const = 0;
};

}  // namespace nn
