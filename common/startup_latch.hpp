#pragma once
// Lets a process wait, for a bounded time, until each of its background loops has connected
// once: sagad serves HTTP only after its outbox relay and reply consumers are connected to
// the broker (so a reply to the first command it sends finds its sticky queue, and the relay
// is there to publish), or after a deadline when the broker is down, because a sagad without
// a broker still records sagas durably. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "common/stop_wait.hpp"

namespace sagaflow {

class StartupLatch {
 public:
  explicit StartupLatch(int parties) : left_(parties) {}

  //! A SessionConnected for one party: the first call counts that party as arrived, later
  //! ones (reconnections) nothing. The latch must outlive it.
  SessionConnected Party();
  //! True once every party has arrived; false if `timeout` passed first.
  bool WaitFor(std::chrono::milliseconds timeout);

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  int left_;  //!< parties that have not arrived; guarded by mutex_
};

}  // namespace sagaflow
