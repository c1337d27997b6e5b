#include "autodiff/ops/arithmetic.hpp"

#include <xtensor/xreducer.hpp>

namespace autodiff {
namespace {

// Applies `function` elementwise with rank-2 broadcasting by plain loops: a
// broadcast axis gets stride 0. xtensor's generic broadcasting assignment
// walks a stepper per element and is several times slower on these shapes.
template <typename Function>
Matrix broadcast_apply(const Matrix& a, const Matrix& b, const Shape& shape, Function function) {
  Matrix result(shape);
  const std::size_t a_row = a.shape(0) == 1 ? 0 : a.shape(1);
  const std::size_t a_col = a.shape(1) == 1 ? 0 : 1;
  const std::size_t b_row = b.shape(0) == 1 ? 0 : b.shape(1);
  const std::size_t b_col = b.shape(1) == 1 ? 0 : 1;

  const double* a_data = a.data();
  const double* b_data = b.data();
  double* out = result.data();
  for (std::size_t i = 0; i < shape[0]; ++i) {
    const double* a_line = a_data + i * a_row;
    const double* b_line = b_data + i * b_row;
    for (std::size_t j = 0; j < shape[1]; ++j) {
      *out++ = function(a_line[j * a_col], b_line[j * b_col]);
    }
  }
  return result;
}

}  // namespace

Shape broadcast_shape(const char* op, const Shape& a, const Shape& b) {
  Shape result{};
  for (std::size_t axis = 0; axis < 2; ++axis) {
    if (a[axis] == b[axis] || b[axis] == 1) {
      result[axis] = a[axis];
    } else if (a[axis] == 1) {
      result[axis] = b[axis];
    } else {
      throw shape_error(op, "shapes do not broadcast", a, b);
    }
  }
  return result;
}

Matrix sum_to_shape(const Matrix& gradient, const Shape& shape) {
  const Shape from = shape_of(gradient);
  if (from == shape) {
    return gradient;
  }
  // xtensor's reducers fault on empty arrays, and the sum over nothing is 0.
  if (from[0] == 0 || from[1] == 0) {
    return xt::zeros<double>(shape);
  }
  const bool rows = shape[0] == 1 && from[0] != 1;
  const bool cols = shape[1] == 1 && from[1] != 1;
  if (rows && cols) {
    return Matrix{{xt::sum(gradient)()}};
  }
  if (rows) {
    return xt::sum(gradient, {0}, xt::keep_dims | xt::evaluation_strategy::immediate);
  }
  return xt::sum(gradient, {1}, xt::keep_dims | xt::evaluation_strategy::immediate);
}

Variable add(Variable a, Variable b) {
  const Shape a_shape = a.shape();
  const Shape b_shape = b.shape();
  const Shape shape = broadcast_shape("add", a_shape, b_shape);

  Matrix value = broadcast_apply(a.value(), b.value(), shape,
                                 [](double u, double v) { return u + v; });

  return a.tape().record("add", std::move(value), {a, b},
                         [a_shape, b_shape](const Matrix& g, GradientSink& sink) {
                           if (sink.needs(0)) sink.accumulate(0, sum_to_shape(g, a_shape));
                           if (sink.needs(1)) sink.accumulate(1, sum_to_shape(g, b_shape));
                         });
}

Variable subtract(Variable a, Variable b) {
  const Shape a_shape = a.shape();
  const Shape b_shape = b.shape();
  const Shape shape = broadcast_shape("subtract", a_shape, b_shape);

  Matrix value = broadcast_apply(a.value(), b.value(), shape,
                                 [](double u, double v) { return u - v; });

  return a.tape().record("subtract", std::move(value), {a, b},
                         [a_shape, b_shape](const Matrix& g, GradientSink& sink) {
                           if (sink.needs(0)) sink.accumulate(0, sum_to_shape(g, a_shape));
                           if (sink.needs(1)) sink.accumulate(1, sum_to_shape(-g, b_shape));
                         });
}

Variable multiply(Variable a, Variable b) {
  const Shape shape = broadcast_shape("multiply", a.shape(), b.shape());

  Matrix value = broadcast_apply(a.value(), b.value(), shape,
                                 [](double u, double v) { return u * v; });

  // The closure keeps the handles, not copies: the tape owns both values.
  return a.tape().record("multiply", std::move(value), {a, b},
                         [a, b](const Matrix& g, GradientSink& sink) {
                           if (sink.needs(0)) {
                             sink.accumulate(0, sum_to_shape(g * b.value(), a.shape()));
                           }
                           if (sink.needs(1)) {
                             sink.accumulate(1, sum_to_shape(g * a.value(), b.shape()));
                           }
                         });
}

Variable divide(Variable a, Variable b) {
  const Shape shape = broadcast_shape("divide", a.shape(), b.shape());

  Matrix value = broadcast_apply(a.value(), b.value(), shape,
                                 [](double u, double v) { return u / v; });

  return a.tape().record("divide", std::move(value), {a, b},
                         [a, b](const Matrix& g, GradientSink& sink) {
                           const Matrix& denominator = b.value();
                           if (sink.needs(0)) {
                             sink.accumulate(0, sum_to_shape(g / denominator, a.shape()));
                           }
                           if (sink.needs(1)) {
                             Matrix db = -g * a.value() / (denominator * denominator);
                             sink.accumulate(1, sum_to_shape(db, b.shape()));
                           }
                         });
}

Variable scale(Variable a, double c) {
  Matrix value = c * a.value();

  return a.tape().record("scale", std::move(value), {a}, [c](const Matrix& g, GradientSink& sink) {
    sink.accumulate(0, c * g);
  });
}

Variable add_scalar(Variable a, double c) {
  Matrix value = a.value() + c;

  return a.tape().record("add_scalar", std::move(value), {a},
                         [](const Matrix& g, GradientSink& sink) { sink.accumulate(0, g); });
}

Variable negate(Variable a) {
  Matrix value = -a.value();

  return a.tape().record("negate", std::move(value), {a},
                         [](const Matrix& g, GradientSink& sink) { sink.accumulate(0, -g); });
}

}  // namespace autodiff
