#pragma once

// Binary arithmetic with NumPy-style broadcasting over the two axes.
//
// Two shapes broadcast when, on each axis, the sizes are equal or one is 1;
// the result takes the larger size. The backward pass sums each gradient over
// the broadcast axes, so that it has its input's shape again.
// Every op throws std::invalid_argument naming the op and both shapes when the
// shapes do not broadcast.

#include "autodiff/tape.hpp"

namespace autodiff {

// Returns the broadcast shape of `a` and `b`, or throws for `op`.
Shape broadcast_shape(const char* op, const Shape& a, const Shape& b);

// Sums `gradient` over the axes on which `shape` has size 1 and the gradient
// does not: the adjoint of broadcasting an array of `shape`.
Matrix sum_to_shape(const Matrix& gradient, const Shape& shape);

// a + b.  d/da = 1, d/db = 1.
Variable add(Variable a, Variable b);

// a - b.  d/da = 1, d/db = -1.
Variable subtract(Variable a, Variable b);

// a * b elementwise.  d/da = b, d/db = a.
Variable multiply(Variable a, Variable b);

// a / b elementwise.  d/da = 1 / b, d/db = -a / b^2. Division by zero follows
// IEEE arithmetic; the caller keeps `b` away from zero.
Variable divide(Variable a, Variable b);

// c * a for a constant c.  d/da = c.
Variable scale(Variable a, double c);

// a + c for a constant c.  d/da = 1.
Variable add_scalar(Variable a, double c);

// -a.  d/da = -1.
Variable negate(Variable a);

inline Variable operator+(Variable a, Variable b) { return add(a, b); }
inline Variable operator-(Variable a, Variable b) { return subtract(a, b); }
inline Variable operator*(Variable a, Variable b) { return multiply(a, b); }
inline Variable operator/(Variable a, Variable b) { return divide(a, b); }
inline Variable operator-(Variable a) { return negate(a); }
inline Variable operator*(double c, Variable a) { return scale(a, c); }
inline Variable operator*(Variable a, double c) { return scale(a, c); }
inline Variable operator+(Variable a, double c) { return add_scalar(a, c); }
inline Variable operator+(double c, Variable a) { return add_scalar(a, c); }
inline Variable operator-(Variable a, double c) { return add_scalar(a, -c); }
inline Variable operator-(double c, Variable a) { return add_scalar(negate(a), c); }

}  // namespace autodiff
