#pragma once

// Weight initializers.

#include <cstddef>

#include "autodiff/matrix.hpp"
#include "nn/random.hpp"

namespace nn {

// Glorot and Bengio's uniform initialization: entries drawn from U(-a, a) with
// a = sqrt(6 / (fan_in + fan_out)), giving [fan_in, fan_out]. Throws
// std::invalid_argument when either size is 0.
autodiff::Matrix glorot_uniform(std::size_t fan_in, std::size_t fan_out, Rng& rng);

}  // namespace nn
