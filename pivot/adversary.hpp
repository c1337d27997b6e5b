#pragma once

// The adversary interface: a conditional density model of the nuisance given
// the classifier's score.

#include <cstddef>
#include <string>

#include "autodiff/parameter.hpp"
#include "autodiff/tape.hpp"

namespace pivot {

using autodiff::Matrix;
using autodiff::Scalar;
using autodiff::Variable;

// The parts of a minibatch an adversary may use besides the scores, each
// [batch, 1]. `weights` are per-sample weights; a zero weight removes a sample
// from L_r, which is how L_r is restricted to chosen classes.
struct AdversaryBatch {
  const Matrix& z;        // nuisance values to predict
  const Matrix& y;        // class labels, for adversaries conditioned on the class
  const Matrix& weights;  // per-sample weights
};

// An adversary r models p_r(z | f(x)). Implementations own their parameters
// and may be any differentiable conditional density: a network, a histogram
// with learnable bins, a parametric model.
class Adversary {
 public:
  virtual ~Adversary() = default;

  // Records L_r = sum_i w_i (-log p_r(z_i | s_i)) / sum_i w_i on scores.tape()
  // and returns it, [1, 1]. `scores` is the classifier output, [batch, 1].
  virtual Variable loss(Variable scores, const AdversaryBatch& batch) = 0;

  // The adversary's trainable parameters, disjoint from the classifier's.
  virtual autodiff::ParameterList parameters() = 0;

  // The number of columns loss() expects in `scores`: 1 for the score alone,
  // 2 for an adversary that ClassConditionalAdversary feeds the score and the
  // class label.
  virtual std::size_t input_width() const { return 1; }

  // A one-line description for logs and summaries.
  virtual std::string describe() const = 0;
};

}  // namespace pivot
