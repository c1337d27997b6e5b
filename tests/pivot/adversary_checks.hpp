#pragma once

// Gradient and error-message checks shared by the adversary tests: any
// pivot::Adversary, its loss against finite differences in the scores and in
// every parameter.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>

#include "autodiff/gradient_check.hpp"
#include "autodiff/tape.hpp"
#include "pivot/adversary.hpp"
#include "tolerances.hpp"

namespace adversary_checks {

using autodiff::Matrix;
using autodiff::Tape;
using autodiff::Variable;

inline autodiff::GradientCheckOptions gradient_options() {
  autodiff::GradientCheckOptions options;
  options.absolute_tolerance = test_tolerance::gradient_absolute;
  options.relative_tolerance = test_tolerance::gradient_relative;
  return options;
}

// Checks d L_r / d scores with autodiff::check_gradient.
inline void check_score_gradient(pivot::Adversary& adversary, const Matrix& scores,
                          const pivot::AdversaryBatch& batch) {
  const auto result = autodiff::check_gradient(
      [&](Tape&, std::span<const Variable> in) { return adversary.loss(in[0], batch); }, {scores},
      gradient_options());
  BOOST_TEST(result.passed, adversary.describe() << ": " << result.first_failure);
}

// Compares d L_r / d p from Tape::backward with the central difference
// (L(p + h) - L(p - h)) / 2h, h = 1e-6 max(1, |p|), for every element of every
// parameter, and reports the first element of each parameter that fails.
inline void check_parameter_gradients(pivot::Adversary& adversary, const Matrix& scores,
                               const pivot::AdversaryBatch& batch) {
  const autodiff::ParameterList parameters = adversary.parameters();
  BOOST_TEST_REQUIRE(!parameters.empty());

  Tape tape;
  const Variable loss = adversary.loss(tape.constant(scores), batch);
  tape.backward(loss, parameters);

  const auto loss_value = [&] {
    Tape fresh;
    return adversary.loss(fresh.constant(scores), batch).value()(0, 0);
  };
  for (autodiff::Parameter* parameter : parameters) {
    const Matrix analytic = parameter->gradient;
    std::size_t failures = 0;
    std::ostringstream first_failure;
    for (std::size_t k = 0; k < parameter->value.size(); ++k) {
      const double original = parameter->value.flat(k);
      const double h = 1e-6 * std::max(1.0, std::abs(original));
      parameter->value.flat(k) = original + h;
      const double plus = loss_value();
      parameter->value.flat(k) = original - h;
      const double minus = loss_value();
      parameter->value.flat(k) = original;

      const double numeric = (plus - minus) / (2.0 * h);
      const double error = std::abs(analytic.flat(k) - numeric);
      if (error > test_tolerance::gradient_absolute &&
          error > test_tolerance::gradient_relative * std::abs(numeric)) {
        if (failures == 0) {
          first_failure << "element " << k << ": analytic " << analytic.flat(k) << ", numeric "
                        << numeric;
        }
        ++failures;
      }
    }
    BOOST_TEST(failures == 0u, parameter->name
                                   << ": " << failures << " of " << parameter->value.size()
                                   << " elements differ; first " << first_failure.str());
  }
}

// The message of the std::invalid_argument that `call` throws, or a marker
// that no check on the message can match when it throws nothing.
inline std::string error_message(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "<no std::invalid_argument thrown>";
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace adversary_checks
