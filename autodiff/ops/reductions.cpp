#include "autodiff/ops/reductions.hpp"

#include <string>

#include <xtensor/xbroadcast.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xreducer.hpp>

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

Matrix sum_along(const Matrix& x, std::size_t axis) {
  // xtensor's reducers fault on empty arrays, and the sum over nothing is 0.
  if (x.size() == 0) {
    Shape shape = shape_of(x);
    shape[axis] = 1;
    return xt::zeros<double>(shape);
  }
  return xt::sum(x, {axis}, xt::keep_dims | xt::evaluation_strategy::immediate);
}

Matrix max_along(const Matrix& x, std::size_t axis) {
  return xt::amax(x, {axis}, xt::keep_dims | xt::evaluation_strategy::immediate);
}

// log sum exp along `axis` of a non-empty array, shifted by the maximum. A row
// of -inf gives -inf, not NaN.
Matrix stable_logsumexp(const Matrix& x, std::size_t axis) {
  Matrix shift = max_along(x, axis);
  shift = xt::where(xt::isfinite(shift), shift, 0.0);
  return shift + xt::log(sum_along(xt::exp(x - shift), axis));
}

}  // namespace

Variable sum(Variable x) {
  const Shape shape = x.shape();

  Matrix value{{x.value().size() == 0 ? 0.0 : xt::sum(x.value())()}};

  return x.tape().record("sum", std::move(value), {x},
                         [shape](const Matrix& g, GradientSink& sink) {
                           sink.accumulate(0, xt::broadcast(g, shape));
                         });
}

Variable sum(Variable x, std::size_t axis) {
  check_axis("sum", axis);
  const Shape shape = x.shape();

  Matrix value = sum_along(x.value(), axis);

  return x.tape().record("sum", std::move(value), {x},
                         [shape](const Matrix& g, GradientSink& sink) {
                           sink.accumulate(0, xt::broadcast(g, shape));
                         });
}

Variable mean(Variable x) {
  const Shape shape = x.shape();
  check_not_empty("mean", shape);
  const double count = static_cast<double>(shape[0] * shape[1]);

  Matrix value{{xt::sum(x.value())() / count}};

  return x.tape().record("mean", std::move(value), {x},
                         [shape, count](const Matrix& g, GradientSink& sink) {
                           sink.accumulate(0, xt::broadcast(g / count, shape));
                         });
}

Variable mean(Variable x, std::size_t axis) {
  check_axis("mean", axis);
  const Shape shape = x.shape();
  check_not_empty("mean", shape);
  const double count = static_cast<double>(shape[axis]);

  Matrix value = sum_along(x.value(), axis) / count;

  return x.tape().record("mean", std::move(value), {x},
                         [shape, count](const Matrix& g, GradientSink& sink) {
                           sink.accumulate(0, xt::broadcast(g / count, shape));
                         });
}

Variable logsumexp(Variable x, std::size_t axis) {
  check_axis("logsumexp", axis);
  check_not_empty("logsumexp", x.shape());

  Matrix value = stable_logsumexp(x.value(), axis);

  return x.tape().record("logsumexp", std::move(value), {x},
                         [x](const Matrix& g, GradientSink& sink) {
                           // softmax = exp(x - logsumexp(x)), never above 1.
                           sink.accumulate(0, g * xt::exp(x.value() - sink.output()));
                         });
}

Variable softmax(Variable x, std::size_t axis) {
  check_axis("softmax", axis);
  check_not_empty("softmax", x.shape());

  Matrix value = xt::exp(x.value() - stable_logsumexp(x.value(), axis));

  return x.tape().record("softmax", std::move(value), {x},
                         [axis](const Matrix& g, GradientSink& sink) {
                           const Matrix& s = sink.output();
                           sink.accumulate(0, s * (g - sum_along(g * s, axis)));
                         });
}

Variable log_softmax(Variable x, std::size_t axis) {
  check_axis("log_softmax", axis);
  check_not_empty("log_softmax", x.shape());

  Matrix value = x.value() - stable_logsumexp(x.value(), axis);

  return x.tape().record("log_softmax", std::move(value), {x},
                         [axis](const Matrix& g, GradientSink& sink) {
                           const Matrix softmax_value = xt::exp(sink.output());
                           sink.accumulate(0, g - softmax_value * sum_along(g, axis));
                         });
}

}  // namespace autodiff
