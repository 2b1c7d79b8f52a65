#pragma once
// The saga engine: starts sagas and applies every event (worker replies, signals, payment
// callbacks, timers) to the saga's state machine. Each call is ONE PostgreSQL transaction
// that locks the saga row (SELECT ... FOR UPDATE), feeds the event, and writes the new state,
// a history entry, the next step's command and timers together. Two sagad
// processes therefore never both apply an event to one saga; a crash before commit leaves
// nothing behind and the message is redelivered. Calls from HTTP handlers that arrive while
// others commit share their transaction (a group commit, WriteGroup); a reply batch is one.
// Thread-safe: each call borrows its own connection from the pool.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"
#include "common/status.hpp"
#include "common/wire.hpp"
#include "orchestrator/engine_metrics.hpp"
#include "orchestrator/outbox_handoff.hpp"
#include "orchestrator/saga_cache.hpp"
#include "orchestrator/write_group.hpp"
#include "storage/connection_pool.hpp"
#include "storage/saga_repository.hpp"
#include "workflows/workflow_registry.hpp"

namespace sagaflow::orchestrator {

//! Engine block of the config file:
//!
//! | key                 | description                                              | default |
//! |---------------------|----------------------------------------------------------|---------|
//! | step_timeout        | a step with no reply by then is sent again               | 30s     |
//! | max_attempts        | sends of one step before it counts as failed             | 5       |
//! | retry_backoff       | delay before re-sending after a `retry` reply; doubles   | 500ms   |
//! | retry_backoff_max   | cap of that delay                                        | 30s     |
//! | cache_size          | saga rows kept in memory between events (0: off)         | 10000   |
//! | write_groups        | HTTP-driven transactions committing at once before the   | 2       |
//! |                     | next caller waits to share a group commit (0: no groups) |         |
struct EngineOptions {
  std::chrono::milliseconds step_timeout{30'000};
  int max_attempts = 5;
  std::chrono::milliseconds retry_backoff{500};
  std::chrono::milliseconds retry_backoff_max{30'000};
  std::size_t cache_size = 10'000;
  int write_groups = 2;
  //! Set on every command this engine sends (wire::Command::reply_to): the instance name whose
  //! sticky replies queue this sagad consumes. Empty: replies go to the shared queue.
  std::string reply_to;
  //! Test hook (env SAGAFLOW_TESTPOINT_LOSE_COMMIT_ANSWER=<event>, e.g. signal.ship): the
  //! first transaction that applies this event loses its connection right after its COMMIT
  //! took effect, as if the answer had been lost on the way.
  std::string lose_commit_answer_event;
};

struct StartOutcome {
  storage::SagaRecord saga;
  bool created = false;  //!< false: the idempotency key had already started this saga
};

struct SagaView {
  storage::SagaRecord saga;
  std::vector<storage::HistoryEntry> history;
};

class SagaEngine {
 public:
  //! `handoff`: where committed outbox rows go for publishing at once (null: they wait for a
  //! relay's sweep).
  SagaEngine(storage::ConnectionPool& pool, const workflows::WorkflowRegistry& registry, EngineOptions options,
             OutboxHandoff* handoff = nullptr)
      : pool_(pool), registry_(registry), options_(options), handoff_(handoff) {}

  //! Starts a saga, or returns the one `idempotency_key` already started. NotFound (unknown
  //! type), InvalidArgument (bad input, names the field), Unprocessable (key reused with another body).
  Result<StartOutcome> Start(std::string_view type, const std::string& idempotency_key, const json::object& input);
  //! Feeds "signal.<name>". NotFound (saga or signal name), InvalidArgument (payload),
  //! Conflict naming the state when the state does not accept it.
  Result<storage::SagaRecord> Signal(const std::string& saga_id, std::string_view name, const json::object& payload);
  //! The newest saga of `type` for a business key (an order id). NotFound if none.
  Result<storage::SagaRecord> FindByBusinessKey(std::string_view type, const std::string& business_key);
  //! Feeds a verified payment ("payment.succeeded") into the order saga of `order_id`.
  //! A repeated callback for a payment already applied is OK and changes nothing.
  Result<storage::SagaRecord> ApplyPayment(const std::string& order_id, const json::object& payment);
  //! Applies a worker's reply at most once. OK also for duplicates, stale replies and
  //! unknown sagas, which are logged and dropped: the caller acks after OK.
  Status HandleReply(const wire::Reply& reply);
  //! Applies replies to different sagas in ONE transaction (one commit for the lot). If
  //! any fails, each is applied alone instead, so a bad reply fails only itself. One
  //! status per reply, in order.
  std::vector<Status> HandleReplies(const std::vector<wire::Reply>& replies);
  //! Fires one due timer; false when none is due.
  Result<bool> FireDueTimer();
  //! Milliseconds until the next timer is due (nullopt: no timers).
  Result<std::optional<std::chrono::milliseconds>> NextTimerDueIn();
  //! Operator action: sends the saga's pending step again as a new command (a worker runs
  //! it again rather than replaying its stored answer) and returns a stuck saga to
  //! running. Conflict if nothing is pending.
  Result<storage::SagaRecord> RetryPendingStep(const std::string& saga_id);

  Result<SagaView> Get(const std::string& saga_id);
  //! How many sagas there are per (type, status) (for /metrics).
  Result<std::vector<storage::SagaCount>> CountSagas();
  const EngineMetrics& metrics() const { return metrics_; }
  //! For the loops around the engine (the reply consumer counts its messages here).
  EngineMetrics& mutable_metrics() { return metrics_; }
  Result<std::vector<storage::SagaRecord>> List(const storage::SagaFilter& filter);
  //! HTTP-driven transactions that carried two or more events (a group commit), and the
  //! events those carried.
  std::uint64_t shared_commits() const { return http_writes_.shared_transactions(); }
  std::uint64_t events_in_shared_commits() const { return http_writes_.shared_bodies(); }

 private:
  //! The most HTTP-driven events one transaction carries.
  static constexpr std::size_t kMaxWriteGroup = 16;
  //! Runs `body` in one transaction, retrying a few times on Transient errors (deadlocks,
  //! serialization failures, a dropped connection). Commits only when `body` returns OK.
  Status InTransaction(const std::function<Status(storage::PgConnection&)>& body);
  //! InTransaction for an HTTP caller's event: shares a group commit with the callers that
  //! wait while write_groups transactions are committing (WriteGroup).
  Status InWriteGroup(const std::function<Status(storage::PgConnection&)>& body);
  //! The saga row for an event. With `from_cache`: the cached copy if there is one (no read,
  //! no lock: the write's version check guards it; a decision that writes nothing must be
  //! taken again on the database's row), recorded for InTransaction. Otherwise, or on a
  //! miss: SELECT ... FOR UPDATE.
  Result<storage::SagaRecord> LoadForUpdate(storage::PgConnection& conn, const std::string& saga_id,
                                            bool* from_cache = nullptr);
  //! LoadForUpdate for the newest saga of `type` with `business_key` (the cache is asked by
  //! business key; meant for keys that name one saga, such as an order's id).
  Result<storage::SagaRecord> LoadByBusinessKeyForUpdate(storage::PgConnection& conn, const std::string& type,
                                                         const std::string& business_key, bool* from_cache = nullptr);
  //! Writes the saga row and the history entry of its new version (SagaRepository::Update,
  //! one statement) and records the row for the cache.
  void WriteSaga(storage::PgConnection& conn, const storage::SagaRecord& saga, storage::HistoryEntry entry);
  //! Writes an outbox row; InTransaction hands it to the relay once it has committed.
  void WriteOutbox(storage::PgConnection& conn, storage::OutboxMessage message);
  //! Queues a step command: handed to the relay after the commit without an outbox row when
  //! this process has a relay (the saga row and its step timer are the durable copy), else
  //! WriteOutbox.
  void SendCommand(storage::PgConnection& conn, storage::OutboxMessage message);
  //! Gives the rows a transaction committed to the relay (handoff_ must be set).
  void HandOff(std::vector<storage::OutboxMessage> committed);
  //! HandleReply's body, inside the caller's transaction.
  Status ApplyReply(storage::PgConnection& conn, const wire::Reply& reply, bool use_cache);
  //! Feeds `event` to the locked `saga` and writes the outcome. Conflict if refused.
  Status ApplyLocked(storage::PgConnection& conn, storage::SagaRecord& saga, const workflows::SagaEvent& event,
                     bool answers_pending_step);
  //! Writes the transition's step, timers and domain events; updates the row + history.
  Status PersistTransition(storage::PgConnection& conn, storage::SagaRecord& saga, const workflows::SagaEvent& event,
                           const workflows::Transition& transition, bool answers_pending_step);
  //! Inserts and starts the child saga a transition asked for (at most one per type).
  Status StartChild(storage::PgConnection& conn, const storage::SagaRecord& parent,
                    const workflows::ChildSagaRequest& request);
  //! A child saga ended: feeds "<type>.<status>" with its context to the parent.
  Status NotifyParent(storage::PgConnection& conn, const storage::SagaRecord& child);
  //! Queues the pending step's command (attempt = pending.attempt, sent_at_ms set by the
  //! caller before writing the row); with `arm_step_timer`, makes sure the saga has a step
  //! timer (a no-op insert when it has one already, so callers skip it when they know).
  void SendPendingStep(storage::PgConnection& conn, const storage::SagaRecord& saga, bool arm_step_timer);
  //! Bumps the version and returns its history entry, for WriteSaga. Every change to a saga
  //! goes through here.
  static storage::HistoryEntry NextVersion(storage::SagaRecord& saga, std::string event, std::string from_state,
                                           json::object payload);
  //! The pending step failed for good: feed "<step>.failed"; if the machine has no way
  //! out of this state, park the saga as stuck for an operator.
  Status FailPendingStep(storage::PgConnection& conn, storage::SagaRecord& saga, std::string code,
                         std::string message);
  //! Re-sends the pending step if attempts remain, otherwise fails it.
  Status RetryOrFail(storage::PgConnection& conn, storage::SagaRecord& saga, std::string reason);
  Status FireStepTimer(storage::PgConnection& conn, storage::SagaRecord& saga, const json::object& payload);
  std::chrono::milliseconds Backoff(int attempt) const;
  const workflows::SagaWorkflow* WorkflowOf(const storage::SagaRecord& saga) const;

  storage::ConnectionPool& pool_;
  const workflows::WorkflowRegistry& registry_;
  const EngineOptions options_;
  OutboxHandoff* const handoff_;
  EngineMetrics metrics_;
  SagaCache cache_{options_.cache_size};
  std::atomic<bool> lost_commit_answer_{false};  //!< the test hook above fires once
  //! HTTP-driven transactions (Start, Signal, ApplyPayment) share commits (InWriteGroup).
  BasicWriteGroup<storage::PgConnection> http_writes_{
      [this](const std::function<Status(storage::PgConnection&)>& body) { return InTransaction(body); },
      kMaxWriteGroup, std::max(1, options_.write_groups)};
};

//! Name of the engine's own timer that guards the pending step (timeout or retry backoff).
inline constexpr std::string_view kStepTimer = "step";
//! Prefix of timers a workflow sets; "payment_window" fires the event "timer.payment_window".
inline constexpr std::string_view kWorkflowTimerPrefix = "timer.";

}  // namespace sagaflow::orchestrator
