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

// Returns whether this CPU and build have an FMA kernel, and logs the reason
// a test stops when they do not.
bool has_fma_kernel() {
  if (benchmarks::widest_fma() == FmaWidth::none) {
    BOOST_TEST_MESSAGE("this CPU or compiler has no AVX2 with FMA, so no kernel is checked");
    return false;
  }
  return true;
}

// Returns the message of the std::invalid_argument that `call` throws, or ""
// when it throws none.
template <class Call>
std::string invalid_argument_message(const Call& call) {
  try {
    call();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(avx2_flop_count) {
  // A CPU with AVX-512 has AVX2 and FMA too, so only "none" skips this.
  if (!has_fma_kernel()) return;
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
  const std::string message =
      invalid_argument_message([] { benchmarks::fma_flops(FmaWidth::none, 1); });
  BOOST_TEST(message.find("FmaWidth::none") != std::string::npos, "message: " << message);
  BOOST_TEST(message.find("widest_fma()") != std::string::npos, "message: " << message);
}

BOOST_AUTO_TEST_CASE(zero_rounds_rejected) {
  if (!has_fma_kernel()) return;
  const std::string message =
      invalid_argument_message([] { benchmarks::fma_flops(benchmarks::widest_fma(), 0); });
  BOOST_TEST(message.find("rounds must be at least 1, got 0") != std::string::npos,
             "message: " << message);
}
