#pragma once
// Hands outbox rows from the thread that committed them to the relay, in memory, so a new
// command or event goes out without the relay polling or PostgreSQL notifying it. The rows are
// durable already: if this process dies before publishing them, or the queue is full, a
// relay's sweep of unsent rows (OutboxRelay) publishes them later. Step commands come without
// a row; their step timers send them again. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <stop_token>
#include <vector>

#include "storage/outbox_repository.hpp"

namespace sagaflow::orchestrator {

class OutboxHandoff {
 public:
  //! Holds at most `capacity` messages; more are left to the sweep (counted in dropped()).
  explicit OutboxHandoff(std::size_t capacity = 65536) : capacity_(capacity) {}

  //! Called after the transaction that wrote `messages` committed (ids assigned).
  void Push(std::vector<storage::OutboxMessage> messages);
  //! Up to `max` messages in the order they were pushed; waits until there is at least one,
  //! `deadline` passes or `stop` is requested (then it may return none).
  std::vector<storage::OutboxMessage> Take(std::size_t max, std::chrono::steady_clock::time_point deadline,
                                           std::stop_token stop);
  //! Messages refused because the queue was full (the sweep publishes them).
  std::size_t dropped() const;

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable_any arrived_;
  std::deque<storage::OutboxMessage> queue_;
  std::size_t dropped_ = 0;
};

}  // namespace sagaflow::orchestrator
