#pragma once

// The one seeded random generator of a run.

#include <cstdint>
#include <random>

namespace nn {

// A seeded Mersenne Twister shared by everything random in a run: weight
// initialization, data generation, shuffling and minibatch sampling. Passing
// the same generator through one program in the same order reproduces a run
// bit for bit on the same build.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed), seed_(seed) {}

  // Uniform on [low, high).
  double uniform(double low, double high) {
    return std::uniform_real_distribution<double>(low, high)(engine_);
  }

  // Normal with the given mean and standard deviation.
  double normal(double mean = 0.0, double standard_deviation = 1.0) {
    return std::normal_distribution<double>(mean, standard_deviation)(engine_);
  }

  // Uniform integer on [0, count), for count > 0.
  std::size_t index(std::size_t count) {
    return std::uniform_int_distribution<std::size_t>(0, count - 1)(engine_);
  }

  std::mt19937_64& engine() { return engine_; }
  std::uint64_t seed() const { return seed_; }

 private:
  std::mt19937_64 engine_;
  std::uint64_t seed_;
};

}  // namespace nn
