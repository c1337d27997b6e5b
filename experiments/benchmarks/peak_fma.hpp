#pragma once

// The machine's peak floating-point rate, measured: independent vector
// fused multiply-adds on the registers of the widest instruction set the CPU
// supports, which no memory access or dependency slows down.

#include <cstdint>

#include "autodiff/matrix.hpp"

namespace benchmarks {

// Instruction sets that fma_flops can run on, narrowest first.
enum class FmaWidth { none, avx2, avx512 };

// Returns the widest FMA instructions of this CPU: AVX-512, or AVX2 with FMA,
// or none (also on compilers and CPUs other than GCC on x86-64).
FmaWidth widest_fma();

// Runs `rounds` rounds of 12 independent vector FMAs in the build's
// precision (autodiff::Scalar) with the instructions of `width`, and returns
// the flops done (2 per lane and FMA). Throws std::invalid_argument for
// FmaWidth::none, for a width wider than widest_fma() and for rounds < 1.
double fma_flops(FmaWidth width, std::int64_t rounds);

}  // namespace benchmarks
