#define BOOST_TEST_MODULE pivot_trainer
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "autodiff/ops/arithmetic.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/reductions.hpp"
#include "autodiff/ops/structure.hpp"
#include "nn/layers/sequential.hpp"
#include "nn/losses.hpp"
#include "nn/optimizers/sgd.hpp"
#include "pivot/mixture_density_adversary.hpp"
#include "pivot/trainer.hpp"
#include "tolerances.hpp"

namespace {

using autodiff::Matrix;
using autodiff::Variable;

// A small data set where z shifts the second feature of class 1, as in the
// toy problem, drawn from `rng`.
nn::Dataset make_data(std::size_t count, nn::Rng& rng) {
  Matrix X({count, std::size_t{2}});
  Matrix y({count, std::size_t{1}});
  Matrix z({count, std::size_t{1}});
  for (std::size_t i = 0; i < count; ++i) {
    y(i, 0) = static_cast<double>(i % 2);
    z(i, 0) = rng.normal();
    X(i, 0) = y(i, 0) + rng.normal();
    X(i, 1) = y(i, 0) * (1.0 + z(i, 0)) + rng.normal();
  }
  return nn::make_dataset(X, y, z);
}

pivot::Classifier make_classifier(nn::Rng& rng) {
  return pivot::Classifier(nn::make_mlp(
      2, {{8, nn::ActivationKind::tanh}, {8, nn::ActivationKind::relu}}, 1,
      nn::ActivationKind::identity, rng, "classifier"));
}

pivot::MixtureDensityOptions small_mixture() {
  pivot::MixtureDensityOptions options;
  options.components = 3;
  options.hidden = {{8, nn::ActivationKind::relu}};
  return options;
}

std::vector<Matrix> copy_values(const autodiff::ParameterList& parameters) {
  std::vector<Matrix> values;
  for (const auto* parameter : parameters) {
    values.push_back(parameter->value);
  }
  return values;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool values_equal(const autodiff::ParameterList& parameters, const std::vector<Matrix>& values) {
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    if (parameters[k]->value != values[k]) {
      return false;
    }
  }
  return true;
}

// Counts the steps it takes, then applies plain SGD.
class CountingSgd : public nn::Sgd {
 public:
  using nn::Sgd::Sgd;
  void step() override {
    ++steps;
    nn::Sgd::step();
  }
  std::size_t steps = 0;
};

// The objects that most cases share: a classifier and a small mixture
// density adversary drawn from `rng` in that order, the trainer that plays
// them with the same generator, and one Optimizer with `options` for each
// player. Cases draw their data from `rng` before building this.
template <typename Optimizer>
struct TrainingSetup {
  explicit TrainingSetup(nn::Rng& rng, nn::SgdOptions options = {})
      : classifier(make_classifier(rng)),
        adversary(small_mixture(), rng),
        trainer(classifier, adversary, rng),
        classifier_optimizer(classifier.parameters(), options),
        adversary_optimizer(adversary.parameters(), options) {}

  pivot::Classifier classifier;
  pivot::MixtureDensityAdversary adversary;
  pivot::PivotTrainer trainer;
  Optimizer classifier_optimizer;
  Optimizer adversary_optimizer;
};

// A user-written adversary whose loss is NaN: the smallest adversary that
// implements the interface, used to check divergence detection.
class NanAdversary : public pivot::Adversary {
 public:
  NanAdversary() : weight_("nan.weight", Matrix{{1.0}}) {}
  Variable loss(Variable scores, const pivot::AdversaryBatch&) override {
    const Variable w = scores.tape().parameter(weight_);
    return autodiff::mean(scores * w) * std::numeric_limits<double>::quiet_NaN();
  }
  autodiff::ParameterList parameters() override { return {&weight_}; }
  std::string describe() const override { return "NaN adversary"; }

 private:
  autodiff::Parameter weight_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(pretraining_keeps_other_player_fixed) {
  nn::Rng rng(3);
  const nn::Dataset train = make_data(512, rng);
  TrainingSetup<nn::Sgd> setup(rng, {0.05});

  const auto adversary_before = copy_values(setup.adversary.parameters());
  setup.trainer.pretrain_classifier(train, {2, 32}, setup.classifier_optimizer);
  BOOST_TEST(values_equal(setup.adversary.parameters(), adversary_before));

  const auto classifier_before = copy_values(setup.classifier.parameters());
  setup.trainer.pretrain_adversary(train, {2, 32}, setup.adversary_optimizer);
  BOOST_TEST(values_equal(setup.classifier.parameters(), classifier_before));
  BOOST_TEST(!values_equal(setup.adversary.parameters(), adversary_before));
}

BOOST_AUTO_TEST_CASE(alternating_step_counts) {
  nn::Rng rng(4);
  const nn::Dataset train = make_data(256, rng);
  const nn::Dataset validation = make_data(128, rng);
  TrainingSetup<CountingSgd> setup(rng, {0.01});

  const auto history = setup.trainer.train_alternating(
      train, validation, {10.0, 3, 7, 64}, setup.classifier_optimizer, setup.adversary_optimizer);

  // T = 3 classifier steps, T * K = 21 adversary steps, one record per iteration.
  BOOST_TEST(setup.classifier_optimizer.steps == 3u);
  BOOST_TEST(setup.adversary_optimizer.steps == 21u);
  BOOST_TEST(history.size() == 3u);
  BOOST_TEST(history.back().iteration == 3u);
  const auto& last = history.back().validation;
  BOOST_TEST(last.value == last.L_f - 10.0 * last.L_r, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(adversarial_options_validated) {
  nn::Rng rng(5);
  const nn::Dataset train = make_data(64, rng);
  TrainingSetup<nn::Sgd> setup(rng);

  const pivot::AdversarialOptions bad_options[] = {
      {-1.0, 1, 1, 16}, {1.0, 0, 1, 16}, {1.0, 1, 0, 16}, {1.0, 1, 1, 0}, {1.0, 1, 1, 65}};
  for (const auto& options : bad_options) {
    BOOST_CHECK_THROW(
        setup.trainer.train_alternating(train, train, options, setup.classifier_optimizer,
                                        setup.adversary_optimizer),
        std::invalid_argument);
    BOOST_CHECK_THROW(
        setup.trainer.train_simultaneous(train, train, options, setup.classifier_optimizer,
                                         setup.adversary_optimizer),
        std::invalid_argument);
  }
  BOOST_CHECK_THROW(setup.trainer.pretrain_classifier(train, {0, 16}, setup.classifier_optimizer),
                    std::invalid_argument);
  BOOST_CHECK_THROW(setup.trainer.pretrain_adversary(train, {1, 65}, setup.adversary_optimizer),
                    std::invalid_argument);
}

// The message of the std::invalid_argument that `call` throws, or a marker
// that no check on the message can match when it throws nothing.
template <typename Call>
std::string invalid_argument_message(const Call& call) {
  try {
    call();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "<no std::invalid_argument thrown>";
}

BOOST_AUTO_TEST_CASE(lambda_message_shortest_form) {
  nn::Rng rng(5);
  const nn::Dataset train = make_data(64, rng);
  TrainingSetup<nn::Sgd> setup(rng);

  const std::string minus_one = invalid_argument_message([&] {
    setup.trainer.train_alternating(train, train, {-1.0, 1, 1, 16}, setup.classifier_optimizer,
                                    setup.adversary_optimizer);
  });
  BOOST_TEST(minus_one ==
             "adversarial training: lambda must be finite and >= 0, got -1; pass 0 to ignore the "
             "adversary or a weight such as 10");
  const std::string minus_tenth = invalid_argument_message([&] {
    setup.trainer.train_simultaneous(train, train, {-0.1, 1, 1, 16}, setup.classifier_optimizer,
                                     setup.adversary_optimizer);
  });
  BOOST_TEST(
      contains(minus_tenth, "adversarial training: lambda must be finite and >= 0, got -0.1;"),
      minus_tenth);
}

// first_iteration and first_epoch run from 1 (a fresh phase) to T + 1 or
// epochs + 1 (a phase resumed after its last unit, which runs nothing).
BOOST_AUTO_TEST_CASE(first_unit_range) {
  nn::Rng rng(13);
  const nn::Dataset train = make_data(64, rng);
  TrainingSetup<CountingSgd> setup(rng, {0.01});
  const pivot::AdversarialOptions adversarial{1.0, 2, 1, 16};
  const pivot::PretrainOptions pretraining{2, 16};

  for (const std::size_t first : {std::size_t{0}, std::size_t{4}}) {
    BOOST_TEST_CONTEXT("first unit " << first) {
      const std::string iteration_error = "first_iteration is " + std::to_string(first) +
                                          ", but it must be from 1 to T + 1 with T = 2";
      const std::string epoch_error = "first_epoch is " + std::to_string(first) +
                                      ", but it must be from 1 to epochs + 1 with epochs = 2";
      const std::string alternating = invalid_argument_message([&] {
        setup.trainer.train_alternating(train, train, adversarial, setup.classifier_optimizer,
                                        setup.adversary_optimizer, first);
      });
      BOOST_TEST(alternating == "adversarial training: " + iteration_error +
                                    "; pass 1 to start the phase, or the iteration after the "
                                    "last finished one to resume it");
      const std::string simultaneous = invalid_argument_message([&] {
        setup.trainer.train_simultaneous(train, train, adversarial, setup.classifier_optimizer,
                                         setup.adversary_optimizer, first);
      });
      BOOST_TEST(contains(simultaneous, "simultaneous training: " + iteration_error), simultaneous);
      const std::string classifier_pretraining = invalid_argument_message([&] {
        setup.trainer.pretrain_classifier(train, pretraining, setup.classifier_optimizer, first);
      });
      BOOST_TEST(contains(classifier_pretraining, "classifier pretraining: " + epoch_error),
                 classifier_pretraining);
      const std::string adversary_pretraining = invalid_argument_message([&] {
        setup.trainer.pretrain_adversary(train, pretraining, setup.adversary_optimizer, first);
      });
      BOOST_TEST(contains(adversary_pretraining, "adversary pretraining: " + epoch_error),
                 adversary_pretraining);
    }
  }
  BOOST_TEST(setup.classifier_optimizer.steps == 0U);
  BOOST_TEST(setup.adversary_optimizer.steps == 0U);

  // One past the last unit is a finished phase: no steps and no records.
  BOOST_TEST(setup.trainer
                 .train_alternating(train, train, adversarial, setup.classifier_optimizer,
                                    setup.adversary_optimizer, 3)
                 .empty());
  BOOST_TEST(setup.trainer
                 .train_simultaneous(train, train, adversarial, setup.classifier_optimizer,
                                     setup.adversary_optimizer, 3)
                 .empty());
  setup.trainer.pretrain_classifier(train, pretraining, setup.classifier_optimizer, 3);
  setup.trainer.pretrain_adversary(train, pretraining, setup.adversary_optimizer, 3);
  BOOST_TEST(setup.classifier_optimizer.steps == 0U);
  BOOST_TEST(setup.adversary_optimizer.steps == 0U);

  // The last unit itself still runs: one iteration of one adversary step.
  const auto history = setup.trainer.train_alternating(
      train, train, adversarial, setup.classifier_optimizer, setup.adversary_optimizer, 2);
  BOOST_TEST_REQUIRE(history.size() == 1U);
  BOOST_TEST(history[0].iteration == 2U);
  BOOST_TEST(setup.classifier_optimizer.steps == 1U);
  BOOST_TEST(setup.adversary_optimizer.steps == 1U);
}

namespace {

// Checks that both training loops reject `validation` before any training
// step, each with a message that contains the expected text.
void check_validation_rejected(nn::Rng& rng, const nn::Dataset& train,
                               const nn::Dataset& validation, const std::string& alternating_text,
                               const std::string& simultaneous_text) {
  TrainingSetup<CountingSgd> setup(rng, {0.01});

  const std::string alternating = invalid_argument_message([&] {
    setup.trainer.train_alternating(train, validation, {1.0, 2, 1, 16},
                                    setup.classifier_optimizer, setup.adversary_optimizer);
  });
  BOOST_TEST(contains(alternating, alternating_text), alternating);
  const std::string simultaneous = invalid_argument_message([&] {
    setup.trainer.train_simultaneous(train, validation, {1.0, 2, 1, 16},
                                     setup.classifier_optimizer, setup.adversary_optimizer);
  });
  BOOST_TEST(contains(simultaneous, simultaneous_text), simultaneous);

  BOOST_TEST(setup.classifier_optimizer.steps == 0U);
  BOOST_TEST(setup.adversary_optimizer.steps == 0U);
}

}  // namespace

BOOST_AUTO_TEST_CASE(empty_validation_set_rejected) {
  nn::Rng rng(14);
  const nn::Dataset train = make_data(64, rng);
  const nn::Dataset empty = train.rows(std::vector<std::size_t>{});
  check_validation_rejected(rng, train, empty,
                            "adversarial training: the validation set is empty",
                            "simultaneous training: the validation set is empty");
}

BOOST_AUTO_TEST_CASE(zero_weight_validation_set_rejected) {
  nn::Rng rng(15);
  const nn::Dataset train = make_data(64, rng);
  nn::Dataset unweighted = make_data(32, rng);
  unweighted.weights.fill(0.0);
  check_validation_rejected(
      rng, train, unweighted,
      "adversarial training, validation set: the weights of the 32 rows sum to 0",
      "simultaneous training, validation set: the weights of the 32 rows sum to 0");
}

BOOST_AUTO_TEST_CASE(evaluate_rejects_bad_arguments) {
  nn::Rng rng(15);
  const nn::Dataset data = make_data(32, rng);
  TrainingSetup<nn::Sgd> setup(rng);

  const std::string nan_lambda = invalid_argument_message(
      [&] { setup.trainer.evaluate(data, std::numeric_limits<double>::quiet_NaN()); });
  BOOST_TEST(contains(nan_lambda, "evaluate: lambda must be finite and >= 0, got nan"), nan_lambda);
  const std::string negative_lambda =
      invalid_argument_message([&] { setup.trainer.evaluate(data, -2.5); });
  BOOST_TEST(contains(negative_lambda, "got -2.5;"), negative_lambda);
  const std::string infinite_lambda = invalid_argument_message(
      [&] { setup.trainer.evaluate(data, std::numeric_limits<double>::infinity()); });
  BOOST_TEST(contains(infinite_lambda, "got inf;"), infinite_lambda);

  const nn::Dataset empty = data.rows(std::vector<std::size_t>{});
  const std::string no_rows = invalid_argument_message([&] { setup.trainer.evaluate(empty, 1.0); });
  BOOST_TEST(contains(no_rows, "evaluate: the dataset is empty"), no_rows);

  nn::Dataset unweighted = data;
  unweighted.weights.fill(0.0);
  const std::string zero_weights =
      invalid_argument_message([&] { setup.trainer.evaluate(unweighted, 1.0); });
  BOOST_TEST(contains(zero_weights, "evaluate: the weights of the 32 rows sum to 0"), zero_weights);

  // Valid arguments give finite losses.
  const pivot::Losses losses = setup.trainer.evaluate(data, 0.0);
  BOOST_TEST(std::isfinite(losses.L_f));
  BOOST_TEST(std::isfinite(losses.value));
}

// The fields of nn::Dataset are public, so a dataset can be changed after
// make_dataset checked it. Before these checks, y with fewer rows than X made
// pretraining and evaluate read past the end of y, and NaN in X made
// evaluate return NaN.
BOOST_AUTO_TEST_CASE(entry_points_check_dataset) {
  nn::Rng rng(16);
  const nn::Dataset good = make_data(64, rng);
  TrainingSetup<CountingSgd> setup(rng, {0.01});

  struct Tampered {
    std::string name;
    nn::Dataset data;
    std::string detail;  // expected in the message after "<where>: "
  };
  std::vector<Tampered> cases;
  cases.push_back({"short y", good, "same number of rows, got 64, 3, 64 and 64"});
  cases.back().data.y = Matrix({3, 1}, 0.0);
  cases.push_back({"NaN in X", good, "X at row 5, column 1 is nan"});
  cases.back().data.X(5, 1) = std::numeric_limits<double>::quiet_NaN();
  cases.push_back({"label 2", good, "y at row 7 is 2"});
  cases.back().data.y(7, 0) = 2.0;
  cases.push_back({"infinite z", good, "z at row 0, column 0 is inf"});
  cases.back().data.z(0, 0) = std::numeric_limits<double>::infinity();
  cases.push_back({"negative weight", good, "the weight at row 9 is -1"});
  cases.back().data.weights(9, 0) = -1.0;

  const pivot::AdversarialOptions options{1.0, 2, 1, 16};
  for (const Tampered& bad : cases) {
    BOOST_TEST_CONTEXT(bad.name) {
      const std::vector<std::pair<std::string, std::string>> messages = {
          {"evaluate: ", invalid_argument_message([&] { setup.trainer.evaluate(bad.data, 1.0); })},
          {"classifier pretraining: ", invalid_argument_message([&] {
             setup.trainer.pretrain_classifier(bad.data, {1, 16}, setup.classifier_optimizer);
           })},
          {"adversary pretraining: ", invalid_argument_message([&] {
             setup.trainer.pretrain_adversary(bad.data, {1, 16}, setup.adversary_optimizer);
           })},
          {"adversarial training, training set: ", invalid_argument_message([&] {
             setup.trainer.train_alternating(bad.data, good, options, setup.classifier_optimizer,
                                             setup.adversary_optimizer);
           })},
          {"adversarial training, validation set: ", invalid_argument_message([&] {
             setup.trainer.train_alternating(good, bad.data, options, setup.classifier_optimizer,
                                             setup.adversary_optimizer);
           })},
          {"simultaneous training, training set: ", invalid_argument_message([&] {
             setup.trainer.train_simultaneous(bad.data, good, options, setup.classifier_optimizer,
                                              setup.adversary_optimizer);
           })},
          {"simultaneous training, validation set: ", invalid_argument_message([&] {
             setup.trainer.train_simultaneous(good, bad.data, options, setup.classifier_optimizer,
                                              setup.adversary_optimizer);
           })}};
      for (const auto& [where, message] : messages) {
        BOOST_TEST(message.rfind(where, 0) == 0U, "'" << message << "' starts with '" << where
                                                       << "'");
        BOOST_TEST(contains(message, bad.detail), message);
      }
    }
  }
  // The checks come before any training step.
  BOOST_TEST(setup.classifier_optimizer.steps == 0U);
  BOOST_TEST(setup.adversary_optimizer.steps == 0U);
}

BOOST_AUTO_TEST_CASE(non_finite_loss_stops_training) {
  nn::Rng rng(6);
  const nn::Dataset train = make_data(64, rng);
  pivot::Classifier classifier = make_classifier(rng);
  NanAdversary adversary;
  pivot::PivotTrainer trainer(classifier, adversary, rng);
  nn::Sgd adversary_optimizer(adversary.parameters());
  const auto before = copy_values(adversary.parameters());

  try {
    trainer.pretrain_adversary(train, {1, 16}, adversary_optimizer);
    BOOST_FAIL("pretrain_adversary accepted a NaN loss");
  } catch (const pivot::TrainingDiverged& error) {
    const std::string message = error.what();
    BOOST_TEST(message.find("adversary pretraining") != std::string::npos, message);
    BOOST_TEST(message.find("epoch 1, step 1") != std::string::npos, message);
    BOOST_TEST(message.find("player r") != std::string::npos, message);
  }
  // The failing step is not applied.
  BOOST_TEST(values_equal(adversary.parameters(), before));

  // The adversarial phase names the iteration and the adversary step.
  nn::Sgd classifier_optimizer(classifier.parameters());
  try {
    trainer.train_alternating(train, train, {1.0, 1, 1, 16}, classifier_optimizer,
                              adversary_optimizer);
    BOOST_FAIL("train_alternating accepted a NaN loss");
  } catch (const pivot::TrainingDiverged& error) {
    const std::string message = error.what();
    BOOST_TEST(message.rfind("adversarial training, iteration 1, adversary step 1, player r", 0) ==
                   0U,
               message);
  }
}

// One backward pass of L_f + L_r through a gradient reversal layer gives the
// classifier the gradient of L_f - lambda L_r and the adversary that of L_r.
BOOST_AUTO_TEST_CASE(gradient_reversal_matches_min_max_gradient) {
  nn::Rng rng(7);
  const nn::Dataset batch = make_data(32, rng);
  pivot::Classifier classifier = make_classifier(rng);
  pivot::MixtureDensityAdversary adversary(small_mixture(), rng);
  const double lambda = 3.5;
  const pivot::AdversaryBatch targets{batch.z, batch.y, batch.weights};
  const auto classifier_parameters = classifier.parameters();
  const auto adversary_parameters = adversary.parameters();

  autodiff::Tape explicit_tape;
  const Variable logits = classifier.logits(explicit_tape.constant(batch.X));
  const Variable classifier_loss = nn::binary_cross_entropy_with_logits(logits, batch.y);
  const Variable adversary_loss = adversary.loss(autodiff::sigmoid(logits), targets);
  explicit_tape.backward(classifier_loss - lambda * adversary_loss, classifier_parameters);
  const auto expected_classifier = [&] {
    std::vector<Matrix> gradients;
    for (const auto* p : classifier_parameters) gradients.push_back(p->gradient);
    return gradients;
  }();
  explicit_tape.backward(adversary_loss, adversary_parameters);
  std::vector<Matrix> expected_adversary;
  for (const auto* p : adversary_parameters) expected_adversary.push_back(p->gradient);

  autodiff::Tape reversal_tape;
  const Variable logits2 = classifier.logits(reversal_tape.constant(batch.X));
  const Variable total =
      nn::binary_cross_entropy_with_logits(logits2, batch.y) +
      adversary.loss(autodiff::reverse_gradient(autodiff::sigmoid(logits2), lambda), targets);
  autodiff::ParameterList all = classifier_parameters;
  all.insert(all.end(), adversary_parameters.begin(), adversary_parameters.end());
  reversal_tape.backward(total, all);

  for (std::size_t k = 0; k < classifier_parameters.size(); ++k) {
    BOOST_TEST_CONTEXT("classifier parameter " << classifier_parameters[k]->name) {
      BOOST_TEST(xt::allclose(classifier_parameters[k]->gradient, expected_classifier[k], 1e-12,
                              1e-14));
    }
  }
  for (std::size_t k = 0; k < adversary_parameters.size(); ++k) {
    BOOST_TEST_CONTEXT("adversary parameter " << adversary_parameters[k]->name) {
      BOOST_TEST(xt::allclose(adversary_parameters[k]->gradient, expected_adversary[k], 1e-12,
                              1e-14));
    }
  }
}

// evaluate() splits large sets into chunks; the weighted chunk means must
// combine to the loss of the whole set in one piece.
BOOST_AUTO_TEST_CASE(evaluate_chunks_match_whole_set) {
  nn::Rng rng(8);
  nn::Dataset data = make_data(20000, rng);
  for (std::size_t i = 0; i < data.size(); ++i) {
    data.weights(i, 0) = 0.5 + static_cast<double>(i % 3);
  }
  TrainingSetup<nn::Sgd> setup(rng);

  const pivot::Losses chunked = setup.trainer.evaluate(data, 2.0);

  autodiff::Tape tape;
  const Variable logits = setup.classifier.logits(tape.constant(data.X));
  const double L_f = nn::binary_cross_entropy_with_logits(logits, data.y, &data.weights)
                         .value()(0, 0);
  const double L_r =
      setup.adversary.loss(autodiff::sigmoid(logits), {data.z, data.y, data.weights}).value()(0, 0);
  BOOST_TEST(chunked.L_f == L_f, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(chunked.L_r == L_r, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(chunked.value == L_f - 2.0 * L_r, boost::test_tools::tolerance(1e-12));
}

// Whole chunks of weight 0 (the first 8192 rows here, four chunks of 2048)
// must be skipped, not passed to the weighted losses, which reject a total
// weight of 0.
BOOST_AUTO_TEST_CASE(evaluate_skips_zero_weight_chunk) {
  nn::Rng rng(10);
  nn::Dataset data = make_data(9000, rng);
  for (std::size_t i = 0; i < 8192; ++i) {
    data.weights(i, 0) = 0.0;
  }
  TrainingSetup<nn::Sgd> setup(rng);

  const pivot::Losses chunked = setup.trainer.evaluate(data, 1.0);

  std::vector<std::size_t> weighted(data.size() - 8192);
  std::iota(weighted.begin(), weighted.end(), std::size_t{8192});
  const nn::Dataset rest = data.rows(weighted);
  autodiff::Tape tape;
  const Variable logits = setup.classifier.logits(tape.constant(rest.X));
  const double L_f = nn::binary_cross_entropy_with_logits(logits, rest.y, &rest.weights)
                         .value()(0, 0);
  BOOST_TEST(chunked.L_f == L_f, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(adversary_mask_restricts_loss) {
  nn::Rng rng(9);
  const nn::Dataset data = make_data(400, rng);
  TrainingSetup<nn::Sgd> setup(rng);
  setup.trainer.set_adversary_mask([](double y) { return y == 0.0 ? 1.0 : 0.0; });

  const pivot::Losses masked = setup.trainer.evaluate(data, 1.0);

  const nn::Dataset background =
      nn::select_rows_where(data, [&](std::size_t i) { return data.y(i, 0) == 0.0; });
  autodiff::Tape tape;
  const Variable scores = setup.classifier.scores(tape.constant(background.X));
  const double expected =
      setup.adversary.loss(scores, {background.z, background.y, background.weights}).value()(0, 0);
  BOOST_TEST(masked.L_r == expected, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(progress_reports_every_epoch) {
  nn::Rng rng(10);
  const nn::Dataset train = make_data(128, rng);
  TrainingSetup<nn::Sgd> setup(rng);

  std::vector<pivot::Progress> reports;
  setup.trainer.set_progress_callback([&](const pivot::Progress& p) { reports.push_back(p); });
  setup.trainer.pretrain_classifier(train, {3, 32}, setup.classifier_optimizer);

  BOOST_TEST_REQUIRE(reports.size() == 3u);
  BOOST_TEST(reports[2].phase == "pretrain classifier");
  BOOST_TEST(reports[2].done == 3u);
  BOOST_TEST(reports[2].total == 3u);
  BOOST_TEST(std::isfinite(reports[2].loss));
}

BOOST_AUTO_TEST_CASE(same_seed_same_result) {
  auto train_once = [](std::uint64_t seed) {
    nn::Rng rng(seed);
    const nn::Dataset train = make_data(256, rng);
    TrainingSetup<nn::Sgd> setup(rng, {0.05});
    setup.trainer.pretrain_classifier(train, {1, 32}, setup.classifier_optimizer);
    setup.trainer.train_alternating(train, train, {5.0, 2, 3, 32}, setup.classifier_optimizer,
                                    setup.adversary_optimizer);
    return copy_values(setup.classifier.parameters());
  };

  const auto first = train_once(11);
  const auto second = train_once(11);
  const auto other = train_once(12);
  BOOST_TEST_REQUIRE(first.size() == second.size());
  for (std::size_t k = 0; k < first.size(); ++k) {
    BOOST_TEST(first[k] == second[k]);  // bit for bit
  }
  BOOST_TEST(first[0] != other[0]);
}

// The background thread moves gathers and f's forward passes, not their
// arithmetic. So pretraining and adversarial training give the same
// parameters and history bit for bit with and without it. The cases: K
// random minibatches, epochs with a short last minibatch, and an adversary
// mask. The validation set spans two evaluation chunks.
BOOST_AUTO_TEST_CASE(background_thread_same_bits) {
  struct Case {
    bool adversary_epoch;
    bool masked;
  };
  for (const Case& c : {Case{false, false}, Case{true, false}, Case{false, true}}) {
    auto train_once = [&c](bool background) {
      nn::Rng rng(21);
      const nn::Dataset train = make_data(3000, rng);
      const nn::Dataset validation = make_data(9000, rng);
      TrainingSetup<nn::Sgd> setup(rng, {0.05});
      setup.trainer.set_background_thread(background);
      if (c.masked) {
        setup.trainer.set_adversary_mask([](double y) { return y == 0.0 ? 1.0 : 0.0; });
      }
      setup.trainer.pretrain_classifier(train, {2, 100}, setup.classifier_optimizer);
      setup.trainer.pretrain_adversary(train, {2, 100}, setup.adversary_optimizer);
      pivot::AdversarialOptions options{5.0, 3, 40, 64};
      options.adversary_epoch = c.adversary_epoch;  // 3000 rows: 46 minibatches of 64, then 56

      const auto history = setup.trainer.train_alternating(
          train, validation, options, setup.classifier_optimizer, setup.adversary_optimizer);
      auto values = copy_values(setup.classifier.parameters());
      const auto adversary_values = copy_values(setup.adversary.parameters());
      values.insert(values.end(), adversary_values.begin(), adversary_values.end());
      return std::make_pair(history, values);
    };

    const auto [history_alone, values_alone] = train_once(false);
    const auto [history_background, values_background] = train_once(true);
    BOOST_TEST_REQUIRE(history_alone.size() == history_background.size());
    for (std::size_t i = 0; i < history_alone.size(); ++i) {
      BOOST_TEST(history_alone[i].validation.L_f == history_background[i].validation.L_f);
      BOOST_TEST(history_alone[i].validation.L_r == history_background[i].validation.L_r);
    }
    BOOST_TEST_REQUIRE(values_alone.size() == values_background.size());
    for (std::size_t k = 0; k < values_alone.size(); ++k) {
      BOOST_TEST((values_alone[k] == values_background[k]));
    }
  }
}

// A user's adversary may draw from the trainer's generator during its loss.
// The minibatch rows are drawn on the calling thread at the same points with
// or without the background thread, so such a run is the same either way.
class NoisyAdversary : public pivot::MixtureDensityAdversary {
 public:
  NoisyAdversary(const pivot::MixtureDensityOptions& options, nn::Rng& rng)
      : pivot::MixtureDensityAdversary(options, rng), rng_(rng) {}

  Variable loss(Variable scores, const pivot::AdversaryBatch& batch) override {
    Matrix noise(scores.value().shape());
    for (auto& value : noise) {
      value = rng_.normal(0.0, 0.01);
    }
    return pivot::MixtureDensityAdversary::loss(scores + scores.tape().constant(noise), batch);
  }

 private:
  nn::Rng& rng_;
};

BOOST_AUTO_TEST_CASE(adversary_sharing_rng_same_bits) {
  auto train_once = [](bool background) {
    nn::Rng rng(23);
    const nn::Dataset train = make_data(4000, rng);
    const nn::Dataset validation = make_data(500, rng);
    pivot::Classifier classifier = make_classifier(rng);
    NoisyAdversary adversary(small_mixture(), rng);
    pivot::PivotTrainer trainer(classifier, adversary, rng);
    trainer.set_background_thread(background);
    nn::Sgd classifier_optimizer(classifier.parameters(), {0.05});
    nn::Sgd adversary_optimizer(adversary.parameters(), {0.05});

    trainer.train_alternating(train, validation, {5.0, 3, 40, 64}, classifier_optimizer,
                              adversary_optimizer);
    return copy_values(classifier.parameters());
  };

  const auto alone = train_once(false);
  const auto with_thread = train_once(true);
  BOOST_TEST_REQUIRE(alone.size() == with_thread.size());
  for (std::size_t k = 0; k < alone.size(); ++k) {
    BOOST_TEST((alone[k] == with_thread[k]));
  }
}

// Switching the thread off and on again between calls keeps the trainer
// working, and evaluate() gives the same bits either way.
BOOST_AUTO_TEST_CASE(background_thread_toggled) {
  nn::Rng rng(22);
  const nn::Dataset data = make_data(20000, rng);
  TrainingSetup<nn::Sgd> setup(rng);

  const pivot::Losses with_thread = setup.trainer.evaluate(data, 2.0);
  setup.trainer.set_background_thread(false);
  const pivot::Losses alone = setup.trainer.evaluate(data, 2.0);
  setup.trainer.set_background_thread(true);
  const pivot::Losses again = setup.trainer.evaluate(data, 2.0);

  BOOST_TEST(with_thread.L_f == alone.L_f);
  BOOST_TEST(with_thread.L_r == alone.L_r);
  BOOST_TEST(again.value == alone.value);
}

// A progress callback that switches the thread off mid-run would free the
// worker that prepares the next minibatches; the trainer rejects the call.
BOOST_AUTO_TEST_CASE(background_thread_switch_during_training) {
  nn::Rng rng(24);
  const nn::Dataset train = make_data(2000, rng);
  TrainingSetup<nn::Sgd> setup(rng);
  setup.trainer.set_progress_callback(
      [&](const pivot::Progress&) { setup.trainer.set_background_thread(false); });

  std::string message;
  try {
    setup.trainer.train_alternating(train, train, {5.0, 3, 40, 64}, setup.classifier_optimizer,
                                    setup.adversary_optimizer);
  } catch (const std::logic_error& error) {
    message = error.what();
  }
  BOOST_TEST(contains(message, "set_background_thread"));
  BOOST_TEST(contains(message, "between training calls"));

  // Between calls the switch works, and training goes on.
  setup.trainer.set_progress_callback({});
  BOOST_CHECK_NO_THROW(setup.trainer.set_background_thread(false));
  BOOST_CHECK_NO_THROW(setup.trainer.train_alternating(
      train, train, {5.0, 1, 10, 64}, setup.classifier_optimizer, setup.adversary_optimizer));
}
