#pragma once
// Counters the engine keeps about what it did since this sagad started (exported on
// GET /metrics next to gauges read from the database). Thread-safe: relaxed atomics.

#include <atomic>
#include <cstdint>

namespace sagaflow::orchestrator {

struct EngineMetrics {
  std::atomic<std::uint64_t> sagas_started{0};
  std::atomic<std::uint64_t> transitions{0};         //!< events a machine accepted
  std::atomic<std::uint64_t> events_refused{0};      //!< signals/callbacks/timers a state did not accept
  std::atomic<std::uint64_t> replies_duplicate{0};   //!< dropped by the inbox
  std::atomic<std::uint64_t> replies_stale{0};       //!< answered a step no longer pending
  std::atomic<std::uint64_t> steps_resent{0};        //!< timeouts and retries
  std::atomic<std::uint64_t> sagas_stuck{0};         //!< parked for an operator
  std::atomic<std::uint64_t> timers_fired{0};
  std::atomic<std::uint64_t> reply_messages{0};      //!< AMQP messages consumed from saga.replies
  std::atomic<std::uint64_t> replies_received{0};    //!< replies they carried (a worker packs a batch's)
  std::atomic<std::uint64_t> outbox_published{0};    //!< commands and domain events the relay published
  std::atomic<std::uint64_t> cache_hits{0};          //!< events applied to the cached row, without reading it
  std::atomic<std::uint64_t> cache_misses{0};        //!< events that had to read the saga's row
  //! Events decided again on the row read from the database because the cached one was, or
  //! may have been, out of date (another sagad had moved the saga on since this one cached it).
  std::atomic<std::uint64_t> cache_stale{0};
};

//! Adds one to a counter.
inline void Count(std::atomic<std::uint64_t>& counter) { counter.fetch_add(1, std::memory_order_relaxed); }

}  // namespace sagaflow::orchestrator
