#define BOOST_TEST_MODULE experiments_peak_fma
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>

#include "autodiff/matrix.hpp"
#include "experiments/benchmarks/peak_fma.hpp"

namespace {

using benchmarks::FmaWidth;

// The flops that fma_flops promises: 12 chains of one FMA (2 flops) per lane
// and round.
double expected_flops(int register_bytes, std::int64_t rounds) {
  const double lanes = register_bytes / static_cast<double>(sizeof(autodiff::Scalar));
  return 2.0 * lanes * 12 * static_cast<double>(rounds);
}

}  // namespace

BOOST_AUTO_TEST_CASE(avx2_flop_count) {
  // A CPU with AVX-512 has AVX2 and FMA too, so only "none" skips this.
  if (benchmarks::widest_fma() == FmaWidth::none) {
    BOOST_TEST_MESSAGE("this CPU or compiler has no AVX2 with FMA, so no kernel is checked");
    return;
  }
  BOOST_TEST(benchmarks::fma_flops(FmaWidth::avx2, 1) == expected_flops(32, 1));
  BOOST_TEST(benchmarks::fma_flops(FmaWidth::avx2, 1000) == expected_flops(32, 1000));
}

BOOST_AUTO_TEST_CASE(avx512_flop_count) {
  if (benchmarks::widest_fma() != FmaWidth::avx512) {
    BOOST_TEST_MESSAGE("this CPU has no AVX-512, so only the AVX2 kernel is checked");
    return;
  }
  BOOST_TEST(benchmarks::fma_flops(FmaWidth::avx512, 1000) == expected_flops(64, 1000));
}

BOOST_AUTO_TEST_CASE(none_width_rejected) {
  std::string message;
  try {
    benchmarks::fma_flops(FmaWidth::none, 1);
  } catch (const std::invalid_argument& error) {
    message = error.what();
  }
  BOOST_TEST(message.find("FmaWidth::none") != std::string::npos, "message: " << message);
  BOOST_TEST(message.find("widest_fma()") != std::string::npos, "message: " << message);
}

BOOST_AUTO_TEST_CASE(zero_rounds_rejected) {
  const FmaWidth widest = benchmarks::widest_fma();
  if (widest == FmaWidth::none) {
    BOOST_TEST_MESSAGE("this CPU or compiler has no AVX2 with FMA, so no kernel is checked");
    return;
  }
  std::string message;
  try {
    benchmarks::fma_flops(widest, 0);
  } catch (const std::invalid_argument& error) {
    message = error.what();
  }
  BOOST_TEST(message.find("rounds must be at least 1, got 0") != std::string::npos,
             "message: " << message);
}
