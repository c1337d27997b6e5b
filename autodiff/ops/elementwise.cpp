#include "autodiff/ops/elementwise.hpp"

#include <cmath>

#include <xtensor/xmath.hpp>

namespace autodiff {

Matrix stable_sigmoid(const Matrix& x) {
  // e^-|x| never overflows; the two branches are the same function.
  Matrix result(x.shape());
  auto out = result.begin();
  for (const double v : x) {
    const double e = std::exp(-std::abs(v));
    *out++ = v >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
  }
  return result;
}

Variable exp(Variable x) {
  Matrix value = xt::exp(x.value());

  return x.tape().record("exp", std::move(value), {x}, [](const Matrix& g, GradientSink& sink) {
    sink.accumulate(0, g * sink.output());
  });
}

Variable log(Variable x) {
  Matrix value = xt::log(x.value());

  return x.tape().record("log", std::move(value), {x}, [x](const Matrix& g, GradientSink& sink) {
    sink.accumulate(0, g / x.value());
  });
}

Variable tanh(Variable x) {
  Matrix value = xt::tanh(x.value());

  return x.tape().record("tanh", std::move(value), {x}, [](const Matrix& g, GradientSink& sink) {
    const Matrix& t = sink.output();
    sink.accumulate(0, g * (1.0 - t * t));
  });
}

Variable sigmoid(Variable x) {
  Matrix value = stable_sigmoid(x.value());

  return x.tape().record("sigmoid", std::move(value), {x},
                         [](const Matrix& g, GradientSink& sink) {
                           const Matrix& s = sink.output();
                           sink.accumulate(0, g * s * (1.0 - s));
                         });
}

Variable relu(Variable x) {
  Matrix value = xt::maximum(x.value(), 0.0);

  return x.tape().record("relu", std::move(value), {x}, [x](const Matrix& g, GradientSink& sink) {
    sink.accumulate(0, xt::where(x.value() > 0.0, g, 0.0));
  });
}

Variable softplus(Variable x) {
  Matrix value = xt::maximum(x.value(), 0.0) + xt::log1p(xt::exp(-xt::abs(x.value())));

  return x.tape().record("softplus", std::move(value), {x},
                         [x](const Matrix& g, GradientSink& sink) {
                           sink.accumulate(0, g * stable_sigmoid(x.value()));
                         });
}

Variable square(Variable x) {
  Matrix value = x.value() * x.value();

  return x.tape().record("square", std::move(value), {x}, [x](const Matrix& g, GradientSink& sink) {
    sink.accumulate(0, 2.0 * g * x.value());
  });
}

}  // namespace autodiff
