#pragma once

// Elementwise functions of one array. The output has the input's shape.

#include "autodiff/tape.hpp"

namespace autodiff {

// e^x.  d/dx = e^x.
Variable exp(Variable x);

// ln x.  d/dx = 1 / x. Gives -inf at 0 and NaN below, as std::log does; use
// log_softmax, logsumexp or the losses from logits where x can reach 0.
Variable log(Variable x);

// tanh x.  d/dx = 1 - tanh^2 x.
Variable tanh(Variable x);

// 1 / (1 + e^-x), computed without overflow for large |x|.  d/dx = s (1 - s).
Variable sigmoid(Variable x);

// max(x, 0).  d/dx = 1 for x > 0, else 0 (the subgradient 0 at x = 0).
Variable relu(Variable x);

// ln(1 + e^x) as max(x, 0) + ln(1 + e^-|x|), finite for any finite x.
// d/dx = sigmoid(x).
Variable softplus(Variable x);

// x^2.  d/dx = 2x.
Variable square(Variable x);

// The numerically stable logistic function on plain arrays, shared by the
// sigmoid op and the losses.
Matrix stable_sigmoid(const Matrix& x);

}  // namespace autodiff
