#pragma once
// Saga rows and their append-only history. Every method runs on the caller's connection,
// inside the caller's transaction. Not thread-safe (neither is the connection).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "common/status.hpp"
#include "storage/pg_connection.hpp"

namespace sagaflow::storage {

//! The step a saga waits on: the command was (or will be) published; its reply is due.
struct PendingStep {
  std::string command_id;
  std::string step;
  json::object payload;
  int attempt = 1;
  //! When this attempt was sent (ms since the epoch): the step times out step_timeout after
  //! it (the engine's lazy step timer checks it). 0: unknown (a row older than migration 4).
  std::int64_t sent_at_ms = 0;
};

struct SagaRecord {
  std::string id;
  std::string type;
  std::string business_key;
  std::string state;
  std::string status;
  std::int64_t version = 0;
  std::string idempotency_key;
  std::string request_hash;
  json::object input;
  json::object context;
  std::optional<PendingStep> pending;
  std::string parent_id;  //!< the saga that started this one; empty for top-level sagas
  std::string created_at;
  std::string updated_at;
};

struct HistoryEntry {
  std::int64_t seq = 0;
  std::string event;
  std::string from_state;
  std::string to_state;
  json::object payload;
  std::string at;
};

struct SagaCount {
  std::string type;
  std::string status;
  std::int64_t count = 0;
};

struct SagaFilter {
  std::string type;    //!< empty: any
  std::string status;  //!< empty: any
  int limit = 50;
};

//! Part of the error a saga row update raises when its version check fails.
inline constexpr std::string_view kSagaChangedConcurrently = "changed concurrently";
//! The unique index on (type, idempotency_key); a Conflict whose message names it is a
//! start with a key used before.
inline constexpr std::string_view kIdempotencyIndex = "sagas_idempotency_key";

class SagaRepository {
 public:
  explicit SagaRepository(PgConnection& conn) : conn_(conn) {}

  //! Inserts a new saga unless (type, idempotency key) exists. Returns false on that conflict;
  //! on insert, sets saga.created_at (and updated_at) to the row's.
  Result<bool> InsertIfAbsent(SagaRecord& saga);
  //! Queues the insert of a new saga (deferred: it goes out with the transaction's next round
  //! trip) with saga.created_at as its creation time (empty: now, here). A (type, idempotency
  //! key) that exists fails that round trip with a Conflict naming kIdempotencyIndex.
  void Insert(SagaRecord& saga);
  //! The saga with this id, locked FOR UPDATE until the transaction ends. NotFound if absent.
  Result<SagaRecord> LockForUpdate(const std::string& id);
  //! Like LockForUpdate but returns NotFound also when another transaction holds the row (SKIP LOCKED).
  Result<SagaRecord> TryLock(const std::string& id);
  //! The saga with this id, unlocked. NotFound if absent.
  Result<SagaRecord> Get(const std::string& id);
  //! The saga started with this key for this type. NotFound if none.
  Result<SagaRecord> FindByIdempotencyKey(const std::string& type, const std::string& key);
  //! The newest saga of this type for a business key (an order id). NotFound if none.
  Result<SagaRecord> FindByBusinessKey(const std::string& type, const std::string& business_key);
  //! FindByBusinessKey and LockForUpdate in one statement.
  Result<SagaRecord> LockByBusinessKey(const std::string& type, const std::string& business_key);
  //! Writes state, status, context and pending step, and appends `entry` (the event that
  //! made this version) to the history, in one statement (deferred: sent with the next
  //! statement or the commit). `saga.version` must be the stored version + 1; if another
  //! writer got there first the server aborts the transaction with a serialization failure
  //! (Transient) and nothing is written.
  void Update(const SagaRecord& saga, const HistoryEntry& entry);
  Result<std::vector<SagaRecord>> List(const SagaFilter& filter);
  //! How many sagas there are per (type, status).
  Result<std::vector<SagaCount>> CountByTypeAndStatus();

  Result<std::vector<HistoryEntry>> History(const std::string& saga_id);
  //! The saga's history entry number `seq`, if it has one.
  Result<std::optional<HistoryEntry>> HistoryEntryAt(const std::string& saga_id, std::int64_t seq);

 private:
  Result<SagaRecord> SelectOne(std::string_view sql, const std::vector<PgParam>& params);
  PgConnection& conn_;
};

}  // namespace sagaflow::storage
