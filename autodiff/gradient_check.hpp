#pragma once

// A finite-difference gradient checker for ops and whole models.
//
// For a function F of several arrays, the checker reduces the output to the
// scalar L = sum(F(x) ⊙ R), with R a fixed pseudo-random array, and compares
// the tape's dL/dx with central differences (L(x + h) - L(x - h)) / 2h for
// every element of every input. A random R makes a wrong backward function
// fail except on a set of measure zero.

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "autodiff/tape.hpp"

namespace autodiff {

struct GradientCheckOptions {
  double step = 1e-6;                 // h, scaled by max(1, |x|)
  double absolute_tolerance = 1e-6;   // accepted |analytic - numeric|
  double relative_tolerance = 1e-5;   // or accepted |analytic - numeric| / |numeric|
  unsigned seed = 12345;              // seeds R
};

struct GradientCheckResult {
  bool passed = true;
  double max_absolute_error = 0.0;
  double max_relative_error = 0.0;
  std::string first_failure;  // "input 1 element [2, 0]: analytic ..., numeric ..."; empty on success
};

// The function under test: records ops on `tape` from the given input leaves.
using TapeFunction = std::function<Variable(Tape& tape, std::span<const Variable> inputs)>;

// Checks the gradient of `function` with respect to every element of `inputs`
// by central differences. An element passes when either tolerance holds.
// NOTE: the differences are taken in autodiff::Scalar, so they need the
// double build (the default). In the float build the rounding of the
// function's value swamps a difference of step 1e-6, and checks at the
// default tolerances fail.
GradientCheckResult check_gradient(const TapeFunction& function, const std::vector<Matrix>& inputs,
                                   const GradientCheckOptions& options = {});

}  // namespace autodiff
