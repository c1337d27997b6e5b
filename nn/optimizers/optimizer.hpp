#pragma once

// The interface of the gradient-based optimizers.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>

#include "autodiff/matrix.hpp"
#include "autodiff/parameter.hpp"

namespace nn {

// Updates a fixed list of parameters from their `gradient` fields. The list is
// explicit and the state (velocities, moments) is kept per parameter in list
// order, so two optimizers over disjoint lists, such as the classifier's and
// the adversary's, never touch each other's parameters or state.
class Optimizer {
 public:
  virtual ~Optimizer() = default;

  // Applies one update to every listed parameter from its current gradient.
  // Throws std::invalid_argument, before changing any parameter, when a
  // gradient or a state array does not have its parameter's shape.
  virtual void step() = 0;

  // The parameters in the order of the state arrays.
  const autodiff::ParameterList& parameters() const { return parameters_; }

 protected:
  // Throws std::invalid_argument for an empty list, a null entry or a
  // parameter listed twice.
  explicit Optimizer(autodiff::ParameterList parameters) : parameters_(std::move(parameters)) {
    if (parameters_.empty()) {
      throw std::invalid_argument(
          "Optimizer: the parameter list is empty; pass the parameters of the model to train");
    }

    std::unordered_map<const autodiff::Parameter*, std::size_t> first_entry;
    for (std::size_t k = 0; k < parameters_.size(); ++k) {
      const autodiff::Parameter* parameter = parameters_[k];
      if (parameter == nullptr) {
        throw std::invalid_argument("Optimizer: parameter list entry " + std::to_string(k) +
                                    " is null; pass pointers to live parameters");
      }
      const auto [found, inserted] = first_entry.emplace(parameter, k);
      if (!inserted) {
        throw std::invalid_argument("Optimizer: parameter '" + parameter->name +
                                    "' is listed twice (entries " + std::to_string(found->second) +
                                    " and " + std::to_string(k) + "); list each parameter once");
      }
    }
  }

  // Throws std::invalid_argument naming `op`, the parameter and both shapes
  // unless `array` has the shape of the value of parameter `index`.
  // `array_name` ("gradient", "velocity") names the array in the message.
  void check_shape(const char* op, const char* array_name, std::size_t index,
                   const autodiff::Matrix& array) const {
    const autodiff::Parameter& parameter = *parameters_[index];
    if (autodiff::shape_of(array) != autodiff::shape_of(parameter.value)) {
      throw autodiff::shape_error(op,
                                  std::string("the ") + array_name + " of parameter '" +
                                      parameter.name + "' (entry " + std::to_string(index) +
                                      ") must have the shape of its value",
                                  autodiff::shape_of(parameter.value), autodiff::shape_of(array));
    }
  }

 private:
  autodiff::ParameterList parameters_;
};

}  // namespace nn
