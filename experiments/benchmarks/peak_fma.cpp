#include "experiments/benchmarks/peak_fma.hpp"

#include <array>
#include <stdexcept>
#include <string>

// This file is compiled with -ffp-contract=fast (CMakeLists.txt), so that
// GCC turns acc * x + y on vector types into one FMA instruction.

namespace benchmarks {
namespace {

using autodiff::Scalar;

// Independent accumulators. An FMA has a latency of 4 cycles on AMD Zen 4
// and Intel Skylake cores, which issue up to 2 per cycle, so at least 8 must
// be in flight to reach the peak. 12 and the two operands fit in the 16
// registers of AVX2.
constexpr int chains = 12;

// GCC vector types of 256 and 512 bits, in the build's precision.
using Vector256 = Scalar __attribute__((vector_size(32)));
using Vector512 = Scalar __attribute__((vector_size(64)));

// Runs the FMA rounds and returns the sum of all lanes of all accumulators,
// so that the compiler keeps the loop. x is just below 1 and y small, so the
// accumulators converge to y / (1 - x) and stay finite.
template <class Vector>
[[gnu::always_inline]] inline Scalar run_chains(std::int64_t rounds) {
  constexpr int lanes = sizeof(Vector) / sizeof(Scalar);
  Vector x;
  Vector y;
  for (int lane = 0; lane < lanes; ++lane) {
    x[lane] = Scalar(0.999);
    y[lane] = Scalar(1e-3);
  }

  std::array<Vector, chains> acc;
  acc.fill(y);
  for (std::int64_t round = 0; round < rounds; ++round) {
    // Unrolled, so that the accumulators stay in registers at every -O level.
#pragma GCC unroll 12
    for (Vector& value : acc) {
      value = value * x + y;
    }
  }

  Scalar sum = 0;
  for (const Vector& value : acc) {
    for (int lane = 0; lane < lanes; ++lane) {
      sum += value[lane];
    }
  }
  return sum;
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define BENCHMARKS_HAVE_FMA_TARGETS 1

// The same loop compiled for each instruction set. fma_flops checks that
// the CPU supports it.
[[gnu::target("avx512f"), gnu::noinline]] Scalar run_avx512(std::int64_t rounds) {
  return run_chains<Vector512>(rounds);
}

[[gnu::target("avx2,fma"), gnu::noinline]] Scalar run_avx2(std::int64_t rounds) {
  return run_chains<Vector256>(rounds);
}
#endif

const char* width_name(FmaWidth width) {
  switch (width) {
    case FmaWidth::avx2:
      return "FmaWidth::avx2";
    case FmaWidth::avx512:
      return "FmaWidth::avx512";
    default:
      return "FmaWidth::none";
  }
}

}  // namespace

FmaWidth widest_fma() {
#ifdef BENCHMARKS_HAVE_FMA_TARGETS
  if (__builtin_cpu_supports("avx512f")) {
    return FmaWidth::avx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return FmaWidth::avx2;
  }
#endif
  return FmaWidth::none;
}

double fma_flops(FmaWidth width, std::int64_t rounds) {
  // The widths are ordered, so a width up to the widest one runs here.
  const FmaWidth widest = widest_fma();
  if (width == FmaWidth::none || width > widest) {
    throw std::invalid_argument(std::string("fma_flops: ") + width_name(width) +
                                " cannot run here, because the widest FMA of this CPU and build "
                                "is " + width_name(widest) +
                                ". Pass the width that widest_fma() returns, unless it is none");
  }
  if (rounds < 1) {
    throw std::invalid_argument("fma_flops: rounds must be at least 1, got " +
                                std::to_string(rounds));
  }

  volatile Scalar sink = 0;  // keeps the result, and so the loop
  double lanes = 0.0;
  switch (width) {
#ifdef BENCHMARKS_HAVE_FMA_TARGETS
    case FmaWidth::avx512:
      sink = run_avx512(rounds);
      lanes = 64.0 / sizeof(Scalar);
      break;
    case FmaWidth::avx2:
      sink = run_avx2(rounds);
      lanes = 32.0 / sizeof(Scalar);
      break;
#endif
    default:
      break;  // rejected above
  }
  static_cast<void>(sink);
  return 2.0 * lanes * chains * static_cast<double>(rounds);
}

}  // namespace benchmarks
