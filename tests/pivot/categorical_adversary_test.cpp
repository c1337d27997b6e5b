#define BOOST_TEST_MODULE pivot_categorical_adversary
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "autodiff/gradient_check.hpp"
#include "autodiff/tape.hpp"
#include "nn/optimizers/sgd.hpp"
#include "pivot/categorical_adversary.hpp"
#include "pivot/metrics.hpp"
#include "tolerances.hpp"

#include "adversary_checks.hpp"

namespace tt = boost::test_tools;
using autodiff::Matrix;
using autodiff::Tape;
using autodiff::Variable;

using namespace adversary_checks;

namespace {

// Smooth activations, so that central differences never straddle a ReLU kink.
pivot::CategoricalOptions small_classifier(std::size_t classes, std::size_t inputs = 1) {
  pivot::CategoricalOptions options;
  options.classes = classes;
  options.hidden = {{6, nn::ActivationKind::tanh}, {5, nn::ActivationKind::tanh}};
  options.inputs = inputs;
  return options;
}

const Matrix scores{{0.1}, {0.45}, {0.8}, {0.97}, {0.3}};
const Matrix z{{0.0}, {2.0}, {1.0}, {1.0}, {0.0}};  // classes 0, 1, 2
const Matrix y{{0.0}, {1.0}, {1.0}, {0.0}, {0.0}};
const Matrix unit_weights{{1.0}, {1.0}, {1.0}, {1.0}, {1.0}};
const Matrix sample_weights{{0.5}, {2.0}, {0.0}, {1.5}, {1.0}};

}  // namespace

BOOST_AUTO_TEST_SUITE(categorical_adversary)

BOOST_AUTO_TEST_CASE(score_gradient) {
  nn::Rng rng(21);
  pivot::CategoricalAdversary adversary(small_classifier(3), rng);
  for (const Matrix* weights : {&unit_weights, &sample_weights}) {
    check_score_gradient(adversary, scores, {z, y, *weights});
  }
}

BOOST_AUTO_TEST_CASE(parameter_gradient) {
  nn::Rng rng(22);
  pivot::CategoricalAdversary adversary(small_classifier(3), rng);
  for (const Matrix* weights : {&unit_weights, &sample_weights}) {
    check_parameter_gradients(adversary, scores, {z, y, *weights});
  }
}

BOOST_AUTO_TEST_CASE(default_network_gradient) {
  // The default network, 3 hidden ReLU layers of 64; with this seed no
  // pre-activation lies within h of the kink, so central differences apply.
  nn::Rng rng(23);
  pivot::CategoricalAdversary adversary(pivot::CategoricalOptions{}, rng);
  const Matrix binary_z{{0.0}, {1.0}, {1.0}, {0.0}, {1.0}};
  check_score_gradient(adversary, scores, {binary_z, y, sample_weights});
  check_parameter_gradients(adversary, scores, {binary_z, y, sample_weights});
}

BOOST_AUTO_TEST_CASE(weighted_loss_is_weighted_mean) {
  // Per-sample loss by hand from the logits a: l_i = log sum_k e^(a_ik) - a_(i, z_i),
  // reduced as sum_i w_i l_i / sum_i w_i (row 2 has weight 0).
  nn::Rng rng(24);
  pivot::CategoricalAdversary adversary(small_classifier(3), rng);
  Tape tape;
  const Variable input = tape.constant(scores);
  const Matrix logits = adversary.logits(input).value();
  const double loss = adversary.loss(input, {z, y, sample_weights}).value()(0, 0);

  double weighted_sum = 0.0;
  double weight_total = 0.0;
  for (std::size_t i = 0; i < 5; ++i) {
    double normalizer = 0.0;
    for (std::size_t k = 0; k < 3; ++k) {
      normalizer += std::exp(logits(i, k));
    }
    const double nll = std::log(normalizer) - logits(i, static_cast<std::size_t>(z(i, 0)));
    weighted_sum += sample_weights(i, 0) * nll;
    weight_total += sample_weights(i, 0);
  }
  BOOST_TEST(loss == weighted_sum / weight_total, tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(weighted_loss_from_single_rows) {
  // The same reduction through a second route: the loss of each row on its
  // own, then the weighted mean of those losses.
  nn::Rng rng(25);
  pivot::CategoricalAdversary adversary(small_classifier(3), rng);
  Tape tape;
  const double loss = adversary.loss(tape.constant(scores), {z, y, sample_weights}).value()(0, 0);

  double weighted_sum = 0.0;
  double weight_total = 0.0;
  for (std::size_t i = 0; i < 5; ++i) {
    const Matrix row_score{{scores(i, 0)}};
    const Matrix row_z{{z(i, 0)}};
    const Matrix row_y{{y(i, 0)}};
    const Matrix row_weight{{1.0}};
    const double row_loss =
        adversary.loss(tape.constant(row_score), {row_z, row_y, row_weight}).value()(0, 0);
    weighted_sum += sample_weights(i, 0) * row_loss;
    weight_total += sample_weights(i, 0);
  }
  BOOST_TEST(loss == weighted_sum / weight_total, tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(perfect_information_by_hand) {
  // One Dense layer with weights (-50, 50) and biases (25, -25) gives the
  // logits (25 - 50 s, 50 s - 25): (25, -25) at s = 0 and (-25, 25) at s = 1.
  // With z = s each sample's loss is log(1 + e^-50), so L_r is that value,
  // about 2e-22, far below H(Z) = log 2.
  nn::Rng rng(26);
  pivot::CategoricalOptions options;
  options.hidden = {};
  pivot::CategoricalAdversary adversary(options, rng);
  const autodiff::ParameterList parameters = adversary.parameters();
  BOOST_TEST_REQUIRE(parameters.size() == 2u);
  parameters[0]->value = Matrix{{-50.0, 50.0}};  // [inputs, classes]
  parameters[1]->value = Matrix{{25.0, -25.0}};  // [1, classes]

  const Matrix exact_scores{{0.0}, {1.0}, {1.0}, {0.0}};
  const Matrix exact_z = exact_scores;
  const Matrix labels{{0.0}, {0.0}, {1.0}, {1.0}};
  const Matrix weights{{1.0}, {1.0}, {1.0}, {1.0}};
  Tape tape;
  const double loss =
      adversary.loss(tape.constant(exact_scores), {exact_z, labels, weights}).value()(0, 0);
  BOOST_TEST(loss == std::log1p(std::exp(-50.0)), tt::tolerance(1e-6));
  BOOST_TEST(loss < 1e-20);
}

BOOST_AUTO_TEST_CASE(perfect_information_learned) {
  // When the score is z itself, SGD drives L_r towards 0.
  nn::Rng rng(27);
  pivot::CategoricalAdversary adversary(small_classifier(2), rng);
  Matrix exact_scores(autodiff::Shape{32, 1});
  for (std::size_t i = 0; i < 32; ++i) {
    exact_scores(i, 0) = static_cast<double>(i % 2);
  }
  const Matrix exact_z = exact_scores;
  const Matrix labels(autodiff::Shape{32, 1}, 0.0);
  const Matrix weights(autodiff::Shape{32, 1}, 1.0);
  const pivot::AdversaryBatch batch{exact_z, labels, weights};

  nn::Sgd optimizer(adversary.parameters(), {0.5});
  double initial = 0.0;
  double loss = 0.0;
  for (int step = 0; step < 300; ++step) {
    Tape tape;
    const Variable value = adversary.loss(tape.constant(exact_scores), batch);
    tape.backward(value, adversary.parameters());
    optimizer.step();
    loss = value.value()(0, 0);
    if (step == 0) {
      initial = loss;
    }
  }
  BOOST_TEST(loss < 0.02);
  BOOST_TEST(loss < initial / 10.0);
}

BOOST_AUTO_TEST_CASE(no_information_reaches_entropy) {
  // With one constant score the network predicts one distribution q for every
  // sample, so L_r = -sum_k p_k log q_k >= H(Z) (Gibbs' inequality), with
  // equality at q = p. Training therefore approaches H(Z) from above; here
  // p = (0.75, 0.25) by weight.
  nn::Rng rng(28);
  pivot::CategoricalAdversary adversary(small_classifier(2), rng);
  const Matrix constant_scores(autodiff::Shape{8, 1}, 0.5);
  const Matrix nuisance{{0.0}, {0.0}, {0.0}, {1.0}, {0.0}, {0.0}, {1.0}, {1.0}};
  const Matrix labels(autodiff::Shape{8, 1}, 0.0);
  const Matrix weights{{1.0}, {1.0}, {2.0}, {1.0}, {1.0}, {1.0}, {0.5}, {0.5}};
  const double entropy =
      pivot::categorical_entropy(pivot::column_span(nuisance), pivot::column_span(weights), 2);
  const pivot::AdversaryBatch batch{nuisance, labels, weights};

  nn::Sgd optimizer(adversary.parameters(), {0.2});
  double loss = 0.0;
  for (int step = 0; step < 400; ++step) {
    Tape tape;
    const Variable value = adversary.loss(tape.constant(constant_scores), batch);
    loss = value.value()(0, 0);
    BOOST_TEST_REQUIRE(loss >= entropy - 1e-12);
    tape.backward(value, adversary.parameters());
    optimizer.step();
  }
  BOOST_TEST(loss - entropy < 1e-3);
}

BOOST_AUTO_TEST_CASE(rejects_bad_class_index) {
  nn::Rng rng(29);
  pivot::CategoricalAdversary adversary(small_classifier(2), rng);
  const Matrix two_scores{{0.2}, {0.7}};
  const Matrix labels{{0.0}, {1.0}};
  const Matrix weights{{1.0}, {1.0}};
  Tape tape;
  const Variable input = tape.constant(two_scores);

  const Matrix out_of_range{{0.0}, {2.0}};
  const std::string message = error_message([&] {
    adversary.loss(input, {out_of_range, labels, weights});
  });
  BOOST_TEST(contains(message, "CategoricalAdversary"), message);
  BOOST_TEST(contains(message, "row 1"), message);
  BOOST_TEST(contains(message, "is 2,"), message);
  BOOST_TEST(contains(message, "[0, 2)"), message);

  for (const double bad : {0.5, -1.0, std::numeric_limits<double>::quiet_NaN()}) {
    const Matrix bad_z{{bad}, {1.0}};
    const std::string bad_message = error_message([&] {
      adversary.loss(input, {bad_z, labels, weights});
    });
    BOOST_TEST(contains(bad_message, "row 0"), bad_message);
  }
}

BOOST_AUTO_TEST_CASE(rejects_bad_shapes) {
  nn::Rng rng(30);
  pivot::CategoricalAdversary adversary(small_classifier(3), rng);
  Tape tape;

  const Matrix wide{{0.1, 0.0}, {0.45, 1.0}, {0.8, 1.0}, {0.97, 0.0}, {0.3, 0.0}};
  const std::string wide_message = error_message([&] {
    adversary.loss(tape.constant(wide), {z, y, unit_weights});
  });
  BOOST_TEST(contains(wide_message, "[batch, 1]"), wide_message);
  BOOST_TEST(contains(wide_message, "[5, 2]"), wide_message);

  const Matrix short_z{{0.0}, {1.0}};
  const std::string z_message = error_message([&] {
    adversary.loss(tape.constant(scores), {short_z, y, unit_weights});
  });
  BOOST_TEST(contains(z_message, "[5, 1]"), z_message);
  BOOST_TEST(contains(z_message, "[2, 1]"), z_message);

  const Matrix short_weights{{1.0}, {1.0}};
  const std::string weight_message = error_message([&] {
    adversary.loss(tape.constant(scores), {z, y, short_weights});
  });
  BOOST_TEST(contains(weight_message, "[2, 1]"), weight_message);
}

BOOST_AUTO_TEST_CASE(rejects_bad_options) {
  nn::Rng rng(31);
  for (const std::size_t classes : {std::size_t{0}, std::size_t{1}}) {
    const std::string message =
        error_message([&] { pivot::CategoricalAdversary(small_classifier(classes), rng); });
    BOOST_TEST(contains(message, "classes must be at least 2"), message);
  }
  const std::string inputs_message =
      error_message([&] { pivot::CategoricalAdversary(small_classifier(2, 0), rng); });
  BOOST_TEST(contains(inputs_message, "inputs"), inputs_message);
}

BOOST_AUTO_TEST_CASE(two_inputs) {
  nn::Rng rng(32);
  pivot::CategoricalAdversary adversary(pivot::CategoricalOptions{.inputs = 2}, rng);
  BOOST_TEST(adversary.input_width() == 2u);
  BOOST_TEST(adversary.classes() == 2u);

  Tape tape;
  const Matrix with_labels{{0.1, 0.0}, {0.45, 1.0}};
  const Variable logits = adversary.logits(tape.constant(with_labels));
  BOOST_TEST(logits.shape()[0] == 2u);
  BOOST_TEST(logits.shape()[1] == 2u);
  BOOST_TEST(contains(adversary.describe(), "2 classes"), adversary.describe());
}

BOOST_AUTO_TEST_CASE(entropy_values) {
  const std::vector<double> balanced{0.0, 1.0, 1.0, 0.0};
  BOOST_TEST(pivot::categorical_entropy(balanced, {}, 2) == std::log(2.0),
             tt::tolerance(test_tolerance::exact_fraction));

  // p = (0.75, 0.25): H = -(0.75 log 0.75 + 0.25 log 0.25) = 0.5623351446188083.
  const std::vector<double> skewed{0.0, 0.0, 0.0, 1.0};
  BOOST_TEST(pivot::categorical_entropy(skewed, {}, 2) == 0.5623351446188083,
             tt::tolerance(test_tolerance::exact_fraction));

  // Weights (1, 1, 2) on classes (0, 0, 1) give p = (0.5, 0.5): H = log 2.
  const std::vector<double> weighted_z{0.0, 0.0, 1.0};
  const std::vector<double> weights{1.0, 1.0, 2.0};
  BOOST_TEST(pivot::categorical_entropy(weighted_z, weights, 2) == std::log(2.0),
             tt::tolerance(test_tolerance::exact_fraction));

  // An empty class adds 0 log 0 = 0: three classes, two used equally, H = log 2.
  BOOST_TEST(pivot::categorical_entropy(balanced, {}, 3) == std::log(2.0),
             tt::tolerance(test_tolerance::exact_fraction));

  // One class only: H = 0.
  const std::vector<double> single{1.0, 1.0};
  BOOST_TEST(pivot::categorical_entropy(single, {}, 2) == 0.0);
}

BOOST_AUTO_TEST_CASE(entropy_rejects_bad_input) {
  const std::vector<double> values{0.0, 1.0};
  const std::vector<double> out_of_range{0.0, 3.0};
  const std::vector<double> wrong_size{1.0};
  const std::vector<double> negative{1.0, -1.0};
  const std::vector<double> zeros{0.0, 0.0};

  BOOST_TEST(contains(error_message([&] { pivot::categorical_entropy({}, {}, 2); }), "empty"));
  BOOST_TEST(
      contains(error_message([&] { pivot::categorical_entropy(values, {}, 0); }), "classes is 0"));
  const std::string range_message =
      error_message([&] { pivot::categorical_entropy(out_of_range, {}, 2); });
  BOOST_TEST(contains(range_message, "z[1] is 3"), range_message);
  BOOST_TEST(contains(error_message([&] { pivot::categorical_entropy(values, wrong_size, 2); }),
                      "same size"));
  BOOST_TEST(contains(error_message([&] { pivot::categorical_entropy(values, negative, 2); }),
                      "weights[1]"));
  BOOST_TEST(
      contains(error_message([&] { pivot::categorical_entropy(values, zeros, 2); }), "sum to 0"));
}

BOOST_AUTO_TEST_SUITE_END()
