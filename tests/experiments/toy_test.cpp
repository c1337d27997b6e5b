#define BOOST_TEST_MODULE toy_problem
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <numeric>

#include <xtensor/xview.hpp>

#include "autodiff/ops/linalg.hpp"
#include "experiments/toy/toy_problem.hpp"
#include "nn/data/split.hpp"
#include "nn/layers/sequential.hpp"
#include "nn/optimizers/sgd.hpp"
#include "pivot/metrics.hpp"
#include "pivot/mixture_density_adversary.hpp"
#include "pivot/trainer.hpp"

namespace {

double column_mean(const autodiff::Matrix& X, std::size_t column, const std::vector<std::size_t>& rows) {
  double sum = 0.0;
  for (const std::size_t i : rows) sum += X(i, column);
  return sum / static_cast<double>(rows.size());
}

}  // namespace

// Class means (0, 0) and (1, 1 + z); the background correlation is -0.5.
BOOST_AUTO_TEST_CASE(generator_matches_model) {
  nn::Rng rng(21);
  const nn::Dataset data = toy::generate(40000, rng);

  std::vector<std::size_t> background;
  std::vector<std::size_t> signal;
  for (std::size_t i = 0; i < data.size(); ++i) {
    (data.y(i, 0) == 0.0 ? background : signal).push_back(i);
  }
  // Balanced classes: 20000 expected, binomial standard deviation 100.
  BOOST_TEST(std::abs(static_cast<double>(background.size()) - 20000.0) < 500.0);

  // Sample means of 20000 unit-variance draws: standard error 0.007.
  BOOST_TEST(std::abs(column_mean(data.X, 0, background)) < 0.04);
  BOOST_TEST(std::abs(column_mean(data.X, 1, background)) < 0.04);
  BOOST_TEST(std::abs(column_mean(data.X, 0, signal) - 1.0) < 0.04);
  // x2 = 1 + z + noise for the signal: mean 1, and x2 - z has unit variance.
  BOOST_TEST(std::abs(column_mean(data.X, 1, signal) - 1.0) < 0.06);

  double covariance = 0.0;
  for (const std::size_t i : background) covariance += data.X(i, 0) * data.X(i, 1);
  covariance /= static_cast<double>(background.size());
  BOOST_TEST(std::abs(covariance + 0.5) < 0.04);
}

BOOST_AUTO_TEST_CASE(generator_at_fixed_nuisance) {
  nn::Rng rng(22);
  const nn::Dataset data = toy::generate_at(1000, -1.0, rng);
  for (std::size_t i = 0; i < data.size(); ++i) {
    BOOST_TEST(data.z(i, 0) == -1.0);
  }
  BOOST_CHECK_THROW(toy::generate(0, rng), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(entropy_of_standard_normal) {
  // log(sqrt(2 pi e)) = 1.41893853320467...
  BOOST_TEST(toy::nuisance_entropy() == 1.4189385332046727, boost::test_tools::tolerance(1e-15));
}

// A short seeded run of the whole method on the toy problem: adversarial
// training must make the score distributions at Z = -1 and Z = +1 closer.
BOOST_AUTO_TEST_CASE(pivot_run_reduces_ks) {
  autodiff::set_blas_threads(1);
  nn::Rng rng(2017);
  const nn::Dataset data = toy::generate(12000, rng);
  const auto [train, validation] = nn::split_train_validation(data, 4000, rng);
  const nn::Dataset low = toy::generate_at(5000, -1.0, rng);
  const nn::Dataset high = toy::generate_at(5000, 1.0, rng);

  pivot::Classifier classifier(nn::make_mlp(
      2, {{20, nn::ActivationKind::tanh}, {20, nn::ActivationKind::relu}}, 1,
      nn::ActivationKind::identity, rng, "classifier"));
  pivot::MixtureDensityAdversary adversary({}, rng);
  pivot::PivotTrainer trainer(classifier, adversary, rng);
  nn::Sgd classifier_optimizer(classifier.parameters(), {0.01});
  nn::Sgd adversary_optimizer(adversary.parameters(), {0.01});

  auto ks = [&] {
    const autodiff::Matrix a = classifier.predict(low.X);
    const autodiff::Matrix b = classifier.predict(high.X);
    return pivot::ks_distance(pivot::column_span(a), pivot::column_span(b));
  };

  trainer.pretrain_classifier(train, {10, 32}, classifier_optimizer);
  trainer.pretrain_adversary(train, {5, 32}, adversary_optimizer);
  const double ks_plain = ks();
  const pivot::Losses plain = trainer.evaluate(validation, 50.0);

  const auto history =
      trainer.train_alternating(train, validation, {50.0, 60, 100, 128}, classifier_optimizer,
                                adversary_optimizer);
  const double ks_pivot = ks();

  BOOST_TEST_MESSAGE("KS plain " << ks_plain << ", pivot " << ks_pivot << "; L_r plain "
                                 << plain.L_r << ", pivot " << history.back().validation.L_r);
  BOOST_TEST(ks_plain > 0.2);
  BOOST_TEST(ks_pivot < 0.5 * ks_plain);
  // The adversary loses: L_r moves up towards H(Z).
  BOOST_TEST(history.back().validation.L_r > plain.L_r);
}
