#pragma once
// Batching under load: wait a little for more work to join a batch, but only while the
// previous batch showed that other work is in flight, so a lone saga never waits. The outbox
// relay uses it (messages per publisher confirm). Tried for the workers and the reply
// consumers too: no measurable change there (bench/README.md). Not thread-safe: one per loop.

#include <chrono>
#include <cstddef>

namespace sagaflow {

class AdaptiveLinger {
 public:
  //! A previous batch of at least this many items means other sagas are in flight.
  static constexpr std::size_t kBusyBatch = 4;

  explicit AdaptiveLinger(std::chrono::milliseconds linger) : linger_(linger) {}
  //! How long the next batch may wait for more items after its first.
  std::chrono::milliseconds Next() const {
    return last_batch_ >= kBusyBatch ? linger_ : std::chrono::milliseconds(0);
  }
  //! The size of the batch just taken.
  void Record(std::size_t batch) { last_batch_ = batch; }

 private:
  const std::chrono::milliseconds linger_;
  std::size_t last_batch_ = 0;
};

}  // namespace sagaflow
