#include "storage/saga_repository.hpp"

#include "common/rfc3339.hpp"

namespace sagaflow::storage {
namespace {

constexpr std::string_view kColumns =
    "id::text, type, business_key, state, status, version, coalesce(idempotency_key, ''),"
    " coalesce(request_hash, ''), input::text, context::text, pending_command_id::text, pending_step,"
    " pending_payload::text, pending_attempt,"
    " to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
    " to_char(updated_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), coalesce(parent_id::text, ''),"
    " coalesce(pending_sent_at_ms, 0)";

//! Columns are jsonb, so they always parse; an empty object stands for SQL NULL.
json::object ParseObject(const std::string& text) {
  auto parsed = ParseJsonObject(text);
  return parsed.ok() ? std::move(parsed.value()) : json::object{};
}

SagaRecord RowToSaga(const PgResult& rows, int row) {
  SagaRecord saga;
  saga.id = rows.Get(row, 0);
  saga.type = rows.Get(row, 1);
  saga.business_key = rows.Get(row, 2);
  saga.state = rows.Get(row, 3);
  saga.status = rows.Get(row, 4);
  saga.version = rows.GetInt(row, 5);
  saga.idempotency_key = rows.Get(row, 6);
  saga.request_hash = rows.Get(row, 7);
  saga.input = ParseObject(rows.Get(row, 8));
  saga.context = ParseObject(rows.Get(row, 9));
  if (!rows.IsNull(row, 10)) {
    saga.pending = PendingStep{rows.Get(row, 10), rows.Get(row, 11), ParseObject(rows.Get(row, 12)),
                               static_cast<int>(rows.GetInt(row, 13)), rows.GetInt(row, 17)};
  }
  saga.created_at = rows.Get(row, 14);
  saga.updated_at = rows.Get(row, 15);
  saga.parent_id = rows.Get(row, 16);
  return saga;
}

PgParam NullIfEmpty(const std::string& text) { return text.empty() ? PgParam{} : PgParam{text}; }

std::string Select(std::string_view rest) { return "SELECT " + std::string(kColumns) + " FROM sagaflow.sagas " + std::string(rest); }

//! The start of both saga inserts (the column list is left open) and their first values.
constexpr std::string_view kInsertInto =
    "INSERT INTO sagaflow.sagas (id, type, business_key, state, status, version, idempotency_key,"
    " request_hash, input, context, pending_command_id, pending_step, pending_payload, pending_attempt, parent_id,"
    " pending_sent_at_ms";
constexpr std::string_view kInsertValues =
    "$1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13::jsonb, $14, $15, $16";

//! $1..$16 of both saga inserts (kInsertValues), in their column order.
std::vector<PgParam> InsertParams(const SagaRecord& saga) {
  const PendingStep* pending = saga.pending ? &*saga.pending : nullptr;
  return {saga.id, saga.type, saga.business_key, saga.state, saga.status, std::to_string(saga.version),
          NullIfEmpty(saga.idempotency_key), NullIfEmpty(saga.request_hash), ToJson(saga.input), ToJson(saga.context),
          pending ? PgParam{pending->command_id} : PgParam{}, pending ? PgParam{pending->step} : PgParam{},
          pending ? PgParam{ToJson(pending->payload)} : PgParam{}, std::to_string(pending ? pending->attempt : 0),
          NullIfEmpty(saga.parent_id), pending ? PgParam{std::to_string(pending->sent_at_ms)} : PgParam{}};
}

}  // namespace

Result<SagaRecord> SagaRepository::SelectOne(std::string_view sql, const std::vector<PgParam>& params) {
  auto rows = conn_.Exec(sql, params);
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return Status::NotFound("saga not found");
  return RowToSaga(rows.value(), 0);
}

Result<bool> SagaRepository::InsertIfAbsent(SagaRecord& saga) {
  static const std::string kSql = std::string(kInsertInto) + ") VALUES (" + std::string(kInsertValues) +
                                  ") ON CONFLICT (type, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
                                  " RETURNING to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
  auto inserted = conn_.Exec(kSql, InsertParams(saga));
  if (!inserted.ok()) return inserted.status();
  if (inserted->rows() != 1) return false;
  saga.created_at = inserted->Get(0, 0);
  saga.updated_at = saga.created_at;
  return true;
}

void SagaRepository::Insert(SagaRecord& saga) {
  if (saga.created_at.empty()) saga.created_at = NowRfc3339Millis();
  saga.updated_at = saga.created_at;
  std::vector<PgParam> params = InsertParams(saga);
  params.emplace_back(saga.created_at);
  static const std::string kSql = std::string(kInsertInto) + ", created_at, updated_at) VALUES (" +
                                  std::string(kInsertValues) + ", $17::timestamptz, $17::timestamptz)";
  conn_.Defer(kSql, std::move(params));
}

Result<SagaRecord> SagaRepository::LockForUpdate(const std::string& id) {
  static const std::string kSql = Select("WHERE id = $1 FOR UPDATE");
  return SelectOne(kSql, {id});
}

Result<SagaRecord> SagaRepository::TryLock(const std::string& id) {
  static const std::string kSql = Select("WHERE id = $1 FOR UPDATE SKIP LOCKED");
  return SelectOne(kSql, {id});
}

Result<SagaRecord> SagaRepository::Get(const std::string& id) {
  static const std::string kSql = Select("WHERE id = $1");
  return SelectOne(kSql, {id});
}

Result<SagaRecord> SagaRepository::FindByIdempotencyKey(const std::string& type, const std::string& key) {
  static const std::string kSql = Select("WHERE type = $1 AND idempotency_key = $2");
  return SelectOne(kSql, {type, key});
}

Result<SagaRecord> SagaRepository::FindByBusinessKey(const std::string& type, const std::string& business_key) {
  static const std::string kSql = Select("WHERE type = $1 AND business_key = $2 ORDER BY created_at DESC LIMIT 1");
  return SelectOne(kSql, {type, business_key});
}

Result<SagaRecord> SagaRepository::LockByBusinessKey(const std::string& type, const std::string& business_key) {
  static const std::string kSql =
      Select("WHERE type = $1 AND business_key = $2 ORDER BY created_at DESC LIMIT 1 FOR UPDATE");
  return SelectOne(kSql, {type, business_key});
}

void SagaRepository::Update(const SagaRecord& saga, const HistoryEntry& entry) {
  const PendingStep* pending = saga.pending ? &*saga.pending : nullptr;
  // One statement for the row and its history entry (an event's two writes that always go
  // together); the entry is written only if the row was. Deferred: the version check runs on
  // the server, where a mismatch aborts the transaction.
  conn_.Defer(
      "WITH written AS (UPDATE sagaflow.sagas SET state = $2, status = $3, version = $4, context = $5::jsonb,"
      " pending_command_id = $6, pending_step = $7, pending_payload = $8::jsonb, pending_attempt = $9,"
      " pending_sent_at_ms = $11, updated_at = clock_timestamp()"
      " WHERE id = $1 AND version = $4 - 1 RETURNING id),"
      " logged AS (INSERT INTO sagaflow.saga_history (saga_id, seq, event, from_state, to_state, payload)"
      " SELECT id, $12, $13, $14, $15, $16::jsonb FROM written)"
      " SELECT sagaflow.expect_one_row((SELECT count(*) FROM written), $10)",
      {saga.id, saga.state, saga.status, std::to_string(saga.version), ToJson(saga.context),
       pending ? PgParam{pending->command_id} : PgParam{}, pending ? PgParam{pending->step} : PgParam{},
       pending ? PgParam{ToJson(pending->payload)} : PgParam{}, std::to_string(pending ? pending->attempt : 0),
       "saga " + saga.id + " " + std::string(kSagaChangedConcurrently) + " (expected version " +
           std::to_string(saga.version - 1) + ")",
       pending ? PgParam{std::to_string(pending->sent_at_ms)} : PgParam{}, std::to_string(entry.seq), entry.event,
       NullIfEmpty(entry.from_state), entry.to_state, ToJson(entry.payload)});
}

Result<std::vector<SagaRecord>> SagaRepository::List(const SagaFilter& filter) {
  static const std::string kSql = Select(
      "WHERE ($1::text IS NULL OR type = $1) AND ($2::text IS NULL OR status = $2)"
      " ORDER BY created_at DESC LIMIT $3");
  auto rows = conn_.Exec(kSql, {NullIfEmpty(filter.type), NullIfEmpty(filter.status), std::to_string(filter.limit)});
  if (!rows.ok()) return rows.status();
  std::vector<SagaRecord> sagas;
  sagas.reserve(static_cast<std::size_t>(rows->rows()));
  for (int i = 0; i < rows->rows(); ++i) sagas.push_back(RowToSaga(rows.value(), i));
  return sagas;
}

Result<std::vector<SagaCount>> SagaRepository::CountByTypeAndStatus() {
  auto rows = conn_.Exec("SELECT type, status, count(*) FROM sagaflow.sagas GROUP BY type, status ORDER BY 1, 2");
  if (!rows.ok()) return rows.status();
  std::vector<SagaCount> counts;
  for (int i = 0; i < rows->rows(); ++i) counts.push_back(SagaCount{rows->Get(i, 0), rows->Get(i, 1), rows->GetInt(i, 2)});
  return counts;
}

namespace {
constexpr std::string_view kSelectHistory =
    "SELECT seq, event, coalesce(from_state, ''), to_state, payload::text,"
    " to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM sagaflow.saga_history";

HistoryEntry RowToHistoryEntry(const PgResult& rows, int i) {
  return HistoryEntry{rows.GetInt(i, 0), rows.Get(i, 1), rows.Get(i, 2), rows.Get(i, 3), ParseObject(rows.Get(i, 4)),
                      rows.Get(i, 5)};
}
}  // namespace

Result<std::vector<HistoryEntry>> SagaRepository::History(const std::string& saga_id) {
  static const std::string kSql = std::string(kSelectHistory) + " WHERE saga_id = $1 ORDER BY seq";
  auto rows = conn_.Exec(kSql, {saga_id});
  if (!rows.ok()) return rows.status();
  std::vector<HistoryEntry> history;
  for (int i = 0; i < rows->rows(); ++i) history.push_back(RowToHistoryEntry(rows.value(), i));
  return history;
}

Result<std::optional<HistoryEntry>> SagaRepository::HistoryEntryAt(const std::string& saga_id, std::int64_t seq) {
  static const std::string kSql = std::string(kSelectHistory) + " WHERE saga_id = $1 AND seq = $2";
  auto rows = conn_.Exec(kSql, {saga_id, std::to_string(seq)});
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return std::optional<HistoryEntry>();
  return std::optional<HistoryEntry>(RowToHistoryEntry(rows.value(), 0));
}

}  // namespace sagaflow::storage
