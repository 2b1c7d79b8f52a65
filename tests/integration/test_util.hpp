#pragma once
// Helpers shared by the integration tests: deadlines, waiting on a condition (never on a fixed
// sleep), a mailbox for things that arrive on other threads, and per-test log paths.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace sagaflow::test {

using Clock = std::chrono::steady_clock;

//! The time point `timeout` from now.
inline Clock::time_point DeadlineIn(std::chrono::milliseconds timeout) { return Clock::now() + timeout; }

//! Polls `predicate` every `poll` until it returns true (→ true) or `deadline` passes (→ false,
//! after one last check). For conditions nobody can signal (another process's state).
template <typename Predicate>
bool WaitUntil(Clock::time_point deadline, Predicate&& predicate,
               std::chrono::milliseconds poll = std::chrono::milliseconds(10)) {
  for (;;) {
    if (predicate()) return true;
    auto now = Clock::now();
    if (now >= deadline) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(poll, deadline - now));
  }
}

//! Items pushed from any thread (e.g. an HTTP handler receiving callbacks) that a test waits
//! for with a deadline. Thread-safe.
template <typename T>
class Mailbox {
 public:
  //! Adds an item and wakes waiters.
  void Push(T item) {
    {
      std::lock_guard lock(mu_);
      items_.push_back(std::move(item));
    }
    cv_.notify_all();
  }

  //! The first received item satisfying `predicate`, waiting until `deadline`; nullopt if none came.
  template <typename Predicate>
  std::optional<T> WaitFor(Clock::time_point deadline, Predicate&& predicate) {
    std::unique_lock lock(mu_);
    std::optional<T> found;
    cv_.wait_until(lock, deadline, [&] {
      for (const auto& item : items_) {
        if (predicate(item)) {
          found = item;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  //! True once at least `n` items arrived, false if `deadline` passes first.
  bool WaitForCount(std::size_t n, Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, deadline, [&] { return items_.size() >= n; });
  }

  //! A copy of everything received so far, in arrival order.
  std::vector<T> Snapshot() const {
    std::lock_guard lock(mu_);
    return items_;
  }

  //! How many items arrived.
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }

 private:
  //! Guards items_.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<T> items_;
};

//! The lines of `log` written by the process `pid` of program `program` (spdlog's
//! "<program>[<pid>:<thread>]" prefix): test log files are shared with earlier runs.
inline std::vector<std::string> LinesOfProcess(const std::string& log, std::string_view program, long pid) {
  const std::string prefix = std::string(program) + "[" + std::to_string(pid) + ":";
  std::vector<std::string> lines;
  for (std::size_t at = log.find(prefix); at != std::string::npos; at = log.find(prefix, at + 1)) {
    lines.push_back(log.substr(at, log.find('\n', at) - at));
  }
  return lines;
}

//! A log file path for this test: $SAGAFLOW_TEST_LOG_DIR (default <tmp>/sagaflow-test-logs)
//! / "<suite>.<test>.<name>.log". The folder is created.
inline std::string TestLogPath(std::string_view name) {
  namespace fs = std::filesystem;
  const char* env = std::getenv("SAGAFLOW_TEST_LOG_DIR");
  fs::path dir = env != nullptr && *env != '\0' ? fs::path(env) : fs::temp_directory_path() / "sagaflow-test-logs";
  fs::create_directories(dir);
  std::string file;
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    file = std::string(info->test_suite_name()) + "." + info->name() + ".";
  }
  file += std::string(name) + ".log";
  for (char& c : file) {
    if (c == '/') c = '_';  // parameterised test names contain slashes
  }
  return (dir / file).string();
}

}  // namespace sagaflow::test
