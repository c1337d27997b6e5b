#pragma once

// The classifier f: a network whose single output is the logit of P(Y = 1).

#include <string>

#include "autodiff/matrix.hpp"
#include "nn/layers/sequential.hpp"

namespace pivot {

using autodiff::Matrix;
using autodiff::Scalar;
using autodiff::Variable;

// Wraps a network ending in one linear output, the logit. The score is
// f(x) = sigmoid(logit), and L_f is computed from the logit by the stable
// binary cross-entropy, the same function as the cross-entropy of the score.
class Classifier {
 public:
  // Throws std::invalid_argument when the network has no parameters.
  explicit Classifier(nn::Sequential network);

  // Records the logits, [batch, 1]. Throws std::invalid_argument when the
  // network does not end in exactly one output.
  Variable logits(Variable x);

  // Records the scores sigmoid(logits), [batch, 1], in (0, 1).
  Variable scores(Variable x);

  // Computes scores for plain arrays on a private tape, in chunks, for
  // evaluation: [rows, features] to [rows, 1].
  Matrix predict(const Matrix& x);

  autodiff::ParameterList parameters() { return network_.parameters(); }
  std::string describe() const { return network_.describe(); }

 private:
  nn::Sequential network_;
};

}  // namespace pivot
