#define BOOST_TEST_MODULE pivot_mixture_density_adversary
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>

#include "autodiff/gradient_check.hpp"
#include "autodiff/tape.hpp"
#include "pivot/mixture_density_adversary.hpp"
#include "tolerances.hpp"

#include "adversary_checks.hpp"

namespace tt = boost::test_tools;
using autodiff::Matrix;
using autodiff::Tape;
using autodiff::Variable;

using namespace adversary_checks;

namespace {

// Smooth activations, so that central differences never straddle a ReLU kink.
pivot::MixtureDensityOptions small_mixture(std::size_t components, std::size_t inputs = 1) {
  pivot::MixtureDensityOptions options;
  options.components = components;
  options.hidden = {{6, nn::ActivationKind::tanh}, {5, nn::ActivationKind::tanh}};
  options.inputs = inputs;
  return options;
}

const Matrix scores{{0.1}, {0.45}, {0.8}, {0.97}};
const Matrix z{{0.3}, {-1.2}, {2.0}, {0.0}};
const Matrix y{{0.0}, {1.0}, {1.0}, {0.0}};
const Matrix unit_weights{{1.0}, {1.0}, {1.0}, {1.0}};
const Matrix sample_weights{{0.5}, {2.0}, {0.0}, {1.5}};

}  // namespace

BOOST_AUTO_TEST_SUITE(mixture_density_adversary)

BOOST_AUTO_TEST_CASE(score_gradient) {
  nn::Rng rng(11);
  pivot::MixtureDensityAdversary adversary(small_mixture(3), rng);
  for (const Matrix* weights : {&unit_weights, &sample_weights}) {
    check_score_gradient(adversary, scores, {z, y, *weights});
  }
}

BOOST_AUTO_TEST_CASE(parameter_gradient) {
  nn::Rng rng(12);
  pivot::MixtureDensityAdversary adversary(small_mixture(3), rng);
  for (const Matrix* weights : {&unit_weights, &sample_weights}) {
    check_parameter_gradients(adversary, scores, {z, y, *weights});
  }
}

BOOST_AUTO_TEST_CASE(relu_parameter_gradient) {
  // The default hidden layers are ReLU; with this seed no pre-activation lies
  // within h of the kink, so central differences apply.
  nn::Rng rng(13);
  pivot::MixtureDensityOptions options;
  options.components = 2;
  options.hidden = {{7, nn::ActivationKind::relu}, {7, nn::ActivationKind::relu}};
  pivot::MixtureDensityAdversary adversary(options, rng);
  check_parameter_gradients(adversary, scores, {z, y, sample_weights});
}

BOOST_AUTO_TEST_CASE(one_component_gaussian_nll) {
  // With C = 1 the mixture weight is 1 and the loss is the Gaussian NLL
  //   l_i = (z_i - mu_i)^2 / (2 sigma_i^2) + log sigma_i + log(2 pi) / 2,
  // reduced by the weighted mean sum_i w_i l_i / sum_i w_i.
  nn::Rng rng(14);
  pivot::MixtureDensityAdversary adversary(small_mixture(1), rng);

  Tape tape;
  const Variable input = tape.constant(scores);
  const auto head = adversary.mixture(input);
  const Variable loss = adversary.loss(input, {z, y, sample_weights});

  double weighted_sum = 0.0;
  double weight_total = 0.0;
  for (std::size_t i = 0; i < 4; ++i) {
    const double mean = head.means.value()(i, 0);
    const double sigma = std::exp(head.log_sigmas.value()(i, 0));
    const double u = (z(i, 0) - mean) / sigma;
    const double nll = 0.5 * u * u + std::log(sigma) + 0.5 * std::log(2.0 * std::numbers::pi);
    weighted_sum += sample_weights(i, 0) * nll;
    weight_total += sample_weights(i, 0);
  }
  BOOST_TEST(loss.value()(0, 0) == weighted_sum / weight_total,
             tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(mixture_shapes) {
  nn::Rng rng(15);
  pivot::MixtureDensityAdversary adversary(small_mixture(4), rng);
  Tape tape;
  const auto head = adversary.mixture(tape.constant(scores));
  for (const Variable& part : {head.means, head.log_sigmas, head.mixture_logits}) {
    BOOST_TEST(part.shape()[0] == 4u);
    BOOST_TEST(part.shape()[1] == 4u);
  }
}

BOOST_AUTO_TEST_CASE(rejects_wide_scores) {
  nn::Rng rng(16);
  pivot::MixtureDensityAdversary adversary(small_mixture(2), rng);
  Tape tape;
  const Variable wide = tape.constant(Matrix{{0.1, 0.0}, {0.2, 1.0}, {0.3, 1.0}, {0.4, 0.0}});
  const std::string message = error_message([&] { adversary.loss(wide, {z, y, unit_weights}); });
  BOOST_TEST(contains(message, "MixtureDensityAdversary"), message);
  BOOST_TEST(contains(message, "[batch, 1]"), message);
  BOOST_TEST(contains(message, "[4, 2]"), message);
}

BOOST_AUTO_TEST_CASE(rejects_mismatched_targets) {
  nn::Rng rng(17);
  pivot::MixtureDensityAdversary adversary(small_mixture(2), rng);
  Tape tape;
  const Variable input = tape.constant(scores);
  const Matrix short_z{{0.0}, {1.0}, {2.0}};
  const std::string z_message = error_message([&] {
    adversary.loss(input, {short_z, y, unit_weights});
  });
  BOOST_TEST(contains(z_message, "[3, 1]"), z_message);

  const Matrix short_weights{{1.0}, {1.0}, {1.0}};
  const std::string weight_message = error_message([&] {
    adversary.loss(input, {z, y, short_weights});
  });
  BOOST_TEST(contains(weight_message, "[3, 1]"), weight_message);
}

BOOST_AUTO_TEST_CASE(rejects_bad_options) {
  nn::Rng rng(18);
  const std::string components_message =
      error_message([&] { pivot::MixtureDensityAdversary(small_mixture(0), rng); });
  BOOST_TEST(contains(components_message, "components"), components_message);

  const std::string inputs_message =
      error_message([&] { pivot::MixtureDensityAdversary(small_mixture(2, 0), rng); });
  BOOST_TEST(contains(inputs_message, "inputs"), inputs_message);
}

BOOST_AUTO_TEST_CASE(two_inputs) {
  nn::Rng rng(19);
  pivot::MixtureDensityAdversary adversary(small_mixture(3, 2), rng);
  BOOST_TEST(adversary.input_width() == 2u);

  const Matrix with_labels{{0.1, 0.0}, {0.45, 1.0}, {0.8, 1.0}, {0.97, 0.0}};
  check_score_gradient(adversary, with_labels, {z, y, sample_weights});
  check_parameter_gradients(adversary, with_labels, {z, y, sample_weights});

  Tape tape;
  const std::string message = error_message([&] {
    adversary.loss(tape.constant(scores), {z, y, unit_weights});
  });
  BOOST_TEST(contains(message, "[batch, 2]"), message);
  BOOST_TEST(contains(message, "[4, 1]"), message);
}

BOOST_AUTO_TEST_CASE(default_input_width) {
  nn::Rng rng(20);
  pivot::MixtureDensityAdversary adversary(pivot::MixtureDensityOptions{}, rng);
  BOOST_TEST(adversary.input_width() == 1u);
  BOOST_TEST(contains(adversary.describe(), "5 components"), adversary.describe());
}

BOOST_AUTO_TEST_SUITE_END()
