#include "nn/optimizers/adam.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include <xtensor/xmath.hpp>

#include "autodiff/matrix.hpp"

namespace nn {
namespace {

using autodiff::format_number;

void check_positive(const char* option, double value, const char* example) {
  if (!std::isfinite(value) || value <= 0.0) {
    throw std::invalid_argument(std::string("Adam: ") + option +
                                " must be positive and finite, got " + format_number(value) +
                                "; pass a value such as " + example);
  }
}

void check_decay(const char* option, double value, const char* example) {
  if (!(value >= 0.0 && value < 1.0)) {
    throw std::invalid_argument(std::string("Adam: ") + option + " must be in [0, 1), got " +
                                format_number(value) + "; pass a value such as " + example);
  }
}

AdamOptions validated(const AdamOptions& options) {
  check_positive("learning_rate", options.learning_rate, "0.001");
  check_decay("beta1", options.beta1, "0.9");
  check_decay("beta2", options.beta2, "0.999");
  check_positive("epsilon", options.epsilon, "1e-8");
  return options;
}

}  // namespace

Adam::Adam(autodiff::ParameterList parameters, AdamOptions options)
    : Optimizer(std::move(parameters)), options_(validated(options)) {
  first_moments_.reserve(this->parameters().size());
  second_moments_.reserve(this->parameters().size());
  for (const autodiff::Parameter* parameter : this->parameters()) {
    first_moments_.push_back(xt::zeros<autodiff::Scalar>(parameter->value.shape()));
    second_moments_.push_back(xt::zeros<autodiff::Scalar>(parameter->value.shape()));
  }
}

void Adam::step() {
  const autodiff::ParameterList& list = parameters();

  // Check every shape first, so that a bad one leaves all parameters as they were.
  for (std::size_t k = 0; k < list.size(); ++k) {
    check_shape("Adam::step", "gradient", k, list[k]->gradient);
    check_shape("Adam::step", "first moment", k, first_moments_[k]);
    check_shape("Adam::step", "second moment", k, second_moments_[k]);
  }

  ++step_count_;
  const double t = static_cast<double>(step_count_);
  const double beta1 = options_.beta1;
  const double beta2 = options_.beta2;
  const double first_correction = 1.0 - std::pow(beta1, t);   // 1 - beta1^t
  const double second_correction = 1.0 - std::pow(beta2, t);  // 1 - beta2^t

  for (std::size_t k = 0; k < list.size(); ++k) {
    autodiff::Parameter& parameter = *list[k];
    const autodiff::Matrix& g = parameter.gradient;
    autodiff::Matrix& m = first_moments_[k];
    autodiff::Matrix& v = second_moments_[k];

    m = beta1 * m + (1.0 - beta1) * g;
    v = beta2 * v + (1.0 - beta2) * g * g;

    parameter.value -= options_.learning_rate * (m / first_correction) /
                       (xt::sqrt(v / second_correction) + options_.epsilon);
  }
}

}  // namespace nn
