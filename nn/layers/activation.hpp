#pragma once

// Elementwise activation layers.

#include <string>
#include <string_view>

#include "nn/layers/module.hpp"

namespace nn {

enum class ActivationKind { identity, tanh, relu, sigmoid, exp };

// Parses "identity", "tanh", "relu", "sigmoid" or "exp"; throws
// std::invalid_argument listing the accepted names otherwise.
ActivationKind parse_activation(std::string_view name);
std::string to_string(ActivationKind kind);

// Applies one elementwise function; has no parameters.
class Activation : public Module {
 public:
  explicit Activation(ActivationKind kind) : kind_(kind) {}

  Variable forward(Variable input) override;
  std::string describe() const override { return to_string(kind_); }
  ActivationKind kind() const { return kind_; }

 private:
  ActivationKind kind_;
};

}  // namespace nn
