#include "pivot/background_worker.hpp"

#include <stdexcept>
#include <utility>

namespace pivot {

BackgroundWorker::BackgroundWorker() : thread_([this] { run(); }) {}

BackgroundWorker::~BackgroundWorker() {
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !job_; });
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BackgroundWorker::submit(std::function<void()> job) {
  {
    const std::lock_guard lock(mutex_);
    if (pending_) {
      throw std::logic_error("BackgroundWorker::submit: the previous job is still pending; call "
                             "wait() before submitting the next one");
    }
    job_ = std::move(job);
    pending_ = true;
    error_ = nullptr;
  }
  changed_.notify_all();
}

void BackgroundWorker::wait() {
  std::unique_lock lock(mutex_);
  if (!pending_) {
    return;
  }
  changed_.wait(lock, [this] { return !job_; });
  pending_ = false;
  if (error_) {
    std::rethrow_exception(std::exchange(error_, nullptr));
  }
}

void BackgroundWorker::drain() noexcept {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return !job_; });
  pending_ = false;
  error_ = nullptr;
}

void BackgroundWorker::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return job_ || stopping_; });
    if (!job_) {
      return;  // stopping, and no job left to run
    }

    // The job runs unlocked, so that wait() can block meanwhile; job_ stays
    // set until it has finished, which is what wait() looks for.
    lock.unlock();
    std::exception_ptr error;
    try {
      job_();
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();

    error_ = error;
    job_ = nullptr;
    changed_.notify_all();
  }
}

}  // namespace pivot
