#pragma once

// The one seeded random generator of a run.

#include <cstddef>
#include <cstdint>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <stdexcept>

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

  // Uniform integer on [0, count). Throws std::invalid_argument for count 0,
  // which has no valid index.
  std::size_t index(std::size_t count) {
    if (count == 0) {
      throw std::invalid_argument("Rng::index: count is 0, which leaves no index to draw. Pass count > 0.");
    }
    return std::uniform_int_distribution<std::size_t>(0, count - 1)(engine_);
  }

  std::mt19937_64& engine() { return engine_; }
  std::uint64_t seed() const { return seed_; }

  // The generator's full state as text, for checkpoints. Every draw goes
  // through a fresh distribution object, so the engine is the whole state.
  std::string state() const {
    std::ostringstream out;
    out << engine_;
    return out.str();
  }

  // Restores a state from state(); throws std::invalid_argument when the
  // text is not a Mersenne Twister state.
  void restore(const std::string& state) {
    std::istringstream in(state);
    std::mt19937_64 restored;
    in >> restored;
    if (in.fail()) {
      throw std::invalid_argument("Rng::restore: the text is not a mt19937_64 state; pass the "
                                  "output of Rng::state()");
    }
    engine_ = restored;
  }

 private:
  std::mt19937_64 engine_;
  std::uint64_t seed_;
};

}  // namespace nn
