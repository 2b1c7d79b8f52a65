#pragma once
// Publishes outbox rows to RabbitMQ, two ways:
//  - handed over: the thread that committed rows hands them over in memory (OutboxHandoff);
//    the relay publishes them as one batch, waits for the broker's confirms and deletes
//    them. No polling, no NOTIFY: a new row goes out as soon as its transaction commits.
//    Step commands come this way without a row (the saga row and its step timer are their
//    durable copy); if they cannot be published, or the relay stops first, it writes them
//    into the outbox for a sweep.
//  - swept: every `sweep_interval` (and when it connects) the relay claims unsent rows older
//    than `sweep_after` (FOR UPDATE SKIP LOCKED, so relays in several sagad share them):
//    rows a crash left between commit and publish, rows a full handoff refused, rows written
//    by another process. They go out the same way.
// Deleting published rows is batched (every `delete_interval`) and not durable on its own
// (synchronous_commit off): a row whose delete a crash lost is published again by a sweep, as
// is a row a sweep claims while its handoff is in flight.
// Consumers deduplicate on the message id (at-least-once delivery).
// Domain events are persistent messages. Step commands are transient unless
// `persistent_commands` (config amqp.persistent_steps): the saga row holds the pending step
// and its step timer sends it again after engine.step_timeout, so a command a broker restart
// drops is late, not lost, and not writing it to the broker's disk cut RabbitMQ's CPU per
// saga by a quarter (bench/README.md).
// Runs on its own thread; owns its PostgreSQL and AMQP connections.
//
// | key (block "relay") | description                                               | default |
// |---------------------|-----------------------------------------------------------|---------|
// | batch_size          | messages published per batch (and per confirm)            | 256     |
// | sweep_interval      | how often to look for unsent rows nobody handed over      | 1s      |
// | sweep_after         | how old an unsent row must be before a sweep takes it      | 2s      |
// | delete_interval     | published rows are deleted together this often             | 100ms   |
// | linger              | under load, wait this long for more rows to join a batch   | 1ms     |
// | confirm_timeout     | how long to wait for the broker's confirms                | 10s     |

#include <chrono>
#include <stop_token>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "common/stop_wait.hpp"
#include "orchestrator/engine_metrics.hpp"
#include "orchestrator/outbox_handoff.hpp"

namespace sagaflow::amqp {
class Connection;
}
namespace sagaflow::storage {
class PgConnection;
}

namespace sagaflow::orchestrator {

struct RelayOptions {
  int batch_size = 256;
  std::chrono::milliseconds sweep_interval{1000};
  std::chrono::milliseconds sweep_after{2000};
  std::chrono::milliseconds delete_interval{100};
  std::chrono::milliseconds linger{1};  //!< see AdaptiveLinger
  std::chrono::milliseconds confirm_timeout{10'000};
  bool persistent_commands = false;
};

class OutboxRelay {
 public:
  //! Counts what it publishes in `metrics.outbox_published`.
  OutboxRelay(std::string pg_url, std::string amqp_url, OutboxHandoff& handoff, RelayOptions options,
              EngineMetrics& metrics)
      : pg_url_(std::move(pg_url)),
        amqp_url_(std::move(amqp_url)),
        handoff_(handoff),
        options_(options),
        metrics_(metrics) {}
  //! Publishes until `stop` is requested, reconnecting after failures with a backoff; calls
  //! `on_connected` (if set) whenever a session has connected.
  void Run(std::stop_token stop, const SessionConnected& on_connected = {});

 private:
  //! One connected session: returns when stopped or when a connection fails.
  Status RunConnected(std::stop_token stop, const SessionConnected& connected);
  //! Claims and publishes unsent rows nobody handed over, until a short batch.
  Status Sweep(storage::PgConnection& conn, amqp::Connection& broker);
  //! Writes the messages of `messages` that have no outbox row (step commands) into the
  //! outbox, for a sweep; if that fails too, their step timers send them again.
  void SpillRowless(storage::PgConnection& conn, const std::vector<storage::OutboxMessage>& messages);
  //! Publishes `messages` and waits for the broker's confirms.
  Status Publish(amqp::Connection& broker, const std::vector<storage::OutboxMessage>& messages);

  const std::string pg_url_;
  const std::string amqp_url_;
  OutboxHandoff& handoff_;
  const RelayOptions options_;
  EngineMetrics& metrics_;
};

}  // namespace sagaflow::orchestrator
