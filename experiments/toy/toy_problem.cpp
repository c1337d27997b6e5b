#include "experiments/toy/toy_problem.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace toy {
namespace {

nn::Dataset draw(std::size_t count, std::optional<double> fixed_z, nn::Rng& rng) {
  if (count == 0) {
    throw std::invalid_argument("toy::generate: the sample count must be at least 1, got 0");
  }

  autodiff::Matrix X({count, std::size_t{2}});
  autodiff::Matrix y({count, std::size_t{1}});
  autodiff::Matrix z({count, std::size_t{1}});

  // Background covariance [[1, -0.5], [-0.5, 1]] = L Lᵀ with the Cholesky
  // factor L = [[1, 0], [-0.5, sqrt(0.75)]].
  const double l21 = -0.5;
  const double l22 = std::sqrt(0.75);

  for (std::size_t i = 0; i < count; ++i) {
    const double label = rng.uniform(0.0, 1.0) < 0.5 ? 0.0 : 1.0;
    const double nuisance = fixed_z ? *fixed_z : rng.normal();
    const double u1 = rng.normal();
    const double u2 = rng.normal();

    // Drawn in double, stored in the engine's Scalar.
    const double x1 = label == 0.0 ? u1 : 1.0 + u1;
    const double x2 = label == 0.0 ? l21 * u1 + l22 * u2 : 1.0 + nuisance + u2;
    X(i, 0) = static_cast<autodiff::Scalar>(x1);
    X(i, 1) = static_cast<autodiff::Scalar>(x2);
    y(i, 0) = static_cast<autodiff::Scalar>(label);
    z(i, 0) = static_cast<autodiff::Scalar>(nuisance);
  }
  return nn::make_dataset(std::move(X), std::move(y), std::move(z));
}

}  // namespace

nn::Dataset generate(std::size_t count, nn::Rng& rng) {
  return draw(count, std::nullopt, rng);
}

nn::Dataset generate_at(std::size_t count, double z, nn::Rng& rng) {
  return draw(count, z, rng);
}

double nuisance_entropy() {
  return 0.5 * std::log(2.0 * std::numbers::pi * std::numbers::e);
}

}  // namespace toy
