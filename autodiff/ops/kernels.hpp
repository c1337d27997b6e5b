#pragma once

// Loops shared by the ops: elementwise maps over raw storage and in-place
// gradient writes. Plain loops over row-major storage, because xtensor's
// generic expression assignment walks a stepper per element and is several
// times slower on the small arrays of these networks.

#include <algorithm>
#include <cstddef>
#include <span>

#include "autodiff/matrix.hpp"
#include "autodiff/tape.hpp"

namespace autodiff::kernels {

// The elements of an array in storage order, for the array functions of
// autodiff/vector_math.hpp.
inline std::span<const Scalar> elements(const Matrix& array) {
  return {array.data(), array.size()};
}

inline std::span<Scalar> elements(Matrix& array) { return {array.data(), array.size()}; }

// Fills `out` with f(k) for every flat index k of an array of out.size()
// elements. Here and below f may compute in double; its result is rounded
// to Scalar on the store.
template <typename Function>
void map(Matrix& out, Function f) {
  Scalar* data = out.data();
  const std::size_t count = out.size();
  for (std::size_t k = 0; k < count; ++k) {
    data[k] = static_cast<Scalar>(f(k));
  }
}

// Writes f(k) into a gradient array of the input's shape: adds to the
// partial gradient it contains when target.accumulate is set, else
// overwrites it.
template <typename Function>
void write(GradientTarget target, Function f) {
  Scalar* data = target.gradient.data();
  const std::size_t count = target.gradient.size();
  if (target.accumulate) {
    for (std::size_t k = 0; k < count; ++k) {
      data[k] += static_cast<Scalar>(f(k));
    }
  } else {
    for (std::size_t k = 0; k < count; ++k) {
      data[k] = static_cast<Scalar>(f(k));
    }
  }
}

// Row and column steps that read an array as if broadcast to a larger shape:
// 0 on an axis of size 1, so that the one row or column repeats.
struct BroadcastStrides {
  std::size_t row;
  std::size_t col;
};

inline BroadcastStrides broadcast_strides(const Matrix& array) {
  const std::size_t row = array.shape(0) == 1 ? 0 : array.shape(1);
  const std::size_t col = array.shape(1) == 1 ? 0 : 1;
  return {row, col};
}

// For every (i, j) of `shape`, adds f(i, j) into the element of the target
// that broadcasting maps to (i, j): the adjoint of broadcasting the target's
// array to `shape`, which sums over the broadcast axes. Overwrites the target
// first unless it accumulates.
template <typename Function>
void reduce_into(GradientTarget target, const Shape& shape, Function f) {
  Matrix& gradient = target.gradient;
  Scalar* out = gradient.data();

  if (shape_of(gradient) == shape) {
    if (target.accumulate) {
      for (std::size_t i = 0; i < shape[0]; ++i) {
        for (std::size_t j = 0; j < shape[1]; ++j) {
          out[i * shape[1] + j] += static_cast<Scalar>(f(i, j));
        }
      }
    } else {
      for (std::size_t i = 0; i < shape[0]; ++i) {
        for (std::size_t j = 0; j < shape[1]; ++j) {
          out[i * shape[1] + j] = static_cast<Scalar>(f(i, j));
        }
      }
    }
    return;
  }

  if (!target.accumulate) {
    std::fill(out, out + gradient.size(), Scalar{0});
  }
  const BroadcastStrides strides = broadcast_strides(gradient);
  for (std::size_t i = 0; i < shape[0]; ++i) {
    Scalar* line = out + i * strides.row;
    for (std::size_t j = 0; j < shape[1]; ++j) {
      line[j * strides.col] += static_cast<Scalar>(f(i, j));
    }
  }
}

}  // namespace autodiff::kernels
