#pragma once

// A chain of modules and the builder for multilayer perceptrons.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "nn/layers/activation.hpp"
#include "nn/layers/module.hpp"
#include "nn/random.hpp"

namespace nn {

// Runs its modules in order: forward(x) = m_k(... m_1(x)). A Dense layer
// followed by a relu or tanh Activation runs as one fused op
// (Dense::forward(input, activation)), with the same values and gradients.
// Subclasses of Dense and Activation run one by one, through their own
// forward().
class Sequential : public Module {
 public:
  Sequential() = default;

  // Appends a module and returns *this, so that calls chain. Throws
  // std::invalid_argument for a null module.
  Sequential& add(std::unique_ptr<Module> module);

  Variable forward(Variable input) override;
  autodiff::ParameterList parameters() override;

  // The modules' descriptions joined by " -> ".
  std::string describe() const override;

  std::size_t size() const { return modules_.size(); }
  Module& operator[](std::size_t index) { return *modules_.at(index); }

 private:
  std::vector<std::unique_ptr<Module>> modules_;
  // For each module: the activation fused into it when it is a Dense layer
  // followed by a relu or tanh Activation, else identity.
  std::vector<ActivationKind> fused_activations_;
};

// One hidden layer of a multilayer perceptron: its width and activation.
struct HiddenLayer {
  std::size_t units;
  ActivationKind activation;
};

// Builds inputs -> [Dense, activation] per hidden layer -> Dense(outputs) ->
// output activation. Parameter names are "<name>.0.weights", "<name>.0.bias"
// and so on, numbered by Dense layer. Throws std::invalid_argument for a zero
// size.
Sequential make_mlp(std::size_t inputs, const std::vector<HiddenLayer>& hidden,
                    std::size_t outputs, ActivationKind output_activation, Rng& rng,
                    const std::string& name = "mlp");

}  // namespace nn
