#pragma once
// The transactional outbox: messages written in the same transaction as the state change
// that caused them, published later by the relay. Runs on the caller's connection/transaction.

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "storage/pg_connection.hpp"

namespace sagaflow::storage {

//! The channel the relay LISTENs on; every insert NOTIFYs it at commit.
inline constexpr std::string_view kOutboxChannel = "sagaflow_outbox";

struct OutboxMessage {
  std::int64_t id = 0;  //!< assigned by Insert
  std::string message_id;
  std::string exchange;
  std::string routing_key;
  std::string saga_id;
  std::string body;
};

class OutboxRepository {
 public:
  explicit OutboxRepository(PgConnection& conn) : conn_(conn) {}
  //! Queues a message and notifies the relay (delivered when the transaction commits).
  //! Deferred: sent with the next statement or the commit.
  void Insert(const OutboxMessage& message);
  //! Up to `limit` unsent messages in id order, locked; rows other relays hold are skipped.
  Result<std::vector<OutboxMessage>> ClaimUnsent(int limit);
  //! Marks claimed messages as published (deferred).
  void MarkSent(const std::vector<std::int64_t>& ids);

 private:
  PgConnection& conn_;
};

}  // namespace sagaflow::storage
