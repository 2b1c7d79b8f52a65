#include "storage/outbox_repository.hpp"

namespace sagaflow::storage {

Status OutboxRepository::Insert(const OutboxMessage& message) {
  auto inserted = conn_.Exec(
      "WITH row AS (INSERT INTO sagaflow.outbox (message_id, exchange, routing_key, saga_id, body)"
      " VALUES ($1, $2, $3, $4, $5) RETURNING id)"
      " SELECT pg_notify('sagaflow_outbox', ''), id FROM row",
      {message.message_id, message.exchange, message.routing_key,
       message.saga_id.empty() ? PgParam{} : PgParam{message.saga_id}, message.body});
  return inserted.ok() ? Status::Ok() : inserted.status();
}

Result<std::vector<OutboxMessage>> OutboxRepository::ClaimUnsent(int limit) {
  auto rows = conn_.Exec(
      "SELECT id, message_id::text, exchange, routing_key, coalesce(saga_id::text, ''), body"
      " FROM sagaflow.outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
      {std::to_string(limit)});
  if (!rows.ok()) return rows.status();
  std::vector<OutboxMessage> messages;
  messages.reserve(static_cast<std::size_t>(rows->rows()));
  for (int i = 0; i < rows->rows(); ++i) {
    messages.push_back(OutboxMessage{rows->GetInt(i, 0), rows->Get(i, 1), rows->Get(i, 2), rows->Get(i, 3),
                                     rows->Get(i, 4), rows->Get(i, 5)});
  }
  return messages;
}

Status OutboxRepository::MarkSent(const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return Status::Ok();
  std::string array = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) array += ',';
    array += std::to_string(ids[i]);
  }
  array += '}';
  auto updated = conn_.Exec("UPDATE sagaflow.outbox SET sent_at = clock_timestamp() WHERE id = ANY($1::bigint[])",
                            {array});
  return updated.ok() ? Status::Ok() : updated.status();
}

}  // namespace sagaflow::storage
