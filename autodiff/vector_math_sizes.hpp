#pragma once

// The argument check shared by the array functions of vector_math.cpp and
// vector_math_log.cpp.

#include <span>
#include <stdexcept>
#include <string>

namespace autodiff::vector_math::detail {

// Throws std::invalid_argument naming `function` and both sizes unless x and
// y have the same size.
template <typename T>
void check_sizes(const char* function, std::span<const T> x, std::span<T> y) {
  if (x.size() != y.size()) {
    throw std::invalid_argument(std::string("vector_math::") + function + ": x has " +
                                std::to_string(x.size()) + " elements and y " +
                                std::to_string(y.size()) + "; pass arrays of one size");
  }
}

}  // namespace autodiff::vector_math::detail
