#include "pivot/trainer.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <span>
#include <string>

#include <xtensor/xreducer.hpp>
#include <xtensor/xview.hpp>

#include "autodiff/matrix.hpp"
#include "autodiff/ops/arithmetic.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/structure.hpp"
#include "nn/data/batches.hpp"
#include "nn/losses.hpp"
#include "pivot/prepared_batches.hpp"

namespace pivot {
namespace {

// Rows per tape recording when evaluating. The toy's validation pass of 50000
// rows took 8.54 ms in chunks of 2048 rows and 9.66 ms in chunks of 8192, in
// the double build on one Zen 4 thread (step_benchmarks, toy_validation_chunk).
// The probable cause is that a [2048, 20] double array fits in the L2 cache.
constexpr std::size_t evaluation_chunk = 2048;

using autodiff::format_number;

// Throws unless `first`, the argument first_<unit>, can start a phase of
// `total` units (`total_name` in messages): 1 runs the phase from the start,
// and total + 1 resumes it after its last unit, so that nothing runs.
void check_first_unit(const char* phase, const std::string& unit, std::size_t first,
                      std::size_t total, const char* total_name) {
  if (first == 0 || first - 1 > total) {
    throw std::invalid_argument(std::string(phase) + ": first_" + unit + " is " +
                                std::to_string(first) + ", but it must be from 1 to " + total_name +
                                " + 1 with " + total_name + " = " + std::to_string(total) +
                                "; pass 1 to start the phase, or the " + unit +
                                " after the last finished one to resume it");
  }
}

void validate(const AdversarialOptions& options, const nn::Dataset& train) {
  if (!std::isfinite(options.lambda) || options.lambda < 0.0) {
    throw std::invalid_argument("adversarial training: lambda must be finite and >= 0, got " +
                                format_number(options.lambda) +
                                "; pass 0 to ignore the adversary or a weight such as 10");
  }
  if (options.iterations == 0 || options.adversary_steps == 0) {
    throw std::invalid_argument("adversarial training: iterations T and adversary steps K must be "
                                "at least 1, got T = " + std::to_string(options.iterations) +
                                " and K = " + std::to_string(options.adversary_steps));
  }
  if (options.batch_size == 0 || options.batch_size > train.size()) {
    throw std::invalid_argument("adversarial training: batch size M must be between 1 and the " +
                                std::to_string(train.size()) + " training samples, got " +
                                std::to_string(options.batch_size));
  }
}

void validate(const PretrainOptions& options, const nn::Dataset& train, const char* phase) {
  if (options.epochs == 0 || options.batch_size == 0 || options.batch_size > train.size()) {
    throw std::invalid_argument(std::string(phase) + ": epochs must be at least 1 and the batch "
                                "size between 1 and the " + std::to_string(train.size()) +
                                " training samples, got " + std::to_string(options.epochs) +
                                " epochs of batch " + std::to_string(options.batch_size));
  }
}

// Counts a running training or evaluation call, so that the trainer can
// reject what must not happen during one.
class ActiveCall {
 public:
  explicit ActiveCall(std::size_t& count) : count_(count) { ++count_; }
  ~ActiveCall() { --count_; }
  ActiveCall(const ActiveCall&) = delete;
  ActiveCall& operator=(const ActiveCall&) = delete;

 private:
  std::size_t& count_;
};

// Drains a worker when a scope ends, so that no job outlives the data the
// scope hands it, also when an exception leaves the scope.
class DrainOnExit {
 public:
  explicit DrainOnExit(BackgroundWorker* worker) : worker_(worker) {}
  ~DrainOnExit() {
    if (worker_ != nullptr) {
      worker_->drain();
    }
  }
  DrainOnExit(const DrainOnExit&) = delete;
  DrainOnExit& operator=(const DrainOnExit&) = delete;

 private:
  BackgroundWorker* worker_;
};

}  // namespace

void check_finite_step(double loss, const autodiff::ParameterList& parameters,
                       const std::string& where) {
  if (!std::isfinite(loss)) {
    throw TrainingDiverged(where + ": the loss is " + std::to_string(loss) +
                           "; lower the learning rate or check the data for extreme values");
  }
  for (const autodiff::Parameter* parameter : parameters) {
    for (const double g : parameter->gradient) {
      if (!std::isfinite(g)) {
        throw TrainingDiverged(where + ": the gradient of " + parameter->name + " is " +
                               std::to_string(g) + "; lower the learning rate");
      }
    }
  }
}

std::string StepLabel::text() const {
  std::string label = std::string(phase) + ", " + unit_name + " " + std::to_string(unit);
  if (step_name != nullptr) {
    label += std::string(", ") + step_name + " " + std::to_string(step);
  }
  return label + ", player " + player;
}

void check_finite_step(double loss, const autodiff::ParameterList& parameters,
                       const StepLabel& where) {
  bool finite = std::isfinite(loss);
  for (const autodiff::Parameter* parameter : parameters) {
    for (const Scalar g : parameter->gradient) {
      finite &= std::isfinite(g);
    }
  }
  if (!finite) {
    check_finite_step(loss, parameters, where.text());
  }
}

PivotTrainer::PivotTrainer(Classifier& classifier, Adversary& adversary, nn::Rng& rng)
    : classifier_(classifier),
      adversary_(adversary),
      rng_(rng),
      worker_(std::make_unique<BackgroundWorker>()) {}

PivotTrainer::~PivotTrainer() = default;

void PivotTrainer::set_background_thread(bool enabled) {
  if (active_calls_ > 0) {
    throw std::logic_error("set_background_thread: called while the trainer is training or "
                           "evaluating, whose minibatches the thread may be preparing; call it "
                           "between training calls");
  }
  if (!enabled) {
    worker_.reset();
  } else if (!worker_) {
    worker_ = std::make_unique<BackgroundWorker>();
  }
}

void PivotTrainer::report(const std::string& phase, std::size_t done, std::size_t total,
                          double loss, const IterationRecord& record) {
  if (progress_) {
    progress_(Progress{phase, done, total, loss, record});
  }
}

nn::Dataset PivotTrainer::adversary_samples(const nn::Dataset& train) const {
  if (!mask_) {
    return train;
  }
  nn::Dataset kept =
      nn::select_rows_where(train, [&](std::size_t i) { return mask_(train.y(i, 0)) != 0.0; });
  if (kept.size() == 0) {
    throw std::invalid_argument("adversary training: the adversary mask removes every training "
                                "sample; keep at least one class");
  }
  return kept;
}

Matrix PivotTrainer::adversary_weights(const nn::Dataset& batch) const {
  if (!mask_) {
    return batch.weights;
  }
  Matrix weights = batch.weights;  // [batch, 1]
  for (std::size_t i = 0; i < weights.shape(0); ++i) {
    weights(i, 0) *= static_cast<Scalar>(mask_(batch.y(i, 0)));
  }
  return weights;
}

Variable PivotTrainer::classifier_loss(Variable logits, const nn::Dataset& batch) {
  return nn::binary_cross_entropy_with_logits(logits, batch.y, &batch.weights);
}

Variable PivotTrainer::adversary_loss(Variable scores, const nn::Dataset& batch) {
  weights_buffer_ = adversary_weights(batch);
  return adversary_.loss(scores, AdversaryBatch{batch.z, batch.y, weights_buffer_});
}

Losses PivotTrainer::evaluate(const nn::Dataset& data, double lambda) {
  const ActiveCall active(active_calls_);
  if (!std::isfinite(lambda) || lambda < 0.0) {
    throw std::invalid_argument("evaluate: lambda must be finite and >= 0, got " +
                                format_number(lambda) + "; pass the lambda of L_f - lambda L_r");
  }
  nn::check_dataset(data, "evaluate");
  check_evaluation_set(data, "evaluate");
  return evaluate_checked(data, lambda);
}

void PivotTrainer::check_evaluation_set(const nn::Dataset& data, const std::string& where) {
  if (data.size() == 0) {
    throw std::invalid_argument(where + ": the dataset is empty, so L_f is undefined; pass at "
                                "least one row");
  }
  const double total_weight = xt::sum(data.weights)();
  if (!(total_weight > 0.0)) {
    throw std::invalid_argument(where + ": the weights of the " + std::to_string(data.size()) +
                                " rows sum to " + format_number(total_weight) +
                                ", so L_f is undefined; pass rows with a positive weight");
  }
}

void PivotTrainer::evaluate_classifier(const nn::Dataset& data, std::size_t begin,
                                       std::size_t end, ClassifierChunk& chunk) {
  data.row_range_into(begin, end, chunk.rows);

  // A chunk whose weights are all 0 adds nothing to either mean, and the
  // weighted losses reject it, so it is skipped.
  chunk.weight = xt::sum(chunk.rows.weights)();
  if (chunk.weight == 0.0) {
    return;
  }

  chunk.tape.clear();
  chunk.tape.set_gradients_enabled(false);
  const Variable logits = classifier_.logits(chunk.tape.constant(chunk.rows.X));
  chunk.classifier_loss = classifier_loss(logits, chunk.rows).value()(0, 0);
  const Matrix& scores = autodiff::sigmoid(logits).value();
  chunk.scores.resize(scores.shape());
  std::copy(scores.begin(), scores.end(), chunk.scores.begin());
}

Losses PivotTrainer::evaluate_checked(const nn::Dataset& data, double lambda) {
  // Each loss is a weighted mean, so chunk means combine weighted by the
  // chunk's total weight. No gradient is needed, so no tape records one. f's
  // part of chunk c + 1 runs on the worker, if there is one, while r's part
  // of chunk c runs here.
  const autodiff::NoGradient no_gradient(tape_);
  const DrainOnExit drain(worker_.get());
  double classifier_sum = 0.0;
  double classifier_weight = 0.0;
  double adversary_sum = 0.0;
  double adversary_weight = 0.0;

  // Without a worker, f's part of a chunk runs just before r's part, so that
  // an error comes in the same order either way.
  const std::size_t chunk_count = (data.size() + evaluation_chunk - 1) / evaluation_chunk;
  const auto classifier_part = [&](std::size_t c) {
    const std::size_t begin = c * evaluation_chunk;
    const std::size_t end = std::min(data.size(), begin + evaluation_chunk);
    ClassifierChunk& chunk = evaluation_chunks_[c % 2];
    return [this, &data, begin, end, &chunk] { evaluate_classifier(data, begin, end, chunk); };
  };

  if (worker_ && chunk_count > 0) {
    worker_->submit(classifier_part(0));
  }
  for (std::size_t c = 0; c < chunk_count; ++c) {
    if (worker_) {
      worker_->wait();
      if (c + 1 < chunk_count) {
        worker_->submit(classifier_part(c + 1));
      }
    } else {
      classifier_part(c)();
    }

    const ClassifierChunk& chunk = evaluation_chunks_[c % 2];
    if (chunk.weight == 0.0) {
      continue;
    }
    classifier_sum += chunk.classifier_loss * chunk.weight;
    classifier_weight += chunk.weight;

    const double chunk_adversary_weight = xt::sum(adversary_weights(chunk.rows))();
    if (chunk_adversary_weight > 0.0) {
      tape_.clear();
      const Variable chunk_loss = adversary_loss(tape_.constant(chunk.scores), chunk.rows);
      adversary_sum += chunk_loss.value()(0, 0) * chunk_adversary_weight;
      adversary_weight += chunk_adversary_weight;
    }
  }
  tape_.clear();

  Losses losses;
  losses.L_f = classifier_sum / classifier_weight;
  losses.L_r = adversary_weight > 0.0 ? adversary_sum / adversary_weight : 0.0;
  losses.value = losses.L_f - lambda * losses.L_r;
  return losses;
}

void PivotTrainer::pretrain_classifier(const nn::Dataset& train, const PretrainOptions& options,
                                       nn::Optimizer& classifier_optimizer,
                                       std::size_t first_epoch) {
  const ActiveCall active(active_calls_);
  nn::check_dataset(train, "classifier pretraining");
  validate(options, train, "classifier pretraining");
  check_first_unit("classifier pretraining", "epoch", first_epoch, options.epochs, "epochs");
  const autodiff::ParameterList parameters = classifier_.parameters();

  // The worker gathers the rows of a group of minibatches ahead of the steps.
  // epoch_batches is declared first, so that it outlives a group the worker
  // may still be gathering when an exception unwinds the loop.
  std::vector<std::vector<std::size_t>> epoch_batches;
  PreparedBatches batches(train, nullptr, rng_, worker_.get());

  for (std::size_t epoch = std::max<std::size_t>(first_epoch, 1); epoch <= options.epochs;
       ++epoch) {
    double loss_sum = 0.0;
    epoch_batches = nn::shuffled_batches(train.size(), options.batch_size, rng_);
    batches.start_listed(epoch_batches);

    for (std::size_t step = 0; step < epoch_batches.size(); ++step) {
      const nn::Dataset& batch = batches.next().batch;

      tape_.clear();
      const Variable loss = classifier_loss(classifier_.logits(tape_.constant(batch.X)), batch);
      tape_.backward(loss, parameters);

      const double value = loss.value()(0, 0);
      check_finite_step(value, parameters,
                        StepLabel{"classifier pretraining", "epoch", epoch, "step", step + 1, "f"});
      classifier_optimizer.step();
      loss_sum += value;
    }
    report("pretrain classifier", epoch, options.epochs,
           loss_sum / static_cast<double>(epoch_batches.size()));
  }
  tape_.clear();
}

double PivotTrainer::adversary_step(const nn::Dataset& batch, const Matrix& batch_scores,
                                    nn::Optimizer& optimizer, const StepLabel& where) {
  const autodiff::ParameterList parameters = adversary_.parameters();

  tape_.clear();
  const Variable loss = adversary_loss(tape_.constant(batch_scores), batch);
  tape_.backward(loss, parameters);

  const double value = loss.value()(0, 0);
  check_finite_step(value, parameters, where);
  optimizer.step();
  return value;
}

void PivotTrainer::pretrain_adversary(const nn::Dataset& all_train,
                                      const PretrainOptions& options,
                                      nn::Optimizer& adversary_optimizer,
                                      std::size_t first_epoch) {
  const ActiveCall active(active_calls_);
  nn::check_dataset(all_train, "adversary pretraining");
  check_first_unit("adversary pretraining", "epoch", first_epoch, options.epochs, "epochs");
  const nn::Dataset train = adversary_samples(all_train);
  validate(options, train, "adversary pretraining");

  // f is fixed for the whole phase, so its scores are computed once. They
  // take the place of the features in a copy of the training set, so that
  // the worker gathers each minibatch's scores with its rows: r's steps read
  // the scores from the minibatch's X.
  const nn::Dataset scored_train{classifier_.predict(train.X), train.y, train.z, train.weights};

  std::vector<std::vector<std::size_t>> epoch_batches;  // outlives the worker's group
  PreparedBatches batches(scored_train, nullptr, rng_, worker_.get());

  for (std::size_t epoch = std::max<std::size_t>(first_epoch, 1); epoch <= options.epochs;
       ++epoch) {
    double loss_sum = 0.0;
    epoch_batches = nn::shuffled_batches(train.size(), options.batch_size, rng_);
    batches.start_listed(epoch_batches);

    for (std::size_t step = 0; step < epoch_batches.size(); ++step) {
      const nn::Dataset& batch = batches.next().batch;
      loss_sum += adversary_step(
          batch, batch.X, adversary_optimizer,
          StepLabel{"adversary pretraining", "epoch", epoch, "step", step + 1, "r"});
    }
    report("pretrain adversary", epoch, options.epochs,
           loss_sum / static_cast<double>(epoch_batches.size()));
  }
  tape_.clear();
}

std::vector<IterationRecord> PivotTrainer::train_alternating(const nn::Dataset& train,
                                                             const nn::Dataset& validation,
                                                             const AdversarialOptions& options,
                                                             nn::Optimizer& classifier_optimizer,
                                                             nn::Optimizer& adversary_optimizer,
                                                             std::size_t first_iteration) {
  const ActiveCall active(active_calls_);
  nn::check_dataset(train, "adversarial training, training set");
  nn::check_dataset(validation, "adversarial training, validation set");
  validate(options, train);
  check_first_unit("adversarial training", "iteration", first_iteration, options.iterations, "T");
  if (validation.size() == 0) {
    throw std::invalid_argument("adversarial training: the validation set is empty; pass at "
                                "least one row to evaluate each iteration on");
  }
  check_evaluation_set(validation, "adversarial training, validation set");
  const nn::Dataset adversary_train = adversary_samples(train);
  if (options.batch_size > adversary_train.size()) {
    throw std::invalid_argument("adversarial training: batch size M (" +
                                std::to_string(options.batch_size) + ") exceeds the " +
                                std::to_string(adversary_train.size()) +
                                " samples the adversary trains on; lower --batch-size");
  }
  const autodiff::ParameterList classifier_parameters = classifier_.parameters();
  std::vector<IterationRecord> history;

  // Declared first, so that they outlive a group the worker may still be
  // preparing from them when an exception unwinds the loop.
  std::vector<std::vector<std::size_t>> epoch_batches;
  PreparedBatches adversary_batches(adversary_train, &classifier_, rng_, worker_.get());

  for (std::size_t iteration = std::max<std::size_t>(first_iteration, 1);
       iteration <= options.iterations; ++iteration) {
    // r's steps on L_r with f fixed, on either K random minibatches or one
    // shuffled epoch over r's samples. f's scores enter as constants.
    if (options.adversary_epoch) {
      epoch_batches = nn::shuffled_batches(adversary_train.size(), options.batch_size, rng_);
      adversary_batches.start_listed(epoch_batches);
    } else {
      adversary_batches.start_random(options.adversary_steps, options.batch_size);
    }
    const std::size_t adversary_step_count =
        options.adversary_epoch ? epoch_batches.size() : options.adversary_steps;
    for (std::size_t k = 0; k < adversary_step_count; ++k) {
      const PreparedBatch& prepared = adversary_batches.next();
      adversary_step(prepared.batch, prepared.scores, adversary_optimizer,
                     StepLabel{"adversarial training", "iteration", iteration, "adversary step",
                               k + 1, "r"});
    }

    // One step of f on L_f - lambda L_r with r fixed: backward reaches only
    // f's parameters, so r's gradients and optimizer state stay untouched.
    // A minibatch without any sample of the adversary's classes has no L_r.
    const nn::Dataset batch =
        train.rows(nn::sample_batch_indices(train.size(), options.batch_size, rng_));
    tape_.clear();
    const Variable logits = classifier_.logits(tape_.constant(batch.X));
    Variable value = classifier_loss(logits, batch);
    if (xt::sum(adversary_weights(batch))() > 0.0) {
      value = value - options.lambda * adversary_loss(autodiff::sigmoid(logits), batch);
    }
    tape_.backward(value, classifier_parameters);
    check_finite_step(value.value()(0, 0), classifier_parameters,
                      StepLabel{"adversarial training", "iteration", iteration, nullptr, 0, "f"});
    classifier_optimizer.step();

    history.push_back({iteration, evaluate_checked(validation, options.lambda)});
    report("adversarial", iteration, options.iterations, history.back().validation.value,
           history.back());
  }
  tape_.clear();
  return history;
}

std::vector<IterationRecord> PivotTrainer::train_simultaneous(const nn::Dataset& train,
                                                              const nn::Dataset& validation,
                                                              const AdversarialOptions& options,
                                                              nn::Optimizer& classifier_optimizer,
                                                              nn::Optimizer& adversary_optimizer,
                                                              std::size_t first_iteration) {
  const ActiveCall active(active_calls_);
  nn::check_dataset(train, "simultaneous training, training set");
  nn::check_dataset(validation, "simultaneous training, validation set");
  validate(options, train);
  check_first_unit("simultaneous training", "iteration", first_iteration, options.iterations, "T");
  if (validation.size() == 0) {
    throw std::invalid_argument("simultaneous training: the validation set is empty; pass at "
                                "least one row to evaluate each iteration on");
  }
  check_evaluation_set(validation, "simultaneous training, validation set");
  autodiff::ParameterList parameters = classifier_.parameters();
  const autodiff::ParameterList adversary_parameters = adversary_.parameters();
  parameters.insert(parameters.end(), adversary_parameters.begin(), adversary_parameters.end());
  std::vector<IterationRecord> history;

  for (std::size_t iteration = std::max<std::size_t>(first_iteration, 1);
       iteration <= options.iterations; ++iteration) {
    for (std::size_t k = 0; k < options.adversary_steps; ++k) {
      const nn::Dataset batch =
          train.rows(nn::sample_batch_indices(train.size(), options.batch_size, rng_));

      // r's parameters receive d L_r, f's receive d L_f - lambda d L_r.
      tape_.clear();
      const Variable logits = classifier_.logits(tape_.constant(batch.X));
      const Variable reversed =
          autodiff::reverse_gradient(autodiff::sigmoid(logits), options.lambda);
      Variable total = classifier_loss(logits, batch);
      if (xt::sum(adversary_weights(batch))() > 0.0) {
        total = total + adversary_loss(reversed, batch);
      }
      tape_.backward(total, parameters);

      check_finite_step(total.value()(0, 0), parameters,
                        "simultaneous training, iteration " + std::to_string(iteration) +
                            ", step " + std::to_string(k + 1) + ", both players");
      adversary_optimizer.step();
      classifier_optimizer.step();
    }

    history.push_back({iteration, evaluate_checked(validation, options.lambda)});
    report("simultaneous", iteration, options.iterations, history.back().validation.value,
           history.back());
  }
  tape_.clear();
  return history;
}

}  // namespace pivot
