#define BOOST_TEST_MODULE pivot_conditional_adversary
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "autodiff/gradient_check.hpp"
#include "autodiff/tape.hpp"
#include "nn/data/dataset.hpp"
#include "nn/layers/sequential.hpp"
#include "pivot/categorical_adversary.hpp"
#include "pivot/classifier.hpp"
#include "pivot/conditional_adversary.hpp"
#include "pivot/mixture_density_adversary.hpp"
#include "pivot/trainer.hpp"
#include "tolerances.hpp"

#include "adversary_checks.hpp"

namespace tt = boost::test_tools;
using autodiff::Matrix;
using autodiff::Tape;
using autodiff::Variable;

using namespace adversary_checks;

namespace {

// Smooth activations, so that central differences never straddle a ReLU kink.
const std::vector<nn::HiddenLayer> smooth_hidden = {{6, nn::ActivationKind::tanh},
                                                    {5, nn::ActivationKind::tanh}};

std::unique_ptr<pivot::Adversary> conditional_categorical(nn::Rng& rng) {
  return std::make_unique<pivot::ClassConditionalAdversary>(
      std::make_unique<pivot::CategoricalAdversary>(
          pivot::CategoricalOptions{.classes = 2, .hidden = smooth_hidden, .inputs = 2}, rng));
}

std::unique_ptr<pivot::Adversary> conditional_mixture(nn::Rng& rng) {
  return std::make_unique<pivot::ClassConditionalAdversary>(
      std::make_unique<pivot::MixtureDensityAdversary>(
          pivot::MixtureDensityOptions{.components = 3, .hidden = smooth_hidden, .inputs = 2},
          rng));
}

// A batch for each inner adversary: class indices for the categorical one,
// continuous values for the mixture density one.
const Matrix scores{{0.1}, {0.45}, {0.8}, {0.97}, {0.3}};
const Matrix y{{0.0}, {1.0}, {1.0}, {0.0}, {1.0}};
const Matrix flipped_y{{1.0}, {0.0}, {0.0}, {1.0}, {0.0}};
const Matrix class_z{{0.0}, {1.0}, {1.0}, {0.0}, {1.0}};
const Matrix continuous_z{{0.3}, {-1.2}, {2.0}, {0.0}, {0.7}};
const Matrix unit_weights{{1.0}, {1.0}, {1.0}, {1.0}, {1.0}};
const Matrix sample_weights{{0.5}, {2.0}, {0.0}, {1.5}, {1.0}};

}  // namespace

BOOST_AUTO_TEST_SUITE(conditional_adversary)

BOOST_AUTO_TEST_CASE(categorical_gradients) {
  nn::Rng rng(41);
  const auto adversary = conditional_categorical(rng);
  for (const Matrix* weights : {&unit_weights, &sample_weights}) {
    check_score_gradient(*adversary, scores, {class_z, y, *weights});
    check_parameter_gradients(*adversary, scores, {class_z, y, *weights});
  }
}

BOOST_AUTO_TEST_CASE(mixture_gradients) {
  nn::Rng rng(42);
  const auto adversary = conditional_mixture(rng);
  for (const Matrix* weights : {&unit_weights, &sample_weights}) {
    check_score_gradient(*adversary, scores, {continuous_z, y, *weights});
    check_parameter_gradients(*adversary, scores, {continuous_z, y, *weights});
  }
}

BOOST_AUTO_TEST_CASE(loss_is_inner_loss_on_score_and_label) {
  // The wrapper's loss is the inner adversary's loss on the columns [s, y].
  nn::Rng rng(43);
  auto inner = std::make_unique<pivot::CategoricalAdversary>(
      pivot::CategoricalOptions{.hidden = smooth_hidden, .inputs = 2}, rng);
  pivot::CategoricalAdversary& inner_view = *inner;
  pivot::ClassConditionalAdversary adversary(std::move(inner));

  Matrix columns(autodiff::Shape{5, 2});
  for (std::size_t i = 0; i < 5; ++i) {
    columns(i, 0) = scores(i, 0);
    columns(i, 1) = y(i, 0);
  }
  Tape tape;
  const double wrapped =
      adversary.loss(tape.constant(scores), {class_z, y, sample_weights}).value()(0, 0);
  const double direct =
      inner_view.loss(tape.constant(columns), {class_z, y, sample_weights}).value()(0, 0);
  BOOST_TEST(wrapped == direct, tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(label_reaches_network) {
  nn::Rng rng(44);
  const auto categorical = conditional_categorical(rng);
  const auto mixture = conditional_mixture(rng);
  const std::vector<std::pair<pivot::Adversary*, const Matrix*>> cases = {
      {categorical.get(), &class_z}, {mixture.get(), &continuous_z}};

  for (const auto& [adversary, z] : cases) {
    Tape tape;
    const Variable input = tape.constant(scores);
    const double loss = adversary->loss(input, {*z, y, unit_weights}).value()(0, 0);
    const double flipped_loss = adversary->loss(input, {*z, flipped_y, unit_weights}).value()(0, 0);
    BOOST_TEST(std::abs(loss - flipped_loss) > 1e-6, adversary->describe()
                                                         << ": " << loss << " vs " << flipped_loss);
  }
}

BOOST_AUTO_TEST_CASE(score_gradient_is_first_column) {
  // The score receives the gradient of the inner loss with respect to the
  // first input column. The label column's gradient goes nowhere, because
  // the label is a tape constant.
  nn::Rng rng(45);
  auto inner = std::make_unique<pivot::CategoricalAdversary>(
      pivot::CategoricalOptions{.hidden = smooth_hidden, .inputs = 2}, rng);
  pivot::CategoricalAdversary& inner_view = *inner;
  pivot::ClassConditionalAdversary adversary(std::move(inner));

  Tape tape;
  const Variable input = tape.variable(scores);
  tape.backward(adversary.loss(input, {class_z, y, sample_weights}), {input});

  Matrix columns(autodiff::Shape{5, 2});
  for (std::size_t i = 0; i < 5; ++i) {
    columns(i, 0) = scores(i, 0);
    columns(i, 1) = y(i, 0);
  }
  Tape inner_tape;
  const Variable inner_input = inner_tape.variable(columns);
  inner_tape.backward(inner_view.loss(inner_input, {class_z, y, sample_weights}), {inner_input});

  for (std::size_t i = 0; i < 5; ++i) {
    BOOST_TEST(input.gradient()(i, 0) == inner_input.gradient()(i, 0),
               tt::tolerance(test_tolerance::exact_fraction));
  }
}

BOOST_AUTO_TEST_CASE(zero_weight_removes_sample) {
  // Row 2 has weight 0: the loss equals the loss on the other four rows, and
  // the score of row 2 gets no gradient.
  nn::Rng rng(46);
  const auto categorical = conditional_categorical(rng);
  const auto mixture = conditional_mixture(rng);
  const std::vector<std::pair<pivot::Adversary*, const Matrix*>> cases = {
      {categorical.get(), &class_z}, {mixture.get(), &continuous_z}};

  const std::vector<std::size_t> kept_rows = {0, 1, 3, 4};
  const auto keep_rows = [&](const Matrix& column) {
    Matrix result(autodiff::Shape{kept_rows.size(), 1});
    for (std::size_t k = 0; k < kept_rows.size(); ++k) {
      result(k, 0) = column(kept_rows[k], 0);
    }
    return result;
  };
  for (const auto& [adversary, z] : cases) {
    Tape tape;
    const Variable input = tape.variable(scores);
    const Variable loss = adversary->loss(input, {*z, y, sample_weights});
    tape.backward(loss, {input});
    BOOST_TEST(input.gradient()(2, 0) == 0.0, adversary->describe());

    const Matrix kept_z = keep_rows(*z);
    const Matrix kept_y = keep_rows(y);
    const Matrix kept_weights = keep_rows(sample_weights);
    const double kept_loss =
        adversary->loss(tape.constant(keep_rows(scores)), {kept_z, kept_y, kept_weights})
            .value()(0, 0);
    BOOST_TEST(loss.value()(0, 0) == kept_loss, tt::tolerance(test_tolerance::exact_fraction));
  }
}

BOOST_AUTO_TEST_CASE(mask_restricts_to_class) {
  // Mode (a): PivotTrainer's mask keeps the Y = 0 samples only, so its L_r is
  // the adversary's loss on the background rows alone.
  nn::Rng rng(47);
  const std::size_t count = 40;
  Matrix X(autodiff::Shape{count, 2});
  Matrix labels(autodiff::Shape{count, 1});
  Matrix nuisance(autodiff::Shape{count, 1});
  Matrix weights(autodiff::Shape{count, 1});
  for (std::size_t i = 0; i < count; ++i) {
    labels(i, 0) = static_cast<double>(i % 3 == 0);
    nuisance(i, 0) = static_cast<double>(i % 2);
    X(i, 0) = labels(i, 0) + rng.normal();
    X(i, 1) = nuisance(i, 0) + rng.normal();
    weights(i, 0) = 0.5 + rng.uniform(0.0, 1.0);
  }
  const nn::Dataset data = nn::make_dataset(X, labels, nuisance, weights);

  pivot::Classifier classifier(nn::make_mlp(2, {{4, nn::ActivationKind::tanh}}, 1,
                                            nn::ActivationKind::identity, rng, "classifier"));
  pivot::CategoricalAdversary adversary(
      pivot::CategoricalOptions{.classes = 2, .hidden = smooth_hidden}, rng);
  pivot::PivotTrainer trainer(classifier, adversary, rng);
  trainer.set_adversary_mask([](double label) { return label == 0.0 ? 1.0 : 0.0; });
  const double masked = trainer.evaluate(data, 1.0).L_r;

  const nn::Dataset background =
      nn::select_rows_where(data, [&](std::size_t i) { return data.y(i, 0) == 0.0; });
  BOOST_TEST_REQUIRE(background.size() < data.size());
  const Matrix background_scores = classifier.predict(background.X);
  Tape tape;
  const double direct =
      adversary
          .loss(tape.constant(background_scores), {background.z, background.y, background.weights})
          .value()(0, 0);
  BOOST_TEST(masked == direct, tt::tolerance(test_tolerance::exact_fraction));

  // Without the mask the signal rows count too, and the loss differs.
  trainer.set_adversary_mask({});
  BOOST_TEST(std::abs(trainer.evaluate(data, 1.0).L_r - direct) > 1e-9);
}

BOOST_AUTO_TEST_CASE(works_in_trainer) {
  // Mode (b) through PivotTrainer::evaluate, which passes the batch's y.
  nn::Rng rng(48);
  const std::size_t count = 24;
  Matrix X(autodiff::Shape{count, 2});
  Matrix labels(autodiff::Shape{count, 1});
  Matrix nuisance(autodiff::Shape{count, 1});
  for (std::size_t i = 0; i < count; ++i) {
    labels(i, 0) = static_cast<double>(i % 2);
    nuisance(i, 0) = static_cast<double>((i / 2) % 2);
    X(i, 0) = labels(i, 0) + rng.normal();
    X(i, 1) = rng.normal();
  }
  const nn::Dataset data = nn::make_dataset(X, labels, nuisance);

  pivot::Classifier classifier(nn::make_mlp(2, {{4, nn::ActivationKind::tanh}}, 1,
                                            nn::ActivationKind::identity, rng, "classifier"));
  const auto adversary = conditional_categorical(rng);
  pivot::PivotTrainer trainer(classifier, *adversary, rng);
  const double evaluated = trainer.evaluate(data, 1.0).L_r;

  const Matrix data_scores = classifier.predict(data.X);
  Tape tape;
  const double direct =
      adversary->loss(tape.constant(data_scores), {data.z, data.y, data.weights}).value()(0, 0);
  BOOST_TEST(evaluated == direct, tt::tolerance(test_tolerance::exact_fraction));
}

BOOST_AUTO_TEST_CASE(rejects_inner_of_wrong_width) {
  nn::Rng rng(49);
  const std::string categorical_message = error_message([&] {
    pivot::ClassConditionalAdversary(
        std::make_unique<pivot::CategoricalAdversary>(pivot::CategoricalOptions{}, rng));
  });
  BOOST_TEST(contains(categorical_message, "takes 1 input column(s)"), categorical_message);
  BOOST_TEST(contains(categorical_message, "inputs = 2"), categorical_message);

  const std::string mixture_message = error_message([&] {
    pivot::ClassConditionalAdversary(std::make_unique<pivot::MixtureDensityAdversary>(
        pivot::MixtureDensityOptions{.inputs = 3}, rng));
  });
  BOOST_TEST(contains(mixture_message, "takes 3 input column(s)"), mixture_message);

  const std::string null_message =
      error_message([&] { pivot::ClassConditionalAdversary(nullptr); });
  BOOST_TEST(contains(null_message, "null"), null_message);
}

BOOST_AUTO_TEST_CASE(rejects_bad_shapes) {
  nn::Rng rng(50);
  const auto adversary = conditional_categorical(rng);
  Tape tape;

  const Matrix wide{{0.1, 0.0}, {0.45, 1.0}, {0.8, 1.0}, {0.97, 0.0}, {0.3, 1.0}};
  const std::string wide_message = error_message([&] {
    adversary->loss(tape.constant(wide), {class_z, y, unit_weights});
  });
  BOOST_TEST(contains(wide_message, "ClassConditionalAdversary"), wide_message);
  BOOST_TEST(contains(wide_message, "[5, 2]"), wide_message);

  const Matrix short_y{{0.0}, {1.0}};
  const std::string label_message = error_message([&] {
    adversary->loss(tape.constant(scores), {class_z, short_y, unit_weights});
  });
  BOOST_TEST(contains(label_message, "y must be [batch, 1]"), label_message);
  BOOST_TEST(contains(label_message, "[5, 1]"), label_message);
  BOOST_TEST(contains(label_message, "[2, 1]"), label_message);
}

BOOST_AUTO_TEST_CASE(wrapper_interface) {
  nn::Rng rng(51);
  auto inner = std::make_unique<pivot::MixtureDensityAdversary>(
      pivot::MixtureDensityOptions{.components = 2, .hidden = smooth_hidden, .inputs = 2}, rng);
  const autodiff::ParameterList inner_parameters = inner->parameters();
  pivot::ClassConditionalAdversary adversary(std::move(inner));

  BOOST_TEST(adversary.input_width() == 1u);
  BOOST_TEST(adversary.parameters() == inner_parameters);
  BOOST_TEST(contains(adversary.describe(), "class-conditional"), adversary.describe());
  BOOST_TEST(contains(adversary.describe(), "mixture density"), adversary.describe());
}

BOOST_AUTO_TEST_SUITE_END()
