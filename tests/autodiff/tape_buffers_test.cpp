#define BOOST_TEST_MODULE autodiff_tape_buffers
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <vector>

#include "autodiff/ops/arithmetic.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/fused.hpp"
#include "autodiff/ops/reductions.hpp"
#include "autodiff/parameter.hpp"
#include "autodiff/tape.hpp"

using autodiff::GradientSink;
using autodiff::GradientTarget;
using autodiff::Matrix;
using autodiff::Parameter;
using autodiff::ParameterList;
using autodiff::Shape;
using autodiff::Tape;
using autodiff::Variable;

namespace {

// Records 2 * x through GradientSink::target, for the tests of the in-place
// gradient interface. The backward function stores the accumulate flag it
// saw in `flags`.
Variable doubled(Variable x, std::vector<bool>* flags) {
  Tape& tape = x.tape();
  Matrix value = tape.buffer(x.shape());
  for (std::size_t k = 0; k < value.size(); ++k) {
    value.data()[k] = 2.0 * x.value().data()[k];
  }
  return tape.record(
      "doubled", std::move(value), {x}, [flags](const Matrix& g, GradientSink& sink) {
        const GradientTarget target = sink.target(0);
        flags->push_back(target.accumulate);
        for (std::size_t k = 0; k < g.size(); ++k) {
          const double share = 2.0 * g.data()[k];
          target.gradient.data()[k] = target.accumulate ? target.gradient.data()[k] + share : share;
        }
      });
}

// One step of a small dense network: records the forward pass, runs the
// backward pass to the parameters and takes a plain gradient step.
void training_step(Tape& tape, Parameter& weights, Parameter& bias, const Matrix& x) {
  tape.clear();
  const Variable hidden = autodiff::tanh(
      autodiff::affine(tape.constant(x), tape.parameter(weights), tape.parameter(bias)));
  tape.backward(autodiff::mean(autodiff::square(hidden)), ParameterList{&weights, &bias});
  weights.value -= 0.1 * weights.gradient;
  bias.value -= 0.1 * bias.gradient;
}

}  // namespace

BOOST_AUTO_TEST_CASE(constant_copies_lvalue) {
  Tape tape;
  Matrix source{{1.0, 2.0}};

  const Variable recorded = tape.constant(source);
  source(0, 0) = 10.0;

  BOOST_TEST(recorded.value()(0, 0) == 1.0);
}

BOOST_AUTO_TEST_CASE(constant_moves_rvalue) {
  Tape tape;
  Matrix source{{1.0, 2.0}};
  const double* storage = source.data();

  const Variable recorded = tape.constant(std::move(source));

  BOOST_TEST(recorded.value().data() == storage);
}

BOOST_AUTO_TEST_CASE(clear_keeps_arrays_for_reuse) {
  const Matrix x{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
  Tape tape;
  autodiff::exp(tape.constant(x));
  const std::size_t recorded = tape.allocated_bytes();

  // The two [2, 3] arrays move to the pool instead of being freed, and the
  // next recording of the same ops takes them back without allocating.
  tape.clear();
  BOOST_TEST(tape.size() == 0u);
  BOOST_TEST(tape.allocated_bytes() == recorded);

  autodiff::exp(tape.constant(x));
  BOOST_TEST(tape.allocated_bytes() == recorded);
}

BOOST_AUTO_TEST_CASE(allocated_bytes_stay_flat) {
  Parameter weights("weights", Matrix{{0.5, -0.5, 0.3}, {0.25, 1.0, -0.7}});
  Parameter bias("bias", Matrix{{0.1, -0.1, 0.0}});
  const Matrix x{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}, {-1.0, 0.5}};
  Tape tape;

  training_step(tape, weights, bias, x);
  training_step(tape, weights, bias, x);
  const std::size_t after_two_steps = tape.allocated_bytes();
  for (int step = 0; step < 1000; ++step) {
    training_step(tape, weights, bias, x);
  }

  BOOST_TEST(after_two_steps > 0u);
  BOOST_TEST(tape.allocated_bytes() == after_two_steps);
}

BOOST_AUTO_TEST_CASE(target_overwrites_then_accumulates) {
  Tape tape;
  const Variable x = tape.variable(Matrix{{1.0, -2.0}});
  std::vector<bool> flags;

  // x reaches the loss through two nodes, so the second backward function
  // to run adds to the gradient the first one wrote.
  const Variable loss = autodiff::sum(doubled(x, &flags)) + autodiff::sum(doubled(x, &flags));
  tape.backward(loss, {x});

  BOOST_TEST(flags == (std::vector<bool>{false, true}), boost::test_tools::per_element());
  BOOST_TEST(x.gradient()(0, 0) == 4.0);
  BOOST_TEST(x.gradient()(0, 1) == 4.0);
}

BOOST_AUTO_TEST_CASE(target_rejects_unneeded_input) {
  Tape tape;
  const Variable x = tape.constant(Matrix{{1.0}});
  const Variable w = tape.variable(Matrix{{3.0}});
  bool threw = false;
  const Variable product =
      tape.record("probe", Matrix{{3.0}}, {x, w}, [&threw](const Matrix&, GradientSink& sink) {
        try {
          sink.target(0);  // x is a constant: no gradient is needed
        } catch (const std::logic_error&) {
          threw = true;
        }
        sink.target(1).gradient(0, 0) = 1.0;
      });

  tape.backward(product, {w});

  BOOST_TEST(threw);
  BOOST_TEST(w.gradient()(0, 0) == 1.0);
}

BOOST_AUTO_TEST_CASE(sink_reads_inputs_and_saved) {
  Tape tape;
  const Variable x = tape.variable(Matrix{{2.0}});
  const Variable y = tape.variable(Matrix{{5.0}});
  Matrix seen_input;
  Matrix seen_saved;
  bool rejected_bad_index = false;

  const Variable node = tape.record(
      "probe", Matrix{{0.0}}, {x, y},
      [&](const Matrix&, GradientSink& sink) {
        seen_input = sink.input(1);
        seen_saved = sink.saved();
        try {
          sink.input(2);
        } catch (const std::logic_error&) {
          rejected_bad_index = true;
        }
      },
      Matrix{{7.0, 8.0}});
  tape.backward(node, {x});

  BOOST_TEST(seen_input(0, 0) == 5.0);
  BOOST_TEST((autodiff::shape_of(seen_saved) == Shape{1, 2}));
  BOOST_TEST(seen_saved(0, 1) == 8.0);
  BOOST_TEST(rejected_bad_index);
}
