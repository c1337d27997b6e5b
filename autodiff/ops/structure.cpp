#include "autodiff/ops/structure.hpp"

#include <cmath>
#include <string>
#include <vector>

#include <xtensor/xview.hpp>

namespace autodiff {

Variable slice_columns(Variable x, std::size_t begin, std::size_t end) {
  const Shape shape = x.shape();
  if (begin >= end || end > shape[1]) {
    throw std::invalid_argument("slice_columns: columns [" + std::to_string(begin) + ", " +
                                std::to_string(end) + ") are not a non-empty range inside " +
                                to_string(shape));
  }

  Matrix value = xt::view(x.value(), xt::all(), xt::range(begin, end));  // [rows, end - begin]

  return x.tape().record("slice_columns", std::move(value), {x},
                         [shape, begin, end](const Matrix& g, GradientSink& sink) {
                           Matrix dx = xt::zeros<double>(shape);
                           xt::view(dx, xt::all(), xt::range(begin, end)) = g;
                           sink.accumulate(0, dx);
                         });
}

Variable concat_columns(std::initializer_list<Variable> parts) {
  return concat_columns(std::span<const Variable>(parts.begin(), parts.size()));
}

Variable concat_columns(std::span<const Variable> parts) {
  if (parts.empty()) {
    throw std::invalid_argument("concat_columns: no inputs; pass at least one variable");
  }
  const std::size_t rows = parts[0].shape()[0];
  std::vector<std::size_t> offsets{0};
  for (const auto& part : parts) {
    if (part.shape()[0] != rows) {
      throw shape_error("concat_columns", "inputs need the same number of rows", parts[0].shape(),
                        part.shape());
    }
    offsets.push_back(offsets.back() + part.shape()[1]);
  }

  Matrix value = xt::zeros<double>({rows, offsets.back()});  // [rows, sum of cols]
  for (std::size_t k = 0; k < parts.size(); ++k) {
    xt::view(value, xt::all(), xt::range(offsets[k], offsets[k + 1])) = parts[k].value();
  }

  return parts[0].tape().record(
      "concat_columns", std::move(value), parts,
      [offsets](const Matrix& g, GradientSink& sink) {
        for (std::size_t k = 0; k + 1 < offsets.size(); ++k) {
          if (sink.needs(k)) {
            sink.accumulate(k, Matrix(xt::view(g, xt::all(), xt::range(offsets[k], offsets[k + 1]))));
          }
        }
      });
}

Variable reverse_gradient(Variable x, double lambda) {
  if (!std::isfinite(lambda) || lambda < 0.0) {
    throw std::invalid_argument("reverse_gradient: lambda must be finite and >= 0, got " +
                                std::to_string(lambda));
  }

  Matrix value = x.value();

  return x.tape().record("reverse_gradient", std::move(value), {x},
                         [lambda](const Matrix& g, GradientSink& sink) {
                           sink.accumulate(0, -lambda * g);
                         });
}

}  // namespace autodiff
