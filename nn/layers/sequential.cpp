#include "nn/layers/sequential.hpp"

#include <stdexcept>
#include <typeinfo>

#include "nn/layers/dense.hpp"

namespace nn {

Sequential& Sequential::add(std::unique_ptr<Module> module) {
  if (!module) {
    throw std::invalid_argument("Sequential::add: the module is null; pass a constructed module");
  }
  // An activation that follows a Dense layer is marked on that layer. Only
  // the classes themselves fuse: a subclass may override forward(), which
  // the fused op would skip.
  const Module& added = *module;
  if (typeid(added) == typeid(Activation) && !modules_.empty()) {
    const Module& previous = *modules_.back();
    const ActivationKind kind = static_cast<const Activation&>(added).kind();
    if (typeid(previous) == typeid(Dense) &&
        (kind == ActivationKind::relu || kind == ActivationKind::tanh)) {
      fused_activations_.back() = kind;
    }
  }
  modules_.push_back(std::move(module));
  fused_activations_.push_back(ActivationKind::identity);
  return *this;
}

Variable Sequential::forward(Variable input) {
  Variable output = input;
  for (std::size_t index = 0; index < modules_.size(); ++index) {
    if (fused_activations_[index] == ActivationKind::identity) {
      output = modules_[index]->forward(output);
      continue;
    }
    // The Dense layer and the activation after it, as one op.
    auto& dense = static_cast<Dense&>(*modules_[index]);
    output = dense.forward(output, fused_activations_[index]);
    ++index;
  }
  return output;
}

autodiff::ParameterList Sequential::parameters() {
  autodiff::ParameterList all;
  for (const auto& module : modules_) {
    const autodiff::ParameterList own = module->parameters();
    all.insert(all.end(), own.begin(), own.end());
  }
  return all;
}

std::string Sequential::describe() const {
  std::string text;
  for (const auto& module : modules_) {
    text += (text.empty() ? "" : " -> ") + module->describe();
  }
  return text;
}

Sequential make_mlp(std::size_t inputs, const std::vector<HiddenLayer>& hidden,
                    std::size_t outputs, ActivationKind output_activation, Rng& rng,
                    const std::string& name) {
  Sequential network;
  std::size_t width = inputs;
  std::size_t dense_count = 0;

  for (const auto& layer : hidden) {
    if (layer.units == 0) {
      throw std::invalid_argument("make_mlp: hidden layer " + std::to_string(dense_count) +
                                  " of '" + name + "' has 0 units; give it at least 1");
    }
    network.add(std::make_unique<Dense>(width, layer.units, rng,
                                        name + "." + std::to_string(dense_count++)));
    network.add(std::make_unique<Activation>(layer.activation));
    width = layer.units;
  }

  network.add(std::make_unique<Dense>(width, outputs, rng,
                                      name + "." + std::to_string(dense_count)));
  if (output_activation != ActivationKind::identity) {
    network.add(std::make_unique<Activation>(output_activation));
  }
  return network;
}

}  // namespace nn
