// Google Benchmark programs for one training step of each player of the toy
// and the physics-size problems, for the validation pass of the toy
// experiment, and for the growth of a step's time with batch size and width.
//
// Run with --benchmark_filter=<regex> to pick benchmarks; the side-by-side
// script runs them with repetitions and reads the medians.

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "autodiff/ops/linalg.hpp"
#include "experiments/benchmarks/training_steps.hpp"
#include "nn/layers/sequential.hpp"
#include "nn/losses.hpp"
#include "nn/optimizers/sgd.hpp"

namespace {

using benchmarks::PlayerPair;
using benchmarks::Problem;

constexpr double lambda = 50.0;  // the toy experiment's weight of L_r

void toy_classifier_step(benchmark::State& state) {
  PlayerPair players(Problem::toy, static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(players.classifier_step());
  }
}
BENCHMARK(toy_classifier_step)->Arg(32)->Unit(benchmark::kMicrosecond);

void toy_adversary_step(benchmark::State& state) {
  PlayerPair players(Problem::toy, static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(players.adversary_step());
  }
}
BENCHMARK(toy_adversary_step)->Arg(128)->Unit(benchmark::kMicrosecond);

void toy_combined_step(benchmark::State& state) {
  PlayerPair players(Problem::toy, static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(players.combined_step(lambda));
  }
}
BENCHMARK(toy_combined_step)->Arg(128)->Unit(benchmark::kMicrosecond);

// L_f, L_r and L_f - lambda L_r on the toy experiment's 50000 validation
// rows, which the trainer computes after each of the 200 adversarial
// iterations.
void toy_validation_pass(benchmark::State& state) {
  PlayerPair players(Problem::toy, 128);
  nn::Rng rng(2);
  const nn::Dataset validation =
      benchmarks::draw_samples(Problem::toy, static_cast<std::size_t>(state.range(0)), rng);
  for (auto _ : state) {
    benchmark::DoNotOptimize(players.evaluate(validation, lambda));
  }
}
BENCHMARK(toy_validation_pass)->Arg(50000)->Unit(benchmark::kMillisecond);

// The same pass over 50000 rows with chunks of the given number of rows per
// tape recording: a chunk whose arrays fit in the L2 cache runs faster.
void toy_validation_chunk(benchmark::State& state) {
  PlayerPair players(Problem::toy, 128);
  nn::Rng rng(2);
  const nn::Dataset validation = benchmarks::draw_samples(Problem::toy, 50000, rng);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        players.evaluate_in_chunks(validation, lambda, static_cast<std::size_t>(state.range(0))));
  }
}
BENCHMARK(toy_validation_chunk)
    ->RangeMultiplier(2)
    ->Range(256, 8192)
    ->Unit(benchmark::kMillisecond);

// The flops of the matrix products of one physics step at batch n count
// 2 n k m for each [n, k] · [k, m] product. f is 6 -> 64 -> 64 -> 64 -> 1 and
// r is 1 -> 64 -> 64 -> 64 -> 2. If a network's forward pass costs F, its
// weight gradients cost F again. Its input gradients cost F less the first
// layer's part, or F when the step needs the gradient of the network's input.
enum class PhysicsStep { classifier, adversary, combined };

double physics_step_flops(PhysicsStep step, std::size_t batch) {
  const double n = static_cast<double>(batch);
  const double f_forward = 2.0 * n * (6.0 * 64.0 + 2.0 * 64.0 * 64.0 + 64.0 * 1.0);
  const double f_first_layer = 2.0 * n * 6.0 * 64.0;
  const double r_forward = 2.0 * n * (1.0 * 64.0 + 2.0 * 64.0 * 64.0 + 64.0 * 2.0);
  const double r_first_layer = 2.0 * n * 1.0 * 64.0;

  const double f_step = 3.0 * f_forward - f_first_layer;
  switch (step) {
    case PhysicsStep::classifier:
      return f_step;
    case PhysicsStep::adversary:
      return 3.0 * r_forward - r_first_layer;
    case PhysicsStep::combined:
      // r's forward pass and its input gradient, but not its weight gradients.
      return f_step + 2.0 * r_forward;
  }
  return 0.0;
}

// Reports the rate of the step's products as the counter GFLOP/s, which
// side_by_side.py sets against the rate of one large bare gemm.
void set_physics_rate(benchmark::State& state, PhysicsStep step) {
  const double flops = physics_step_flops(step, static_cast<std::size_t>(state.range(0)));
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void physics_classifier_step(benchmark::State& state) {
  PlayerPair players(Problem::physics, static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(players.classifier_step());
  }
  set_physics_rate(state, PhysicsStep::classifier);
}
BENCHMARK(physics_classifier_step)->Arg(128)->Arg(1024)->Unit(benchmark::kMicrosecond);

void physics_adversary_step(benchmark::State& state) {
  PlayerPair players(Problem::physics, static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(players.adversary_step());
  }
  set_physics_rate(state, PhysicsStep::adversary);
}
BENCHMARK(physics_adversary_step)->Arg(128)->Arg(1024)->Unit(benchmark::kMicrosecond);

void physics_combined_step(benchmark::State& state) {
  PlayerPair players(Problem::physics, static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(players.combined_step(lambda));
  }
  set_physics_rate(state, PhysicsStep::combined);
}
BENCHMARK(physics_combined_step)->Arg(128)->Arg(1024)->Unit(benchmark::kMicrosecond);

// One SGD step of 6 -> w tanh -> w ReLU -> w ReLU -> 1 on binary
// cross-entropy, for the growth of the time with batch size (first argument)
// and width (second). The counter GFLOP/s counts the 2 n k m flops of every
// matrix product: three per layer (forward, d input, d weights), less the
// first layer's d input, which is not computed.
void mlp_step(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  const auto width = static_cast<std::size_t>(state.range(1));
  constexpr std::size_t inputs = 6;

  nn::Rng rng(1);
  nn::Sequential network = nn::make_mlp(inputs,
                                        {{width, nn::ActivationKind::tanh},
                                         {width, nn::ActivationKind::relu},
                                         {width, nn::ActivationKind::relu}},
                                        1, nn::ActivationKind::identity, rng, "mlp");
  const autodiff::ParameterList parameters = network.parameters();
  nn::Sgd optimizer(parameters, {0.01});
  const nn::Dataset data = benchmarks::draw_samples(Problem::physics, batch, rng);
  autodiff::Tape tape;

  for (auto _ : state) {
    tape.clear();
    const autodiff::Variable loss =
        nn::binary_cross_entropy_with_logits(network.forward(tape.constant(data.X)), data.y);
    tape.backward(loss, parameters);
    optimizer.step();
  }

  const double n = static_cast<double>(batch);
  const double w = static_cast<double>(width);
  const double forward = 2.0 * n * (inputs * w + 2.0 * w * w + w);
  const double flops = 3.0 * forward - 2.0 * n * inputs * w;
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(mlp_step)
    ->ArgNames({"batch", "width"})
    ->Args({32, 64})
    ->Args({128, 64})
    ->Args({512, 64})
    ->Args({2048, 64})
    ->Args({8192, 64})
    ->Args({128, 16})
    ->Args({128, 32})
    ->Args({128, 128})
    ->Args({128, 256})
    ->Args({128, 512})
    ->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  // The experiment programs run OpenBLAS on one thread; so do the benchmarks.
  autodiff::set_blas_threads(1);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
