#define BOOST_TEST_MODULE pivot_prepared_batches
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/data/batches.hpp"
#include "nn/layers/sequential.hpp"
#include "pivot/prepared_batches.hpp"

namespace {

using autodiff::Matrix;

nn::Dataset make_data(std::size_t count, std::size_t features, nn::Rng& rng) {
  Matrix X({count, features});
  Matrix y({count, std::size_t{1}});
  Matrix z({count, std::size_t{1}});
  Matrix weights({count, std::size_t{1}});
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t j = 0; j < features; ++j) {
      X(i, j) = rng.normal();
    }
    y(i, 0) = static_cast<double>(i % 2);
    z(i, 0) = rng.normal();
    weights(i, 0) = 0.5 + static_cast<double>(i % 3);
  }
  return nn::make_dataset(X, y, z, weights);
}

pivot::Classifier make_classifier(nn::Rng& rng) {
  return pivot::Classifier(nn::make_mlp(2, {{8, nn::ActivationKind::tanh}}, 1,
                                        nn::ActivationKind::identity, rng, "classifier"));
}

// The common setup of a test: a generator, the training rows drawn from it,
// then a classifier drawn from it, and a worker. Tests bind the members to
// local names with a structured binding.
struct Setup {
  Setup(std::uint64_t seed, std::size_t count, std::size_t features = 2)
      : rng(seed), train(make_data(count, features, rng)), classifier(make_classifier(rng)) {}

  nn::Rng rng;
  nn::Dataset train;
  pivot::Classifier classifier;
  pivot::BackgroundWorker worker;
};

// The minibatches of one phase, each with its scores.
std::vector<pivot::PreparedBatch> collect(pivot::PreparedBatches& batches, std::size_t count) {
  std::vector<pivot::PreparedBatch> collected;
  for (std::size_t b = 0; b < count; ++b) {
    collected.push_back(batches.next());
  }
  return collected;
}

// Checks every minibatch against the rows `expected_rows[b]` gathered from
// `train` and against the classifier's scores of those rows.
void check_batches(const std::vector<pivot::PreparedBatch>& collected,
                   const std::vector<std::vector<std::size_t>>& expected_rows,
                   const nn::Dataset& train, pivot::Classifier& classifier) {
  BOOST_TEST_REQUIRE(collected.size() == expected_rows.size());
  for (std::size_t b = 0; b < collected.size(); ++b) {
    const nn::Dataset expected = train.rows(expected_rows[b]);
    BOOST_TEST((collected[b].batch.X == expected.X));
    BOOST_TEST((collected[b].batch.y == expected.y));
    BOOST_TEST((collected[b].batch.z == expected.z));
    BOOST_TEST((collected[b].batch.weights == expected.weights));
    BOOST_TEST(xt::allclose(collected[b].scores, classifier.predict(expected.X), 1e-12, 1e-14));
  }
}

// The message of the Error that `call` throws, or "" when it throws none.
template <typename Error, typename Call>
std::string error_message(Call call) {
  try {
    call();
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

}  // namespace

// 40 minibatches of 128 rows span three groups of 2048 rows or fewer.
BOOST_AUTO_TEST_CASE(random_batches_follow_rng) {
  for (const bool use_worker : {false, true}) {
    Setup setup(1, 1000);
    auto& [rng, train, classifier, worker] = setup;
    nn::Rng reference_rng = rng;

    pivot::PreparedBatches batches(train, &classifier, rng, use_worker ? &worker : nullptr);
    batches.start_random(40, 128);
    const auto collected = collect(batches, 40);

    std::vector<std::vector<std::size_t>> expected_rows;
    for (std::size_t b = 0; b < 40; ++b) {
      expected_rows.push_back(nn::sample_batch_indices(train.size(), 128, reference_rng));
    }
    check_batches(collected, expected_rows, train, classifier);
    // The phase drew exactly its minibatches from rng, no more.
    BOOST_TEST(rng.uniform(0.0, 1.0) == reference_rng.uniform(0.0, 1.0));
  }
}

BOOST_AUTO_TEST_CASE(listed_batches_with_short_last) {
  Setup setup(2, 1000);
  auto& [rng, train, classifier, worker] = setup;
  const auto epoch = nn::shuffled_batches(train.size(), 96, rng);  // the last has 40 rows

  pivot::PreparedBatches batches(train, &classifier, rng, &worker);
  batches.start_listed(epoch);
  const auto collected = collect(batches, epoch.size());

  check_batches(collected, epoch, train, classifier);
}

BOOST_AUTO_TEST_CASE(worker_gives_same_bits) {
  auto run = [](bool use_worker) {
    Setup setup(3, 5000);
    auto& [rng, train, classifier, worker] = setup;
    pivot::PreparedBatches batches(train, &classifier, rng, use_worker ? &worker : nullptr);
    std::vector<pivot::PreparedBatch> collected;
    for (std::size_t phase = 0; phase < 3; ++phase) {
      batches.start_random(50, 100);
      const auto phase_batches = collect(batches, 50);
      collected.insert(collected.end(), phase_batches.begin(), phase_batches.end());
    }
    return collected;
  };

  const auto alone = run(false);
  const auto with_worker = run(true);
  BOOST_TEST_REQUIRE(alone.size() == with_worker.size());
  for (std::size_t b = 0; b < alone.size(); ++b) {
    BOOST_TEST((alone[b].batch.X == with_worker[b].batch.X));
    BOOST_TEST((alone[b].scores == with_worker[b].scores));  // bit for bit
  }
}

BOOST_AUTO_TEST_CASE(next_after_phase_rejected) {
  Setup setup(4, 100);
  auto& [rng, train, classifier, worker] = setup;
  pivot::PreparedBatches batches(train, &classifier, rng, &worker);
  batches.start_random(2, 10);
  batches.next();
  batches.next();

  const std::string message = error_message<std::logic_error>([&] { batches.next(); });
  BOOST_TEST(message.find("all 2 minibatches") != std::string::npos);
  BOOST_TEST(message.find("start a new phase") != std::string::npos);
}

// A classifier that rejects the rows' width fails on the worker; the error
// must reach the caller of next(), not end the program. The phase then
// stops, with or without a worker, until a new one starts.
BOOST_AUTO_TEST_CASE(worker_error_reaches_next) {
  for (const bool use_worker : {false, true}) {
    Setup setup(5, 300, 3);  // the classifier takes 2 features
    auto& [rng, train, classifier, worker] = setup;
    pivot::PreparedBatches batches(train, &classifier, rng, use_worker ? &worker : nullptr);

    const std::string message = error_message<std::invalid_argument>([&] {
      batches.start_random(5, 32);
      batches.next();
    });
    BOOST_TEST(!message.empty());
    BOOST_TEST(message.find("[160, 3]") != std::string::npos);  // the group of 5 minibatches

    const std::string later_message =
        error_message<std::logic_error>([&] { batches.next(); });
    BOOST_TEST(later_message.find("failed") != std::string::npos);
    BOOST_TEST(later_message.find("start a new phase") != std::string::npos);
  }
}

// Leaving a phase early, as an exception in r's step does, must wait for the
// group that the worker is still preparing.
BOOST_AUTO_TEST_CASE(phase_abandoned_midway) {
  Setup setup(6, 20000);
  auto& [rng, train, classifier, worker] = setup;
  {
    pivot::PreparedBatches batches(train, &classifier, rng, &worker);
    batches.start_random(100, 1024);
    batches.next();
  }
  bool ran = false;
  worker.submit([&ran] { ran = true; });
  worker.wait();
  BOOST_TEST(ran);
}

// Without a classifier the batches are gathered only, for pretraining f.
BOOST_AUTO_TEST_CASE(unscored_batches_have_no_scores) {
  nn::Rng rng(7);
  const nn::Dataset train = make_data(500, 2, rng);
  pivot::BackgroundWorker worker;
  const auto epoch = nn::shuffled_batches(train.size(), 32, rng);

  pivot::PreparedBatches batches(train, nullptr, rng, &worker);
  batches.start_listed(epoch);
  const auto collected = collect(batches, epoch.size());

  BOOST_TEST_REQUIRE(collected.size() == epoch.size());
  for (std::size_t b = 0; b < collected.size(); ++b) {
    const nn::Dataset expected = train.rows(epoch[b]);
    BOOST_TEST((collected[b].batch.X == expected.X));
    BOOST_TEST((collected[b].batch.weights == expected.weights));
    BOOST_TEST(collected[b].scores.size() == 0u);
  }
}

// A new phase may start while the worker still prepares a group of the old
// one; the new phase's minibatches have the new size.
BOOST_AUTO_TEST_CASE(restart_during_preparation) {
  Setup setup(8, 5000);
  auto& [rng, train, classifier, worker] = setup;
  pivot::PreparedBatches batches(train, &classifier, rng, &worker);

  batches.start_random(40, 128);
  batches.next();
  batches.start_random(30, 7);
  for (std::size_t b = 0; b < 30; ++b) {
    const pivot::PreparedBatch& prepared = batches.next();
    BOOST_TEST(prepared.batch.size() == 7u);
    BOOST_TEST(prepared.scores.shape(0) == 7u);
  }
}

// Without a worker, a group is gathered when next() reaches it, so an error
// in a later group surfaces at the same step as with a worker.
BOOST_AUTO_TEST_CASE(error_step_same_with_worker) {
  // Minibatch 20, in the second group of 16 minibatches of 128 rows,
  // contains an index past the end, which Dataset::rows_into rejects.
  for (const bool use_worker : {false, true}) {
    Setup setup(10, 3000);
    auto& [rng, train, classifier, worker] = setup;
    std::vector<std::vector<std::size_t>> listed(40, std::vector<std::size_t>(128, 1));
    listed[20][5] = train.size();  // the second group is minibatches 16 .. 31

    pivot::PreparedBatches batches(train, &classifier, rng, use_worker ? &worker : nullptr);
    batches.start_listed(listed);
    std::size_t handed_out = 0;
    try {
      for (std::size_t b = 0; b < listed.size(); ++b) {
        batches.next();
        ++handed_out;
      }
    } catch (const std::invalid_argument&) {
    }
    BOOST_TEST(handed_out == 16u);
  }
}
