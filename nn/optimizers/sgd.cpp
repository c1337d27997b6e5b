#include "nn/optimizers/sgd.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include "autodiff/matrix.hpp"

namespace nn {
namespace {

using autodiff::format_number;
using autodiff::Scalar;

SgdOptions validated(const SgdOptions& options) {
  if (!std::isfinite(options.learning_rate) || options.learning_rate <= 0.0) {
    throw std::invalid_argument("Sgd: learning_rate must be positive and finite, got " +
                                format_number(options.learning_rate) +
                                "; pass a step size such as 0.01");
  }
  if (!(options.momentum >= 0.0 && options.momentum < 1.0)) {
    throw std::invalid_argument("Sgd: momentum must be in [0, 1), got " +
                                format_number(options.momentum) +
                                "; pass 0 for plain SGD or a value such as 0.9");
  }
  if (options.nesterov && options.momentum == 0.0) {
    throw std::invalid_argument(
        "Sgd: nesterov needs momentum > 0, got momentum 0; set momentum (for example 0.9) or "
        "set nesterov to false");
  }
  return options;
}

}  // namespace

Sgd::Sgd(autodiff::ParameterList parameters, SgdOptions options)
    : Optimizer(std::move(parameters)), options_(validated(options)) {
  velocities_.reserve(this->parameters().size());
  for (const autodiff::Parameter* parameter : this->parameters()) {
    velocities_.push_back(xt::zeros<autodiff::Scalar>(parameter->value.shape()));
  }
}

void Sgd::step() {
  const autodiff::ParameterList& list = parameters();

  // Check every shape first, so that a bad one leaves all parameters as they were.
  for (std::size_t k = 0; k < list.size(); ++k) {
    check_shape("Sgd::step", "gradient", k, list[k]->gradient);
    check_shape("Sgd::step", "velocity", k, velocities_[k]);
  }

  // Plain loops over the storage, in double as xtensor's expressions with a
  // double scalar would compute them, which cost more for these small arrays.
  const double lr = options_.learning_rate;
  const double mu = options_.momentum;
  for (std::size_t k = 0; k < list.size(); ++k) {
    autodiff::Parameter& parameter = *list[k];
    Scalar* value = parameter.value.data();
    const Scalar* g = parameter.gradient.data();
    const std::size_t count = parameter.value.size();
    if (mu == 0.0) {
      for (std::size_t i = 0; i < count; ++i) {
        value[i] = static_cast<Scalar>(value[i] - lr * g[i]);
      }
      continue;
    }

    // v = mu v + g, then w -= lr (g + mu v) with Nesterov's correction or
    // w -= lr v without.
    Scalar* v = velocities_[k].data();
    for (std::size_t i = 0; i < count; ++i) {
      v[i] = static_cast<Scalar>(mu * v[i] + g[i]);
    }
    if (options_.nesterov) {
      for (std::size_t i = 0; i < count; ++i) {
        value[i] = static_cast<Scalar>(value[i] - lr * (g[i] + mu * v[i]));
      }
    } else {
      for (std::size_t i = 0; i < count; ++i) {
        value[i] = static_cast<Scalar>(value[i] - lr * v[i]);
      }
    }
  }
}

}  // namespace nn
