// Google Benchmark programs for the engine's matrix product against bare
// OpenBLAS dgemm calls of the same size.
//
// The forward and backward pass of C = A B is three products: C = A B,
// dA = G Bᵀ and dB = Aᵀ G, so matmul_forward_backward compares with
// three_dgemms, which makes exactly those three cblas_dgemm calls. The loss
// is sum(C), whose gradient G is all ones. The first argument is the size n
// of the square matrices; the second is the number of OpenBLAS threads. In a
// float build (PIVOT_SCALAR=float) both sides use sgemm instead of dgemm.
// peak_fma measures the machine's peak rate in the build's precision, on one
// thread and on two (experiments/benchmarks/peak_fma.hpp).

#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstddef>

#include "autodiff/ops/linalg.hpp"
#include "autodiff/ops/reductions.hpp"
#include "autodiff/parameter.hpp"
#include "autodiff/tape.hpp"
#include "experiments/benchmarks/peak_fma.hpp"
#include "nn/random.hpp"

namespace {

using autodiff::Matrix;

Matrix random_matrix(std::size_t n, nn::Rng& rng) {
  Matrix result({n, n});
  for (autodiff::Scalar& element : result) {
    element = static_cast<autodiff::Scalar>(rng.uniform(-1.0, 1.0));
  }
  return result;
}

// C = op(A) op(B) for square n x n row-major arrays, in the precision of the
// pointers.
[[maybe_unused]] void blas_gemm(CBLAS_TRANSPOSE op_a, CBLAS_TRANSPOSE op_b, int n, const double* a,
                                const double* b, double* c) {
  cblas_dgemm(CblasRowMajor, op_a, op_b, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
}

[[maybe_unused]] void blas_gemm(CBLAS_TRANSPOSE op_a, CBLAS_TRANSPOSE op_b, int n, const float* a,
                                const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, op_a, op_b, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
}

void dgemm(const Matrix& a, bool transpose_a, const Matrix& b, bool transpose_b, Matrix& c) {
  blas_gemm(transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans,
            static_cast<int>(a.shape(0)), a.data(), b.data(), c.data());
}

void set_rate(benchmark::State& state, double products) {
  const double n = static_cast<double>(state.range(0));
  state.counters["GFLOP/s"] = benchmark::Counter(products * 2.0 * n * n * n * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

void matmul_forward(benchmark::State& state) {
  autodiff::set_blas_threads(static_cast<int>(state.range(1)));
  const auto n = static_cast<std::size_t>(state.range(0));
  nn::Rng rng(1);
  autodiff::Parameter a("a", random_matrix(n, rng));
  autodiff::Parameter b("b", random_matrix(n, rng));
  autodiff::Tape tape;

  for (auto _ : state) {
    tape.clear();
    benchmark::DoNotOptimize(autodiff::matmul(tape.parameter(a), tape.parameter(b)));
  }
  set_rate(state, 1.0);
}

void one_dgemm(benchmark::State& state) {
  autodiff::set_blas_threads(static_cast<int>(state.range(1)));
  const auto n = static_cast<std::size_t>(state.range(0));
  nn::Rng rng(1);
  const Matrix a = random_matrix(n, rng);
  const Matrix b = random_matrix(n, rng);
  Matrix c({n, n});

  for (auto _ : state) {
    dgemm(a, false, b, false, c);
    benchmark::DoNotOptimize(c.data());
  }
  set_rate(state, 1.0);
}

void matmul_forward_backward(benchmark::State& state) {
  autodiff::set_blas_threads(static_cast<int>(state.range(1)));
  const auto n = static_cast<std::size_t>(state.range(0));
  nn::Rng rng(1);
  autodiff::Parameter a("a", random_matrix(n, rng));
  autodiff::Parameter b("b", random_matrix(n, rng));
  const autodiff::ParameterList parameters{&a, &b};
  autodiff::Tape tape;

  for (auto _ : state) {
    tape.clear();
    const autodiff::Variable loss =
        autodiff::sum(autodiff::matmul(tape.parameter(a), tape.parameter(b)));
    tape.backward(loss, parameters);
    benchmark::DoNotOptimize(a.gradient.data());
  }
  set_rate(state, 3.0);
}

void three_dgemms(benchmark::State& state) {
  autodiff::set_blas_threads(static_cast<int>(state.range(1)));
  const auto n = static_cast<std::size_t>(state.range(0));
  nn::Rng rng(1);
  const Matrix a = random_matrix(n, rng);
  const Matrix b = random_matrix(n, rng);
  const Matrix g = Matrix({n, n}, 1.0);
  Matrix c({n, n});
  Matrix da({n, n});
  Matrix db({n, n});

  for (auto _ : state) {
    dgemm(a, false, b, false, c);
    dgemm(g, false, b, true, da);
    dgemm(a, true, g, false, db);
    benchmark::DoNotOptimize(db.data());
  }
  set_rate(state, 3.0);
}

// GFLOP/s of vector FMAs on each thread, summed over the threads: the peak
// of one core, or of two with two threads.
void peak_fma(benchmark::State& state) {
  const benchmarks::FmaWidth width = benchmarks::widest_fma();
  if (width == benchmarks::FmaWidth::none) {
    state.SkipWithError("peak_fma needs AVX2 and FMA or AVX-512, which this CPU or compiler lacks");
    return;
  }

  double flops = 0.0;
  for (auto _ : state) {
    flops += benchmarks::fma_flops(width, 1 << 16);
  }
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsRate);
  state.SetLabel(width == benchmarks::FmaWidth::avx512 ? "AVX-512" : "AVX2");
}

void register_sizes(benchmark::internal::Benchmark* benchmark) {
  benchmark->ArgNames({"n", "threads"})->Args({512, 1})->Args({512, 2})->Args({128, 1});
  benchmark->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(matmul_forward)->Apply(register_sizes);
// n 1024 on one thread gives OpenBLAS's rate on large operands, the ceiling
// that side_by_side.py sets the physics steps against.
BENCHMARK(one_dgemm)->Apply(register_sizes)->Args({1024, 1});
BENCHMARK(matmul_forward_backward)->Apply(register_sizes);
BENCHMARK(three_dgemms)->Apply(register_sizes);
// With real time, kIsRate divides the flops of all threads by the wall time.
BENCHMARK(peak_fma)->Threads(1)->Threads(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
