#include "orchestrator/outbox_relay.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "common/stop_wait.hpp"
#include "common/wire.hpp"
#include "storage/outbox_repository.hpp"
#include "storage/pg_connection.hpp"
#include "storage/transaction.hpp"
#include "workers/amqp/amqp_connection.hpp"
#include "workers/amqp/topology.hpp"

namespace sagaflow::orchestrator {

void OutboxRelay::Run(std::stop_token stop) {
  RunReconnecting(stop, "outbox relay", [this](std::stop_token session_stop) { return RunConnected(session_stop); });
}

Status OutboxRelay::RunConnected(std::stop_token stop) {
  auto pg = storage::PgConnection::Connect(pg_url_);
  if (!pg.ok()) return pg.status();
  storage::PgConnection& conn = *pg.value();
  SAGAFLOW_RETURN_IF_ERROR(conn.Listen(storage::kOutboxChannel));
  auto amqp = amqp::Connection::Open(amqp_url_, "sagad outbox relay");
  if (!amqp.ok()) return amqp.status();
  amqp::Connection& broker = *amqp.value();
  SAGAFLOW_RETURN_IF_ERROR(amqp::DeclareTopology(broker));
  SAGAFLOW_RETURN_IF_ERROR(broker.EnableConfirms());
  spdlog::info("outbox relay connected");

  std::vector<amqp::OutgoingMessage> batch;
  std::vector<std::int64_t> ids;
  while (!stop.stop_requested()) {
    storage::Transaction tx(conn);
    SAGAFLOW_RETURN_IF_ERROR(tx.status());
    auto claimed = storage::OutboxRepository(conn).ClaimUnsent(options_.batch_size);
    if (!claimed.ok()) return claimed.status();
    if (claimed->empty()) {
      SAGAFLOW_RETURN_IF_ERROR(tx.Commit());
      auto notified = conn.WaitForNotification(options_.idle_wait);
      if (!notified.ok()) return notified.status();
      continue;
    }
    batch.clear();
    ids.clear();
    for (const storage::OutboxMessage& row : claimed.value()) {
      amqp::OutgoingMessage message;
      message.exchange = row.exchange;
      message.routing_key = row.routing_key;
      message.body = row.body;
      message.message_id = row.message_id;
      // Commands must reach a queue (topology guarantees one); domain events may have no
      // subscriber yet, which is not an error.
      message.mandatory = row.exchange == wire::kCommandsExchange;
      batch.push_back(std::move(message));
      ids.push_back(row.id);
    }
    SAGAFLOW_RETURN_IF_ERROR(broker.PublishBatch(batch, options_.confirm_timeout));
    storage::OutboxRepository(conn).MarkSent(ids);  // sent with the commit
    SAGAFLOW_RETURN_IF_ERROR(tx.Commit());
    spdlog::debug("outbox relay published {} messages", ids.size());
    // A short batch took all there was: wait for the next NOTIFY (it returns at once if one
    // came while publishing) instead of claiming again just to find nothing.
    if (ids.size() < static_cast<std::size_t>(options_.batch_size)) {
      auto notified = conn.WaitForNotification(options_.idle_wait);
      if (!notified.ok()) return notified.status();
    }
  }
  return Status::Ok();
}

}  // namespace sagaflow::orchestrator
