#include "nn/layers/initializers.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace nn {

autodiff::Matrix glorot_uniform(std::size_t fan_in, std::size_t fan_out, Rng& rng) {
  if (fan_in == 0 || fan_out == 0) {
    throw std::invalid_argument("glorot_uniform: fan_in and fan_out must be positive, got " +
                                std::to_string(fan_in) + " and " + std::to_string(fan_out));
  }

  const double limit = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  autodiff::Matrix weights({fan_in, fan_out});
  for (auto& w : weights) {
    w = static_cast<autodiff::Scalar>(rng.uniform(-limit, limit));
  }
  return weights;
}

}  // namespace nn
