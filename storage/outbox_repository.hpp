#pragma once
// The transactional outbox: messages written in the same transaction as the state change
// that caused them, published by the relay once it commits (the committing thread hands them
// over in memory; rows a crash left behind are swept up later), and deleted once the broker
// has confirmed them. So the table holds only messages in flight: it stays small, and every
// row in it is unsent. Domain events always go through it; step commands only when the relay
// could not publish them (their durable copy is the saga row). Runs on the caller's
// connection/transaction.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "storage/pg_connection.hpp"

namespace sagaflow::storage {

struct OutboxMessage {
  std::int64_t id = 0;  //!< assigned by Insert; 0 for a message with no row
  std::string message_id;
  std::string exchange;
  std::string routing_key;
  std::string saga_id;
  std::string body;
  //! False for a step command the engine hands to the relay without writing a row (the saga
  //! row's pending step and its step timer are its durable copy, see SagaEngine::SendCommand).
  bool has_row = true;
};

class OutboxRepository {
 public:
  explicit OutboxRepository(PgConnection& conn) : conn_(conn) {}
  //! Queues a message (it exists once the transaction commits). Deferred: sent with the next
  //! statement or the commit, which then calls `on_id` with the row's id.
  void Insert(const OutboxMessage& message, std::function<void(std::int64_t)> on_id = {});
  //! Up to `limit` unsent messages written at least `older_than` ago, in id order, locked;
  //! rows other relays hold are skipped.
  Result<std::vector<OutboxMessage>> ClaimUnsent(int limit, std::chrono::milliseconds older_than);
  //! Deletes messages the broker has confirmed (deferred).
  void DeletePublished(const std::vector<std::int64_t>& ids);

 private:
  PgConnection& conn_;
};

}  // namespace sagaflow::storage
