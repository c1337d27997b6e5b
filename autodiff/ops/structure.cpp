#include "autodiff/ops/structure.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "autodiff/ops/kernels.hpp"

namespace autodiff {
namespace {

// Copies columns [begin, begin + width) of every row of `from`, whose rows
// have from_cols elements, into the rows of `to`, whose rows have to_cols
// elements, starting at column `to_begin`. With `add`, adds instead.
void copy_columns(const Scalar* from, std::size_t from_cols, std::size_t begin, Scalar* to,
                  std::size_t to_cols, std::size_t to_begin, std::size_t rows, std::size_t width,
                  bool add) {
  for (std::size_t i = 0; i < rows; ++i) {
    const Scalar* source = from + i * from_cols + begin;
    Scalar* destination = to + i * to_cols + to_begin;
    // Plain loops: a memmove call per row costs more than copying a few
    // columns.
    if (add) {
      for (std::size_t j = 0; j < width; ++j) {
        destination[j] += source[j];
      }
    } else {
      for (std::size_t j = 0; j < width; ++j) {
        destination[j] = source[j];
      }
    }
  }
}

}  // namespace

Variable slice_columns(Variable x, std::size_t begin, std::size_t end) {
  const Shape shape = x.shape();
  if (begin >= end || end > shape[1]) {
    throw std::invalid_argument("slice_columns: columns [" + std::to_string(begin) + ", " +
                                std::to_string(end) + ") are not a non-empty range inside " +
                                to_string(shape));
  }
  const std::size_t width = end - begin;
  Tape& tape = x.tape();

  Matrix value = tape.buffer({shape[0], width});  // [rows, end - begin]
  copy_columns(x.value().data(), shape[1], begin, value.data(), width, 0, shape[0], width, false);

  // The backward pass adds the gradient into columns [begin, end) of the
  // input's gradient; a fresh gradient array is zero outside them.
  return tape.record(
      "slice_columns", std::move(value), {x}, [begin, width](const Matrix& g, GradientSink& sink) {
        if (!sink.needs(0)) return;
        const GradientTarget target = sink.target(0);
        Matrix& dx = target.gradient;
        if (!target.accumulate) {
          std::fill(dx.data(), dx.data() + dx.size(), 0.0);
        }
        copy_columns(g.data(), width, 0, dx.data(), dx.shape(1), begin, dx.shape(0), width, true);
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
  const std::size_t cols = offsets.back();
  Tape& tape = parts[0].tape();

  Matrix value = tape.buffer({rows, cols});  // [rows, sum of cols]
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const std::size_t width = offsets[k + 1] - offsets[k];
    copy_columns(parts[k].value().data(), width, 0, value.data(), cols, offsets[k], rows, width,
                 false);
  }

  // NOTE: the closure keeps the column offsets, one allocation per node.
  return tape.record("concat_columns", std::move(value), parts,
                     [offsets = std::move(offsets)](const Matrix& g, GradientSink& sink) {
                       for (std::size_t k = 0; k + 1 < offsets.size(); ++k) {
                         if (!sink.needs(k)) continue;
                         const std::size_t width = offsets[k + 1] - offsets[k];
                         const GradientTarget target = sink.target(k);
                         copy_columns(g.data(), g.shape(1), offsets[k], target.gradient.data(),
                                      width, 0, g.shape(0), width, target.accumulate);
                       }
                     });
}

Variable reverse_gradient(Variable x, double lambda) {
  if (!std::isfinite(lambda) || lambda < 0.0) {
    throw std::invalid_argument("reverse_gradient: lambda must be finite and >= 0, got " +
                                std::to_string(lambda));
  }
  Tape& tape = x.tape();
  const Scalar* input = x.value().data();

  Matrix value = tape.buffer(x.shape());
  kernels::map(value, [input](std::size_t k) { return input[k]; });

  return tape.record(
      "reverse_gradient", std::move(value), {x}, [lambda](const Matrix& g, GradientSink& sink) {
        if (!sink.needs(0)) return;
        const Scalar* gradient = g.data();
        kernels::write(sink.target(0),
                       [gradient, lambda](std::size_t k) { return -lambda * gradient[k]; });
      });
}

}  // namespace autodiff
