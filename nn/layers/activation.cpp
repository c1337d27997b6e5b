#include "nn/layers/activation.hpp"

#include <stdexcept>

#include "autodiff/ops/elementwise.hpp"

namespace nn {

ActivationKind parse_activation(std::string_view name) {
  if (name == "identity") return ActivationKind::identity;
  if (name == "tanh") return ActivationKind::tanh;
  if (name == "relu") return ActivationKind::relu;
  if (name == "sigmoid") return ActivationKind::sigmoid;
  if (name == "exp") return ActivationKind::exp;
  throw std::invalid_argument("unknown activation '" + std::string(name) +
                              "'; use identity, tanh, relu, sigmoid or exp");
}

std::string to_string(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::identity:
      return "identity";
    case ActivationKind::tanh:
      return "tanh";
    case ActivationKind::relu:
      return "relu";
    case ActivationKind::sigmoid:
      return "sigmoid";
    case ActivationKind::exp:
      return "exp";
  }
  return "unknown";
}

Variable Activation::forward(Variable input) {
  switch (kind_) {
    case ActivationKind::identity:
      return input;
    case ActivationKind::tanh:
      return autodiff::tanh(input);
    case ActivationKind::relu:
      return autodiff::relu(input);
    case ActivationKind::sigmoid:
      return autodiff::sigmoid(input);
    case ActivationKind::exp:
      return autodiff::exp(input);
  }
  return input;
}

}  // namespace nn
