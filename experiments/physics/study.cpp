#include "experiments/physics/study.hpp"

#include <chrono>

#include "nn/layers/sequential.hpp"
#include "nn/optimizers/adam.hpp"
#include "nn/optimizers/sgd.hpp"
#include "pivot/categorical_adversary.hpp"
#include "pivot/classifier.hpp"
#include "pivot/metrics.hpp"

namespace physics {

StudyResult run_study(const StudySettings& settings, const nn::Dataset& all_train,
                      const nn::Dataset& validation, const nn::Dataset& test, std::uint64_t seed,
                      const pivot::ProgressCallback& progress) {
  const auto start = std::chrono::steady_clock::now();
  nn::Rng rng(seed);

  // The nuisance-free reference trains on the samples without pileup only.
  const nn::Dataset train =
      settings.nuisance_free_training
          ? nn::select_rows_where(all_train, [&](std::size_t i) { return all_train.z(i, 0) == 0.0; })
          : all_train;

  // f: 3 hidden layers (tanh, ReLU, ReLU) to one logit; r: 3 ReLU layers to
  // a softmax over the two values of Z.
  const std::size_t width = settings.hidden_units;
  pivot::Classifier classifier(nn::make_mlp(
      train.features(),
      {{width, nn::ActivationKind::tanh}, {width, nn::ActivationKind::relu},
       {width, nn::ActivationKind::relu}},
      1, nn::ActivationKind::identity, rng, "classifier"));
  pivot::CategoricalOptions adversary_options;
  adversary_options.classes = 2;
  adversary_options.hidden = {{width, nn::ActivationKind::relu},
                              {width, nn::ActivationKind::relu},
                              {width, nn::ActivationKind::relu}};
  pivot::CategoricalAdversary adversary(adversary_options, rng);

  pivot::PivotTrainer trainer(classifier, adversary, rng);
  trainer.set_background_thread(false);  // the program trains --jobs runs at once, one per thread
  trainer.set_adversary_mask([](double y) { return y == 0.0 ? 1.0 : 0.0; });
  if (progress) {
    trainer.set_progress_callback(progress);
  }

  nn::Adam classifier_pretraining(classifier.parameters(),
                                  {settings.pretrain_classifier_learning_rate});
  trainer.pretrain_classifier(
      train, {settings.pretrain_classifier_epochs, settings.pretrain_classifier_batch},
      classifier_pretraining);

  nn::Sgd adversary_sgd(adversary.parameters(), {settings.adversary_learning_rate});
  trainer.pretrain_adversary(
      train, {settings.pretrain_adversary_epochs, settings.pretrain_adversary_batch},
      adversary_sgd);

  nn::Sgd classifier_sgd(classifier.parameters(), {settings.learning_rate});
  pivot::AdversarialOptions adversarial;
  adversarial.lambda = settings.lambda;
  adversarial.iterations = settings.iterations;
  adversarial.adversary_steps = 1;  // replaced by one epoch over Y = 0
  adversarial.adversary_epoch = true;
  adversarial.batch_size = settings.batch_size;
  const auto history =
      trainer.train_alternating(train, validation, adversarial, classifier_sgd, adversary_sgd);

  StudyResult result;
  const autodiff::Matrix scores = classifier.predict(test.X);  // [n, 1]
  result.curve = pivot::ams_curve(pivot::column_span(scores), pivot::column_span(test.y),
                                  pivot::column_span(test.z), pivot::column_span(test.weights));
  result.peak = pivot::peak(result.curve);
  result.test_auc = pivot::roc_auc(pivot::column_span(scores), pivot::column_span(test.y),
                                   pivot::column_span(test.weights));
  std::vector<autodiff::Scalar> background_z0;
  std::vector<autodiff::Scalar> background_z1;
  for (std::size_t i = 0; i < test.size(); ++i) {
    if (test.y(i, 0) == 0.0) {
      (test.z(i, 0) == 0.0 ? background_z0 : background_z1).push_back(scores(i, 0));
    }
  }
  result.background_ks = pivot::ks_distance(background_z0, background_z1);
  result.last_validation = history.back().validation;
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace physics
