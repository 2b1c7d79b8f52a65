#include "orchestrator/outbox_handoff.hpp"

#include <spdlog/spdlog.h>

namespace sagaflow::orchestrator {

void OutboxHandoff::Push(std::vector<storage::OutboxMessage> messages) {
  if (messages.empty()) return;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() + messages.size() > capacity_) {
      // The relay is behind or disconnected; the rows wait in the outbox for its sweep, step
      // commands (no row) for their step timers.
      if (dropped_ == 0) {
        spdlog::warn("outbox handoff full ({} messages): leaving new ones to the sweep and the step timers", capacity_);
      }
      dropped_ += messages.size();
      return;
    }
    for (storage::OutboxMessage& message : messages) queue_.push_back(std::move(message));
  }
  arrived_.notify_one();
}

std::vector<storage::OutboxMessage> OutboxHandoff::Take(std::size_t max, std::chrono::steady_clock::time_point deadline,
                                                        std::stop_token stop) {
  std::unique_lock lock(mutex_);
  arrived_.wait_until(lock, stop, deadline, [this] { return !queue_.empty(); });
  std::vector<storage::OutboxMessage> taken;
  while (!queue_.empty() && taken.size() < max) {
    taken.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return taken;
}

std::size_t OutboxHandoff::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace sagaflow::orchestrator
