#pragma once

// One thread that runs one job at a time next to the calling thread, so that
// the trainer can compute f's forward passes while r trains.

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace pivot {

// Runs submitted jobs on its own thread, one at a time, in submission order:
//   worker.submit([&] { prepare(next); });
//   use(current);
//   worker.wait();  // rethrows what the job threw
// A job must not touch what the calling thread uses until wait() returns.
class BackgroundWorker {
 public:
  BackgroundWorker();

  // Waits for the running job, if any, then stops and joins the thread. An
  // exception of that job is dropped, because a destructor cannot throw.
  ~BackgroundWorker();

  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;

  // Starts `job` on the worker thread. Throws std::logic_error when the
  // previous job has not been waited for.
  void submit(std::function<void()> job);

  // Blocks until the submitted job has finished, then rethrows the exception
  // it threw, if any. Returns at once when no job is pending.
  void wait();

  // Waits as wait() does but drops the job's exception, for destructors and
  // for code that is already unwinding from another exception.
  void drain() noexcept;

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::function<void()> job_;  // the submitted job, set until it has finished running
  bool pending_ = false;       // a job was submitted and not yet waited for
  bool stopping_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // last member: starts after the state above exists
};

}  // namespace pivot
