#include "autodiff/ops/arithmetic.hpp"

#include "autodiff/ops/kernels.hpp"

namespace autodiff {
namespace {

using kernels::broadcast_strides;
using kernels::BroadcastStrides;

// Fills `out`, of the broadcast shape, with function(a, b) elementwise: a
// broadcast axis gets stride 0.
template <typename Function>
void broadcast_apply(const Matrix& a, const Matrix& b, Matrix& out, Function function) {
  const BroadcastStrides a_step = broadcast_strides(a);
  const BroadcastStrides b_step = broadcast_strides(b);
  const Scalar* a_data = a.data();
  const Scalar* b_data = b.data();
  Scalar* result = out.data();
  const std::size_t rows = out.shape(0);
  const std::size_t cols = out.shape(1);

  if (a_step.col == 1 && b_step.col == 1) {
    for (std::size_t i = 0; i < rows; ++i) {
      const Scalar* a_line = a_data + i * a_step.row;
      const Scalar* b_line = b_data + i * b_step.row;
      Scalar* out_line = result + i * cols;
      for (std::size_t j = 0; j < cols; ++j) {
        out_line[j] = function(a_line[j], b_line[j]);
      }
    }
    return;
  }
  for (std::size_t i = 0; i < rows; ++i) {
    const Scalar* a_line = a_data + i * a_step.row;
    const Scalar* b_line = b_data + i * b_step.row;
    Scalar* out_line = result + i * cols;
    for (std::size_t j = 0; j < cols; ++j) {
      out_line[j] = function(a_line[j * a_step.col], b_line[j * b_step.col]);
    }
  }
}

// Records function(a, b) with broadcasting as op `op`.
template <typename Function>
Variable record_binary(const char* op, Variable a, Variable b, Function function,
                       BackwardFunction backward) {
  const Shape shape = broadcast_shape(op, a.shape(), b.shape());
  Tape& tape = a.tape();

  Matrix value = tape.buffer(shape);
  broadcast_apply(a.value(), b.value(), value, function);

  return tape.record(op, std::move(value), {a, b}, std::move(backward));
}

// Reads element (i, j) of `array` broadcast to a larger shape.
struct BroadcastReader {
  explicit BroadcastReader(const Matrix& array)
      : data(array.data()), step(broadcast_strides(array)) {}
  double operator()(std::size_t i, std::size_t j) const {
    return data[i * step.row + j * step.col];
  }

  const Scalar* data;
  BroadcastStrides step;
};

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
  if (shape_of(gradient) == shape) {
    return gradient;
  }
  Matrix result(shape);
  const Shape from = shape_of(gradient);
  const Scalar* g = gradient.data();
  kernels::reduce_into({result, false}, from,
                       [g, &from](std::size_t i, std::size_t j) { return g[i * from[1] + j]; });
  return result;
}

Variable add(Variable a, Variable b) {
  return record_binary(
      "add", a, b, [](Scalar u, Scalar v) { return u + v; },
      [](const Matrix& g, GradientSink& sink) {
        const Shape shape = shape_of(g);
        const Scalar* gradient = g.data();
        const auto dg = [gradient, &shape](std::size_t i, std::size_t j) {
          return gradient[i * shape[1] + j];
        };
        if (sink.needs(0)) kernels::reduce_into(sink.target(0), shape, dg);
        if (sink.needs(1)) kernels::reduce_into(sink.target(1), shape, dg);
      });
}

Variable subtract(Variable a, Variable b) {
  return record_binary(
      "subtract", a, b, [](Scalar u, Scalar v) { return u - v; },
      [](const Matrix& g, GradientSink& sink) {
        const Shape shape = shape_of(g);
        const Scalar* gradient = g.data();
        if (sink.needs(0)) {
          kernels::reduce_into(sink.target(0), shape,
                               [gradient, &shape](std::size_t i, std::size_t j) {
                                 return gradient[i * shape[1] + j];
                               });
        }
        if (sink.needs(1)) {
          kernels::reduce_into(sink.target(1), shape,
                               [gradient, &shape](std::size_t i, std::size_t j) {
                                 return -gradient[i * shape[1] + j];
                               });
        }
      });
}

Variable multiply(Variable a, Variable b) {
  // The backward function reads both values from the tape.
  return record_binary(
      "multiply", a, b, [](Scalar u, Scalar v) { return u * v; },
      [](const Matrix& g, GradientSink& sink) {
        const Shape shape = shape_of(g);
        const Scalar* gradient = g.data();
        const BroadcastReader a_value(sink.input(0));
        const BroadcastReader b_value(sink.input(1));
        if (sink.needs(0)) {
          kernels::reduce_into(sink.target(0), shape, [&](std::size_t i, std::size_t j) {
            return gradient[i * shape[1] + j] * b_value(i, j);
          });
        }
        if (sink.needs(1)) {
          kernels::reduce_into(sink.target(1), shape, [&](std::size_t i, std::size_t j) {
            return gradient[i * shape[1] + j] * a_value(i, j);
          });
        }
      });
}

Variable divide(Variable a, Variable b) {
  return record_binary(
      "divide", a, b, [](Scalar u, Scalar v) { return u / v; },
      [](const Matrix& g, GradientSink& sink) {
        const Shape shape = shape_of(g);
        const Scalar* gradient = g.data();
        const BroadcastReader numerator(sink.input(0));
        const BroadcastReader denominator(sink.input(1));
        if (sink.needs(0)) {
          kernels::reduce_into(sink.target(0), shape, [&](std::size_t i, std::size_t j) {
            return gradient[i * shape[1] + j] / denominator(i, j);
          });
        }
        if (sink.needs(1)) {
          // d(a / b)/db = -a / b^2
          kernels::reduce_into(sink.target(1), shape, [&](std::size_t i, std::size_t j) {
            const double v = denominator(i, j);
            return -gradient[i * shape[1] + j] * numerator(i, j) / (v * v);
          });
        }
      });
}

Variable scale(Variable a, double c) {
  Tape& tape = a.tape();
  const Matrix& x = a.value();

  Matrix value = tape.buffer(a.shape());
  kernels::map(value, [&x, c](std::size_t k) { return c * x.data()[k]; });

  return tape.record("scale", std::move(value), {a}, [c](const Matrix& g, GradientSink& sink) {
    if (!sink.needs(0)) return;
    const Scalar* gradient = g.data();
    kernels::write(sink.target(0), [gradient, c](std::size_t k) { return c * gradient[k]; });
  });
}

Variable add_scalar(Variable a, double c) {
  Tape& tape = a.tape();
  const Scalar* x = a.value().data();

  Matrix value = tape.buffer(a.shape());
  kernels::map(value, [x, c](std::size_t k) { return x[k] + c; });

  return tape.record("add_scalar", std::move(value), {a}, [](const Matrix& g, GradientSink& sink) {
    if (!sink.needs(0)) return;
    const Scalar* gradient = g.data();
    kernels::write(sink.target(0), [gradient](std::size_t k) { return gradient[k]; });
  });
}

Variable negate(Variable a) {
  Tape& tape = a.tape();
  const Scalar* x = a.value().data();

  Matrix value = tape.buffer(a.shape());
  kernels::map(value, [x](std::size_t k) { return -x[k]; });

  return tape.record("negate", std::move(value), {a}, [](const Matrix& g, GradientSink& sink) {
    if (!sink.needs(0)) return;
    const Scalar* gradient = g.data();
    kernels::write(sink.target(0), [gradient](std::size_t k) { return -gradient[k]; });
  });
}

}  // namespace autodiff
