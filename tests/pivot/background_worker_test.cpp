#define BOOST_TEST_MODULE pivot_background_worker
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "pivot/background_worker.hpp"

BOOST_AUTO_TEST_CASE(jobs_run_in_order) {
  pivot::BackgroundWorker worker;
  std::vector<int> order;

  for (int job = 0; job < 100; ++job) {
    worker.submit([&order, job] { order.push_back(job); });
    worker.wait();
  }

  BOOST_TEST_REQUIRE(order.size() == 100u);
  for (int job = 0; job < 100; ++job) {
    BOOST_TEST(order[static_cast<std::size_t>(job)] == job);
  }
}

BOOST_AUTO_TEST_CASE(job_runs_on_other_thread) {
  pivot::BackgroundWorker worker;
  std::thread::id job_thread;

  worker.submit([&job_thread] { job_thread = std::this_thread::get_id(); });
  worker.wait();

  BOOST_TEST((job_thread != std::this_thread::get_id()));
}

BOOST_AUTO_TEST_CASE(wait_rethrows_job_error) {
  pivot::BackgroundWorker worker;
  worker.submit([] { throw std::invalid_argument("bad rows"); });

  std::string message;
  try {
    worker.wait();
  } catch (const std::invalid_argument& error) {
    message = error.what();
  }
  BOOST_TEST(message == "bad rows");

  // The error is reported once, and the worker keeps running jobs.
  BOOST_CHECK_NO_THROW(worker.wait());
  bool ran = false;
  worker.submit([&ran] { ran = true; });
  worker.wait();
  BOOST_TEST(ran);
}

BOOST_AUTO_TEST_CASE(submit_before_wait_rejected) {
  pivot::BackgroundWorker worker;
  std::atomic<bool> release{false};
  worker.submit([&release] {
    while (!release) {
      std::this_thread::yield();
    }
  });

  std::string message;
  try {
    worker.submit([] {});
  } catch (const std::logic_error& error) {
    message = error.what();
  }
  release = true;
  worker.wait();

  BOOST_TEST(message.find("BackgroundWorker::submit") != std::string::npos);
  BOOST_TEST(message.find("wait()") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(wait_without_job_returns) {
  pivot::BackgroundWorker worker;
  BOOST_CHECK_NO_THROW(worker.wait());
  BOOST_CHECK_NO_THROW(worker.drain());
}

BOOST_AUTO_TEST_CASE(drain_drops_job_error) {
  pivot::BackgroundWorker worker;
  worker.submit([] { throw std::runtime_error("dropped"); });

  worker.drain();

  BOOST_CHECK_NO_THROW(worker.wait());
}

// The destructor must let a running job finish before the thread goes, so
// that a job never runs on after the data it writes.
BOOST_AUTO_TEST_CASE(destructor_waits_for_job) {
  std::atomic<bool> finished{false};
  {
    pivot::BackgroundWorker worker;
    worker.submit([&finished] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      finished = true;
    });
  }
  BOOST_TEST(finished.load());
}
