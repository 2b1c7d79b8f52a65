#include "orchestrator/outbox_relay.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "common/adaptive_linger.hpp"
#include "common/stop_wait.hpp"
#include "orchestrator/relay_messages.hpp"
#include "storage/outbox_repository.hpp"
#include "storage/pg_connection.hpp"
#include "storage/transaction.hpp"
#include "workers/amqp/amqp_connection.hpp"
#include "workers/amqp/topology.hpp"

namespace sagaflow::orchestrator {

void OutboxRelay::Run(std::stop_token stop, const SessionConnected& on_connected) {
  RunReconnecting(
      stop, "outbox relay",
      [this](std::stop_token session_stop, const SessionConnected& connected) {
        return RunConnected(session_stop, connected);
      },
      on_connected);
  // Stopping, connected or not (the broker may be why not): step commands still handed over
  // go into the outbox, for a sweep of this or another sagad, rather than waiting for their
  // step timers. Rows that are there already need nothing.
  std::vector<storage::OutboxMessage> left =
      handoff_.Take(std::numeric_limits<std::size_t>::max(), std::chrono::steady_clock::now(), {});
  if (std::none_of(left.begin(), left.end(), [](const storage::OutboxMessage& message) { return !message.has_row; })) {
    return;
  }
  auto pg = storage::PgConnection::Connect(pg_url_);
  if (!pg.ok()) {
    spdlog::warn("outbox relay: step commands left to their step timers at stop: {}", pg.status().ToString());
    return;
  }
  SpillRowless(*pg.value(), left);
}

Status OutboxRelay::RunConnected(std::stop_token stop, const SessionConnected& connected) {
  auto pg = storage::PgConnection::Connect(pg_url_);
  if (!pg.ok()) return pg.status();
  storage::PgConnection& conn = *pg.value();
  // A lost delete only means publishing again; not worth waiting for a WAL flush.
  SAGAFLOW_RETURN_IF_ERROR(conn.ExecScript("SET synchronous_commit = off"));
  auto amqp = amqp::Connection::Open(amqp_url_, "sagad outbox relay");
  if (!amqp.ok()) return amqp.status();
  amqp::Connection& broker = *amqp.value();
  SAGAFLOW_RETURN_IF_ERROR(amqp::DeclareTopology(broker));
  SAGAFLOW_RETURN_IF_ERROR(broker.EnableConfirms());
  spdlog::info("outbox relay connected");
  connected();

  auto next_sweep = std::chrono::steady_clock::now();
  // Published but not yet deleted: deleted together every `delete_interval` (one DELETE for
  // many batches) instead of one transaction per batch.
  std::vector<std::int64_t> published;  // outbox ids
  auto delete_due = std::chrono::steady_clock::time_point::max();
  AdaptiveLinger linger(options_.linger);
  const auto batch_size = static_cast<std::size_t>(options_.batch_size);
  auto delete_published = [&]() -> Status {
    if (published.empty()) return Status::Ok();
    storage::Transaction tx(conn);
    SAGAFLOW_RETURN_IF_ERROR(tx.status());
    storage::OutboxRepository(conn).DeletePublished(published);
    SAGAFLOW_RETURN_IF_ERROR(tx.Commit());
    published.clear();
    delete_due = std::chrono::steady_clock::time_point::max();
    return Status::Ok();
  };
  while (!stop.stop_requested()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= delete_due) SAGAFLOW_RETURN_IF_ERROR(delete_published());
    if (now >= next_sweep) {
      SAGAFLOW_RETURN_IF_ERROR(delete_published());  // what this relay published is not the sweep's
      SAGAFLOW_RETURN_IF_ERROR(Sweep(conn, broker));
      next_sweep = std::chrono::steady_clock::now() + options_.sweep_interval;
    }
    std::vector<storage::OutboxMessage> handed = handoff_.Take(batch_size, std::min(next_sweep, delete_due), stop);
    if (handed.empty()) continue;
    // Let what other threads are committing right now join this batch: one confirm for more
    // messages (only under load, see AdaptiveLinger).
    const auto until = std::chrono::steady_clock::now() + linger.Next();
    while (handed.size() < batch_size && std::chrono::steady_clock::now() < until) {
      for (storage::OutboxMessage& message : handoff_.Take(batch_size - handed.size(), until, stop)) {
        handed.push_back(std::move(message));
      }
    }
    if (Status sent = Publish(broker, handed); !sent.ok()) {
      SpillRowless(conn, handed);
      return sent;
    }
    linger.Record(handed.size());
    for (const storage::OutboxMessage& message : handed) {
      if (!message.has_row) continue;
      if (published.empty()) delete_due = std::chrono::steady_clock::now() + options_.delete_interval;
      published.push_back(message.id);
    }
    if (published.size() >= batch_size) SAGAFLOW_RETURN_IF_ERROR(delete_published());
  }
  return delete_published();
}

void OutboxRelay::SpillRowless(storage::PgConnection& conn, const std::vector<storage::OutboxMessage>& messages) {
  std::vector<const storage::OutboxMessage*> rowless;
  for (const storage::OutboxMessage& message : messages) {
    if (!message.has_row) rowless.push_back(&message);
  }
  if (rowless.empty()) return;
  // Durable now, so a sweep publishes them once the broker is back instead of each step
  // waiting for its timeout. Some may have reached the broker already: workers deduplicate.
  Status status = [&] {
    storage::Transaction tx(conn);
    SAGAFLOW_RETURN_IF_ERROR(tx.status());
    for (const storage::OutboxMessage* message : rowless) storage::OutboxRepository(conn).Insert(*message);
    return tx.Commit();
  }();
  if (status.ok()) {
    spdlog::warn("outbox relay: wrote {} unpublished step commands to the outbox for a sweep", rowless.size());
  } else {
    spdlog::warn("outbox relay: {} unpublished step commands left to their step timers: {}", rowless.size(),
                 status.ToString());
  }
}

Status OutboxRelay::Sweep(storage::PgConnection& conn, amqp::Connection& broker) {
  while (true) {
    storage::Transaction tx(conn);
    SAGAFLOW_RETURN_IF_ERROR(tx.status());
    auto claimed = storage::OutboxRepository(conn).ClaimUnsent(options_.batch_size, options_.sweep_after);
    if (!claimed.ok()) return claimed.status();
    if (!claimed->empty()) {
      spdlog::info("outbox relay: sweep found {} unsent messages nobody handed over", claimed->size());
      SAGAFLOW_RETURN_IF_ERROR(Publish(broker, claimed.value()));
      std::vector<std::int64_t> ids;
      for (const storage::OutboxMessage& message : claimed.value()) ids.push_back(message.id);
      storage::OutboxRepository(conn).DeletePublished(ids);  // goes out with the commit
    }
    SAGAFLOW_RETURN_IF_ERROR(tx.Commit());
    if (claimed->size() < static_cast<std::size_t>(options_.batch_size)) return Status::Ok();
  }
}

Status OutboxRelay::Publish(amqp::Connection& broker, const std::vector<storage::OutboxMessage>& messages) {
  const std::vector<amqp::OutgoingMessage> batch = RelayMessages(messages, options_.persistent_commands);
  SAGAFLOW_RETURN_IF_ERROR(broker.PublishBatch(batch, options_.confirm_timeout));
  metrics_.outbox_published.fetch_add(batch.size(), std::memory_order_relaxed);
  spdlog::debug("outbox relay published {} messages", batch.size());
  return Status::Ok();
}

}  // namespace sagaflow::orchestrator
