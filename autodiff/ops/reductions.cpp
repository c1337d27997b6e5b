#include "autodiff/ops/reductions.hpp"

#include <cmath>
#include <string>

#include "autodiff/ops/kernels.hpp"
#include "autodiff/vector_math.hpp"

namespace autodiff {
namespace {

void check_axis(const char* op, std::size_t axis) {
  if (axis > 1) {
    throw std::invalid_argument(std::string(op) + ": axis must be 0 (rows) or 1 (columns), got " +
                                std::to_string(axis));
  }
}

void check_not_empty(const char* op, const Shape& shape) {
  if (shape[0] == 0 || shape[1] == 0) {
    throw shape_error(op, "the input is empty", shape);
  }
}

// The lines that a reduction along `axis` collapses: the rows for axis 1, the
// columns for axis 0. Element k of line l sits at l * line_step + k * step of
// the row-major storage, and the result of line l at flat index l.
struct Lines {
  std::size_t count;
  std::size_t length;
  std::size_t line_step;
  std::size_t step;
};

Lines lines_along(const Shape& shape, std::size_t axis) {
  return axis == 1 ? Lines{shape[0], shape[1], shape[1], 1}
                   : Lines{shape[1], shape[0], 1, shape[1]};
}

Shape reduced_shape(Shape shape, std::size_t axis) {
  shape[axis] = 1;
  return shape;
}

// Calls visit(line, offset) for every element of `lines`, line by line.
template <typename Visit>
void for_each_element(const Lines& lines, Visit visit) {
  for (std::size_t line = 0; line < lines.count; ++line) {
    for (std::size_t k = 0; k < lines.length; ++k) {
      visit(line, line * lines.line_step + k * lines.step);
    }
  }
}

// Writes the sum of each line of x into `out`, [count] elements; 0 for an
// empty line.
void sum_lines(const Scalar* x, const Lines& lines, Scalar* out) {
  std::fill(out, out + lines.count, Scalar{0});
  for_each_element(lines, [x, out](std::size_t line, std::size_t at) { out[line] += x[at]; });
}

// Writes log sum exp of each line of x into `out`, shifted by the line's
// maximum, and e^(x - shift) into `exps`, an array of x's size. A line of
// -inf gives -inf, not NaN, because a non-finite maximum is replaced by 0.
// The exponentials of all lines are one vectorized pass.
void logsumexp_lines(const Scalar* x, const Lines& lines, Scalar* out, Matrix& exps) {
  Scalar* shifted = exps.data();
  for (std::size_t line = 0; line < lines.count; ++line) {
    const Scalar* first = x + line * lines.line_step;
    Scalar maximum = first[0];
    for (std::size_t k = 1; k < lines.length; ++k) {
      const Scalar v = first[k * lines.step];
      maximum = maximum > v ? maximum : v;
    }
    out[line] = std::isfinite(maximum) ? maximum : Scalar{0};
  }
  for_each_element(lines,
                   [&](std::size_t line, std::size_t at) { shifted[at] = x[at] - out[line]; });

  vector_math::exp(kernels::elements(exps), kernels::elements(exps));

  for (std::size_t line = 0; line < lines.count; ++line) {
    double sum = 0.0;
    for (std::size_t k = 0; k < lines.length; ++k) {
      sum += shifted[line * lines.line_step + k * lines.step];
    }
    out[line] += static_cast<Scalar>(std::log(sum));
  }
}

// Records a reduction of x along `axis` whose backward function broadcasts
// g / divisor back over each line.
Variable record_line_sum(const char* op, Variable x, std::size_t axis, double divisor) {
  const Shape shape = x.shape();
  const Lines lines = lines_along(shape, axis);
  Tape& tape = x.tape();

  Matrix value = tape.buffer(reduced_shape(shape, axis));
  sum_lines(x.value().data(), lines, value.data());
  if (divisor != 1.0) {
    kernels::map(value, [&value, divisor](std::size_t k) { return value.data()[k] / divisor; });
  }

  return tape.record(op, std::move(value), {x},
                     [lines, divisor](const Matrix& g, GradientSink& sink) {
                       if (!sink.needs(0)) return;
                       GradientTarget target = sink.target(0);
                       Scalar* dx = target.gradient.data();
                       const Scalar* gradient = g.data();
                       for_each_element(lines, [&](std::size_t line, std::size_t at) {
                         const auto share = static_cast<Scalar>(gradient[line] / divisor);
                         dx[at] = target.accumulate ? dx[at] + share : share;
                       });
                     });
}

}  // namespace

Variable sum(Variable x) {
  const Shape shape = x.shape();
  const Scalar* data = x.value().data();
  Tape& tape = x.tape();

  double total = 0.0;
  for (std::size_t k = 0; k < shape[0] * shape[1]; ++k) {
    total += data[k];
  }
  Matrix value = tape.buffer({1, 1});
  value(0, 0) = static_cast<Scalar>(total);

  return tape.record("sum", std::move(value), {x}, [](const Matrix& g, GradientSink& sink) {
    if (!sink.needs(0)) return;
    const auto share = static_cast<Scalar>(g(0, 0));
    kernels::write(sink.target(0), [share](std::size_t) { return share; });
  });
}

Variable sum(Variable x, std::size_t axis) {
  check_axis("sum", axis);
  return record_line_sum("sum", x, axis, 1.0);
}

Variable mean(Variable x) {
  const Shape shape = x.shape();
  check_not_empty("mean", shape);
  const double count = static_cast<double>(shape[0] * shape[1]);
  const Scalar* data = x.value().data();
  Tape& tape = x.tape();

  double total = 0.0;
  for (std::size_t k = 0; k < shape[0] * shape[1]; ++k) {
    total += data[k];
  }
  Matrix value = tape.buffer({1, 1});
  value(0, 0) = static_cast<Scalar>(total / count);

  return tape.record("mean", std::move(value), {x}, [count](const Matrix& g, GradientSink& sink) {
    if (!sink.needs(0)) return;
    const auto share = static_cast<Scalar>(g(0, 0) / count);
    kernels::write(sink.target(0), [share](std::size_t) { return share; });
  });
}

Variable mean(Variable x, std::size_t axis) {
  check_axis("mean", axis);
  const Shape shape = x.shape();
  check_not_empty("mean", shape);
  return record_line_sum("mean", x, axis, static_cast<double>(shape[axis]));
}

Variable logsumexp(Variable x, std::size_t axis) {
  check_axis("logsumexp", axis);
  const Shape shape = x.shape();
  check_not_empty("logsumexp", shape);
  const Lines lines = lines_along(shape, axis);
  Tape& tape = x.tape();

  Matrix value = tape.buffer(reduced_shape(shape, axis));
  Matrix exps = tape.buffer(shape);
  logsumexp_lines(x.value().data(), lines, value.data(), exps);
  tape.recycle(std::move(exps));

  return tape.record(
      "logsumexp", std::move(value), {x}, [lines](const Matrix& g, GradientSink& sink) {
        if (!sink.needs(0)) return;
        // softmax = exp(x - logsumexp(x)), never above 1.
        const Scalar* input = sink.input(0).data();
        const Scalar* result = sink.output().data();
        const Scalar* gradient = g.data();
        Matrix softmax_value = sink.tape().buffer(shape_of(sink.input(0)));
        Scalar* s = softmax_value.data();
        for_each_element(
            lines, [&](std::size_t line, std::size_t at) { s[at] = input[at] - result[line]; });
        vector_math::exp(kernels::elements(softmax_value), kernels::elements(softmax_value));

        GradientTarget target = sink.target(0);
        Scalar* dx = target.gradient.data();
        for_each_element(lines, [&](std::size_t line, std::size_t at) {
          const auto share = static_cast<Scalar>(gradient[line] * s[at]);
          dx[at] = target.accumulate ? dx[at] + share : share;
        });
        sink.tape().recycle(std::move(softmax_value));
      });
}

Variable softmax(Variable x, std::size_t axis) {
  check_axis("softmax", axis);
  const Shape shape = x.shape();
  check_not_empty("softmax", shape);
  const Lines lines = lines_along(shape, axis);
  Tape& tape = x.tape();
  const Scalar* input = x.value().data();

  Matrix normalizers = tape.buffer(reduced_shape(shape, axis));
  Matrix value = tape.buffer(shape);
  logsumexp_lines(input, lines, normalizers.data(), value);
  Scalar* s = value.data();
  for_each_element(lines, [&](std::size_t line, std::size_t at) {
    s[at] = input[at] - normalizers.data()[line];
  });
  vector_math::exp(kernels::elements(value), kernels::elements(value));
  tape.recycle(std::move(normalizers));

  return tape.record(
      "softmax", std::move(value), {x}, [lines](const Matrix& g, GradientSink& sink) {
        if (!sink.needs(0)) return;
        // dx = s * (g - sum_k g_k s_k), one sum per line.
        const Scalar* output = sink.output().data();
        const Scalar* gradient = g.data();
        GradientTarget target = sink.target(0);
        Scalar* dx = target.gradient.data();
        for (std::size_t line = 0; line < lines.count; ++line) {
          const std::size_t first = line * lines.line_step;
          double dot = 0.0;
          for (std::size_t k = 0; k < lines.length; ++k) {
            const std::size_t at = first + k * lines.step;
            dot += gradient[at] * output[at];
          }
          for (std::size_t k = 0; k < lines.length; ++k) {
            const std::size_t at = first + k * lines.step;
            const auto share = static_cast<Scalar>(output[at] * (gradient[at] - dot));
            dx[at] = target.accumulate ? dx[at] + share : share;
          }
        }
      });
}

Variable log_softmax(Variable x, std::size_t axis) {
  check_axis("log_softmax", axis);
  const Shape shape = x.shape();
  check_not_empty("log_softmax", shape);
  const Lines lines = lines_along(shape, axis);
  Tape& tape = x.tape();
  const Scalar* input = x.value().data();

  Matrix normalizers = tape.buffer(reduced_shape(shape, axis));
  Matrix value = tape.buffer(shape);
  logsumexp_lines(input, lines, normalizers.data(), value);
  Scalar* out = value.data();
  for_each_element(lines, [&](std::size_t line, std::size_t at) {
    out[at] = input[at] - normalizers.data()[line];
  });
  tape.recycle(std::move(normalizers));

  return tape.record(
      "log_softmax", std::move(value), {x}, [lines](const Matrix& g, GradientSink& sink) {
        if (!sink.needs(0)) return;
        // dx = g - softmax(x) * sum_k g_k, one sum per line.
        const Matrix& output = sink.output();
        Matrix softmax_value = sink.tape().buffer(shape_of(output));
        vector_math::exp(kernels::elements(output), kernels::elements(softmax_value));
        const Scalar* s = softmax_value.data();
        const Scalar* gradient = g.data();
        GradientTarget target = sink.target(0);
        Scalar* dx = target.gradient.data();
        for (std::size_t line = 0; line < lines.count; ++line) {
          const std::size_t first = line * lines.line_step;
          double total = 0.0;
          for (std::size_t k = 0; k < lines.length; ++k) {
            total += gradient[first + k * lines.step];
          }
          for (std::size_t k = 0; k < lines.length; ++k) {
            const std::size_t at = first + k * lines.step;
            const auto share = static_cast<Scalar>(gradient[at] - s[at] * total);
            dx[at] = target.accumulate ? dx[at] + share : share;
          }
        }
        sink.tape().recycle(std::move(softmax_value));
      });
}

}  // namespace autodiff
