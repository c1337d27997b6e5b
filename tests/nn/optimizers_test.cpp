#define BOOST_TEST_MODULE nn_optimizers
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "autodiff/parameter.hpp"
#include "nn/optimizers/adam.hpp"
#include "nn/optimizers/sgd.hpp"
#include "tolerances.hpp"

namespace tt = boost::test_tools;
using autodiff::Matrix;
using autodiff::Parameter;

namespace {

// Every case starts from p = (1, -2) and applies g1 = (0.5, 1), then
// g2 = (-1, 0.25), with learning rate 0.1 (and momentum 0.9 where used).
Parameter start_parameter() { return Parameter("w", Matrix{{1.0, -2.0}}); }
const Matrix first_gradient{{0.5, 1.0}};
const Matrix second_gradient{{-1.0, 0.25}};

void check_values(const Matrix& actual, const Matrix& expected) {
  BOOST_TEST_REQUIRE(actual.shape(0) == expected.shape(0));
  BOOST_TEST_REQUIRE(actual.shape(1) == expected.shape(1));
  for (std::size_t i = 0; i < expected.shape(0); ++i) {
    for (std::size_t j = 0; j < expected.shape(1); ++j) {
      BOOST_TEST_CONTEXT("element [" << i << ", " << j << "]") {
        BOOST_TEST(actual(i, j) == expected(i, j), tt::tolerance(test_tolerance::exact_fraction));
      }
    }
  }
}

// The message of the std::invalid_argument that `call` throws, or a marker
// that no check on the message can match when it throws nothing.
std::string error_message(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "<no std::invalid_argument thrown>";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(optimizers)

// --- SGD ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(sgd_plain_two_steps) {
  // p -= lr g:
  //   step 1: (1, -2) - 0.1 (0.5, 1)      = (0.95, -2.1)
  //   step 2: (0.95, -2.1) - 0.1 (-1, 0.25) = (1.05, -2.125)
  Parameter w = start_parameter();
  nn::Sgd optimizer({&w}, {.learning_rate = 0.1});

  w.gradient = first_gradient;
  optimizer.step();
  check_values(w.value, Matrix{{0.95, -2.1}});

  w.gradient = second_gradient;
  optimizer.step();
  check_values(w.value, Matrix{{1.05, -2.125}});
}

BOOST_AUTO_TEST_CASE(sgd_momentum_two_steps) {
  // v = 0.9 v + g, p -= 0.1 v:
  //   step 1: v = (0.5, 1),                      p = (0.95, -2.1)
  //   step 2: v = (0.45 - 1, 0.9 + 0.25) = (-0.55, 1.15),
  //           p = (0.95 + 0.055, -2.1 - 0.115) = (1.005, -2.215)
  Parameter w = start_parameter();
  nn::Sgd optimizer({&w}, {.learning_rate = 0.1, .momentum = 0.9});

  w.gradient = first_gradient;
  optimizer.step();
  check_values(w.value, Matrix{{0.95, -2.1}});
  check_values(optimizer.velocities()[0], Matrix{{0.5, 1.0}});

  w.gradient = second_gradient;
  optimizer.step();
  check_values(w.value, Matrix{{1.005, -2.215}});
  check_values(optimizer.velocities()[0], Matrix{{-0.55, 1.15}});
}

BOOST_AUTO_TEST_CASE(sgd_nesterov_two_steps) {
  // v = 0.9 v + g, p -= 0.1 (g + 0.9 v):
  //   step 1: v = (0.5, 1), p = (1 - 0.1 (0.5 + 0.45), -2 - 0.1 (1 + 0.9))
  //                           = (0.905, -2.19)
  //   step 2: v = (-0.55, 1.15),
  //           p = (0.905 - 0.1 (-1 - 0.495), -2.19 - 0.1 (0.25 + 1.035))
  //             = (1.0545, -2.3185)
  Parameter w = start_parameter();
  nn::Sgd optimizer({&w}, {.learning_rate = 0.1, .momentum = 0.9, .nesterov = true});

  w.gradient = first_gradient;
  optimizer.step();
  check_values(w.value, Matrix{{0.905, -2.19}});

  w.gradient = second_gradient;
  optimizer.step();
  check_values(w.value, Matrix{{1.0545, -2.3185}});
  check_values(optimizer.velocities()[0], Matrix{{-0.55, 1.15}});
}

BOOST_AUTO_TEST_CASE(sgd_invalid_options) {
  Parameter w = start_parameter();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double infinity = std::numeric_limits<double>::infinity();

  struct Case {
    nn::SgdOptions options;
    std::string expected;  // a substring of the message
  };
  const std::vector<Case> cases{
      {{.learning_rate = 0.0}, "learning_rate must be positive and finite, got 0"},
      {{.learning_rate = -0.1}, "got -0.1;"},
      {{.learning_rate = nan}, "learning_rate"},
      {{.learning_rate = infinity}, "got inf"},
      {{.momentum = -0.5}, "momentum must be in [0, 1), got -0.5;"},
      {{.momentum = -0.1}, "momentum must be in [0, 1), got -0.1;"},
      {{.momentum = 1.0}, "momentum must be in [0, 1), got 1"},
      {{.momentum = nan}, "momentum"},
      {{.nesterov = true}, "nesterov needs momentum > 0"},
  };
  for (const Case& option_case : cases) {
    const std::string message = error_message([&] { nn::Sgd({&w}, option_case.options); });
    BOOST_TEST(contains(message, "Sgd: "), message);
    BOOST_TEST(contains(message, option_case.expected), message);
  }
}

// --- Adam ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(adam_two_steps) {
  // lr = 0.1, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8.
  // Step 1: m = 0.1 g1 = (0.05, 0.1), v = 0.001 g1^2 = (0.00025, 0.001),
  //   m_hat = m / 0.1 = (0.5, 1), v_hat = v / 0.001 = (0.25, 1),
  //   p = (1 - 0.1 * 0.5 / (0.5 + 1e-8), -2 - 0.1 * 1 / (1 + 1e-8)).
  // Step 2: m = 0.9 m + 0.1 g2 = (-0.055, 0.115),
  //   v = 0.999 v + 0.001 g2^2 = (0.00124975, 0.0010615),
  //   corrections 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999,
  //   m_hat = (-0.28947368421052632, 0.60526315789473684),
  //   v_hat = (0.62518759379689845, 0.53101550775387694),
  //   p -= 0.1 m_hat / (sqrt(v_hat) + 1e-8), which gives (to 17 digits, in
  //   40-digit decimal arithmetic) (0.93661035424056560, -2.1830597512277280).
  Parameter w = start_parameter();
  nn::Adam optimizer({&w}, {.learning_rate = 0.1});

  w.gradient = first_gradient;
  optimizer.step();
  check_values(w.value, Matrix{{1.0 - 0.1 * 0.5 / (0.5 + 1e-8), -2.0 - 0.1 / (1.0 + 1e-8)}});
  check_values(optimizer.first_moments()[0], Matrix{{0.05, 0.1}});
  check_values(optimizer.second_moments()[0], Matrix{{0.00025, 0.001}});
  BOOST_TEST(optimizer.step_count() == 1U);

  w.gradient = second_gradient;
  optimizer.step();
  check_values(w.value, Matrix{{0.93661035424056560, -2.1830597512277280}});
  check_values(optimizer.first_moments()[0], Matrix{{-0.055, 0.115}});
  check_values(optimizer.second_moments()[0], Matrix{{0.00124975, 0.0010615}});
  BOOST_TEST(optimizer.step_count() == 2U);
}

BOOST_AUTO_TEST_CASE(adam_restored_state_continues) {
  // A second optimizer given the first one's state after step 1 takes the
  // same step 2, so the exposed state is enough for a checkpoint.
  Parameter w = start_parameter();
  nn::Adam original({&w}, {.learning_rate = 0.1});
  w.gradient = first_gradient;
  original.step();

  Parameter restored_w = w;
  nn::Adam restored({&restored_w}, {.learning_rate = 0.1});
  restored.first_moments()[0] = original.first_moments()[0];
  restored.second_moments()[0] = original.second_moments()[0];
  restored.set_step_count(original.step_count());

  w.gradient = second_gradient;
  restored_w.gradient = second_gradient;
  original.step();
  restored.step();
  check_values(restored_w.value, w.value);
}

BOOST_AUTO_TEST_CASE(adam_invalid_options) {
  Parameter w = start_parameter();
  const double nan = std::numeric_limits<double>::quiet_NaN();

  struct Case {
    nn::AdamOptions options;
    std::string expected;  // a substring of the message
  };
  const std::vector<Case> cases{
      {{.learning_rate = 0.0}, "learning_rate must be positive and finite, got 0"},
      {{.learning_rate = nan}, "learning_rate"},
      {{.beta1 = 1.0}, "beta1 must be in [0, 1), got 1"},
      {{.beta1 = -0.1}, "beta1 must be in [0, 1), got -0.1;"},
      {{.beta2 = -0.1}, "beta2 must be in [0, 1), got -0.1;"},
      {{.learning_rate = -0.1}, "learning_rate must be positive and finite, got -0.1;"},
      {{.beta2 = 1.5}, "beta2 must be in [0, 1), got 1.5"},
      {{.beta2 = nan}, "beta2"},
      {{.epsilon = 0.0}, "epsilon must be positive and finite, got 0"},
  };
  for (const Case& option_case : cases) {
    const std::string message = error_message([&] { nn::Adam({&w}, option_case.options); });
    BOOST_TEST(contains(message, "Adam: "), message);
    BOOST_TEST(contains(message, option_case.expected), message);
  }
}

// --- shared behaviour -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(disjoint_lists_stay_separate) {
  // A step of one optimizer changes only its own parameters, even when every
  // parameter has a gradient.
  Parameter classifier("classifier", Matrix{{1.0, 2.0}});
  Parameter adversary("adversary", Matrix{{-1.0}});
  classifier.gradient = Matrix{{0.5, 0.5}};
  adversary.gradient = Matrix{{2.0}};
  nn::Sgd classifier_optimizer({&classifier}, {.learning_rate = 0.1, .momentum = 0.9});
  nn::Adam adversary_optimizer({&adversary}, {.learning_rate = 0.1});

  classifier_optimizer.step();
  check_values(classifier.value, Matrix{{0.95, 1.95}});
  check_values(adversary.value, Matrix{{-1.0}});

  // Adam's first step moves each element by lr * g / (|g| + eps), about 0.1.
  adversary_optimizer.step();
  check_values(classifier.value, Matrix{{0.95, 1.95}});
  check_values(adversary.value, Matrix{{-1.0 - 0.1 * 2.0 / (2.0 + 1e-8)}});

  BOOST_TEST(classifier_optimizer.velocities().size() == 1U);
  BOOST_TEST(adversary_optimizer.first_moments().size() == 1U);
  BOOST_TEST(classifier_optimizer.parameters().front() == &classifier);
  BOOST_TEST(adversary_optimizer.parameters().front() == &adversary);
}

BOOST_AUTO_TEST_CASE(invalid_parameter_lists) {
  Parameter w = start_parameter();

  const std::string empty = error_message([] { nn::Sgd({}); });
  BOOST_TEST(contains(empty, "empty"), empty);

  const std::string null_entry = error_message([&] { nn::Adam({&w, nullptr}); });
  BOOST_TEST(contains(null_entry, "entry 1 is null"), null_entry);

  const std::string duplicate = error_message([&] { nn::Sgd({&w, &w}); });
  BOOST_TEST(contains(duplicate, "'w' is listed twice (entries 0 and 1)"), duplicate);
}

BOOST_AUTO_TEST_CASE(gradient_shape_mismatch) {
  // The second gradient has the wrong shape: step throws and the first
  // parameter keeps its value.
  Parameter good("good", Matrix{{1.0}});
  Parameter bad("bad", Matrix{{1.0, 2.0}});
  good.gradient = Matrix{{1.0}};
  bad.gradient = Matrix{{1.0}, {2.0}};

  nn::Sgd sgd({&good, &bad}, {.learning_rate = 0.1});
  const std::string sgd_message = error_message([&] { sgd.step(); });
  BOOST_TEST(contains(sgd_message, "Sgd::step"), sgd_message);
  BOOST_TEST(contains(sgd_message, "'bad'"), sgd_message);
  BOOST_TEST(contains(sgd_message, "got [1, 2] and [2, 1]"), sgd_message);
  BOOST_TEST(good.value(0, 0) == 1.0);

  nn::Adam adam({&good, &bad});
  const std::string adam_message = error_message([&] { adam.step(); });
  BOOST_TEST(contains(adam_message, "Adam::step"), adam_message);
  BOOST_TEST(contains(adam_message, "got [1, 2] and [2, 1]"), adam_message);
  BOOST_TEST(good.value(0, 0) == 1.0);
  BOOST_TEST(adam.step_count() == 0U);
}

BOOST_AUTO_TEST_CASE(restored_state_shape_mismatch) {
  Parameter w = start_parameter();
  nn::Sgd optimizer({&w}, {.learning_rate = 0.1, .momentum = 0.9});
  optimizer.velocities()[0] = Matrix{{0.0}};
  w.gradient = first_gradient;

  const std::string message = error_message([&] { optimizer.step(); });
  BOOST_TEST(contains(message, "velocity"), message);
  BOOST_TEST(contains(message, "got [1, 2] and [1, 1]"), message);
}

BOOST_AUTO_TEST_SUITE_END()
