#include "storage/outbox_repository.hpp"

#include <algorithm>

namespace sagaflow::storage {

void OutboxRepository::Insert(const OutboxMessage& message, std::function<void(std::int64_t)> on_id) {
  std::function<void(const PgResult&)> on_result;
  if (on_id) on_result = [on_id = std::move(on_id)](const PgResult& rows) { on_id(rows.GetInt(0, 0)); };
  conn_.Defer(
      "INSERT INTO sagaflow.outbox (message_id, exchange, routing_key, saga_id, body)"
      " VALUES ($1, $2, $3, $4, $5) RETURNING id",
      {message.message_id, message.exchange, message.routing_key,
       message.saga_id.empty() ? PgParam{} : PgParam{message.saga_id}, message.body},
      std::move(on_result));
}

Result<std::vector<OutboxMessage>> OutboxRepository::ClaimUnsent(int limit, std::chrono::milliseconds older_than) {
  auto rows = conn_.Exec(
      "SELECT id, message_id::text, exchange, routing_key, coalesce(saga_id::text, ''), body"
      " FROM sagaflow.outbox"
      " WHERE created_at < clock_timestamp() - make_interval(secs => $2::double precision / 1000)"
      " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
      {std::to_string(limit), std::to_string(older_than.count())});
  if (!rows.ok()) return rows.status();
  std::vector<OutboxMessage> messages;
  messages.reserve(static_cast<std::size_t>(rows->rows()));
  for (int i = 0; i < rows->rows(); ++i) {
    messages.push_back(OutboxMessage{rows->GetInt(i, 0), rows->Get(i, 1), rows->Get(i, 2), rows->Get(i, 3),
                                     rows->Get(i, 4), rows->Get(i, 5)});
  }
  return messages;
}

void OutboxRepository::DeletePublished(const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return;
  // The id range lets the plan use the primary key; "id = ANY($1)" alone got a generic plan
  // that evaluated the array against every row of the outbox.
  conn_.Defer(
      "DELETE FROM sagaflow.outbox WHERE id BETWEEN $2 AND $3 AND id = ANY($1::bigint[])",
      {PgArrayLiteral(ids), std::to_string(*std::min_element(ids.begin(), ids.end())),
       std::to_string(*std::max_element(ids.begin(), ids.end()))});
}

}  // namespace sagaflow::storage
