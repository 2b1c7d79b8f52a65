#include "storage/retention.hpp"

#include <string>

namespace sagaflow::storage {
namespace {

Result<std::int64_t> CountDeleted(const Result<PgResult>& deleted) {
  if (!deleted.ok()) return deleted.status();
  return deleted->GetInt(0, 0);
}

}  // namespace

Result<std::int64_t> PurgeFinishedSagas(PgConnection& conn, std::chrono::milliseconds older_than, int limit) {
  // Walks sagas_created (updated_at is not indexed, so saga updates stay HOT): a saga changes
  // after it was created, never before.
  return CountDeleted(conn.Exec(
      "WITH doomed AS ("
      "  SELECT id FROM sagaflow.sagas s"
      "  WHERE created_at < clock_timestamp() - make_interval(secs => $1::double precision / 1000)"
      "    AND updated_at < clock_timestamp() - make_interval(secs => $1::double precision / 1000)"
      "    AND status IN ('completed', 'compensated', 'failed')"
      "    AND NOT EXISTS (SELECT 1 FROM sagaflow.sagas child WHERE child.parent_id = s.id)"
      "  ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED),"
      " history AS (DELETE FROM sagaflow.saga_history WHERE saga_id IN (SELECT id FROM doomed)),"
      " timers AS (DELETE FROM sagaflow.timers WHERE saga_id IN (SELECT id FROM doomed)),"
      " inbox AS (DELETE FROM sagaflow.inbox WHERE saga_id IN (SELECT id FROM doomed)),"
      " sagas AS (DELETE FROM sagaflow.sagas WHERE id IN (SELECT id FROM doomed) RETURNING 1)"
      " SELECT count(*) FROM sagas",
      {std::to_string(older_than.count()), std::to_string(limit)}));
}

Result<std::int64_t> PurgeProcessedCommands(PgConnection& conn, std::chrono::milliseconds older_than, int limit) {
  // processed_at is in insertion order, so its BRIN index finds the oldest rows cheaply.
  // Hold fences (few: only cancels that found nothing write one) guard against a command
  // arriving late, as stored replies do, so they go after the same time.
  return CountDeleted(conn.Exec(
      "WITH doomed AS ("
      "  SELECT command_id FROM workers.processed_commands"
      "  WHERE processed_at < clock_timestamp() - make_interval(secs => $1::double precision / 1000)"
      "  LIMIT $2 FOR UPDATE SKIP LOCKED),"
      " deleted AS (DELETE FROM workers.processed_commands WHERE command_id IN (SELECT command_id FROM doomed)"
      "  RETURNING 1),"
      " fences AS (DELETE FROM workers.hold_fences"
      "  WHERE created_at < clock_timestamp() - make_interval(secs => $1::double precision / 1000))"
      " SELECT count(*) FROM deleted",
      {std::to_string(older_than.count()), std::to_string(limit)}));
}

}  // namespace sagaflow::storage
