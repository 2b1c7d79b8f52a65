#include "orchestrator/saga_engine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/crypto.hpp"
#include "common/ids.hpp"
#include "storage/inbox_repository.hpp"
#include "storage/outbox_repository.hpp"
#include "storage/timer_repository.hpp"
#include "storage/transaction.hpp"

namespace sagaflow::orchestrator {

using storage::PgConnection;
using storage::SagaRecord;
using workflows::SagaEvent;
using workflows::SagaStatus;
using workflows::Transition;

namespace {
constexpr int kTransactionAttempts = 3;
//! Prefix of the Permanent status an exception thrown by a machine becomes.
constexpr std::string_view kMachineFailure = "machine failure: ";

//! The sagas the current engine transaction read from the cache or wrote: stored in the
//! cache after the commit, dropped from it after a failure. Engine calls are synchronous,
//! so one thread runs one transaction at a time.
struct TouchedSagas {
  std::vector<SagaRecord> written;
  std::vector<storage::HistoryEntry> written_entries;  //!< the history entry of each written saga
  std::vector<std::string> read;
  std::vector<storage::OutboxMessage> outbox;  //!< ids filled in when the inserts ran
  //! Sagas whose step timer row this transaction deleted (it fired).
  std::vector<std::string> step_timer_deleted;
};
thread_local TouchedSagas* t_touched = nullptr;

//! Whether `saga` (as loaded, before this transition) certainly has its step timer row.
bool StepTimerInPlace(const SagaRecord& saga) {
  // Invariant: a running saga with a pending step has its step timer row. Every dispatch
  // arms it if absent; only a firing (FireDueTimer) and a stuck saga's parking remove it.
  if (!saga.pending || saga.status != workflows::SagaStatusName(SagaStatus::kRunning)) return false;
  if (t_touched == nullptr) return false;
  const auto& deleted = t_touched->step_timer_deleted;
  return std::find(deleted.begin(), deleted.end(), saga.id) == deleted.end();
}

bool IsMachineFailure(const Status& status) {
  return status.IsPermanent() && status.message().rfind(kMachineFailure, 0) == 0;
}

//! Wall-clock milliseconds since the epoch (saga rows record when a step was sent).
std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string StepEventName(std::string_view step, std::string_view outcome) {
  return std::string(step) + "." + std::string(outcome);
}

//! After a COMMIT whose answer the connection lost: whether it took effect, read on another
//! connection. Sagas are written with a version check, one history entry per new version, so
//! the entries this transaction wrote are there, with their events and payloads, iff it
//! committed (or an identical event was applied in its place: the same effect).
enum class CommitOutcome { kTookEffect, kDidNot, kUnknown };

CommitOutcome ReadBackCommit(storage::ConnectionPool& pool, const TouchedSagas& touched) {
  if (touched.written.empty()) return CommitOutcome::kDidNot;  // nothing to tell it by: run it again
  // Whatever cut this transaction's connection (a restart, a failover) may have cut the
  // pooled ones too: a few tries, each on another connection.
  for (int attempt = 1; attempt <= kTransactionAttempts; ++attempt) {
    auto conn = pool.Acquire();
    if (!conn.ok()) return CommitOutcome::kUnknown;
    storage::SagaRepository sagas(**conn);
    bool read_all = true;
    bool all_there = true;
    for (std::size_t i = 0; all_there && i < touched.written.size(); ++i) {
      const storage::HistoryEntry& ours = touched.written_entries[i];
      auto found = sagas.HistoryEntryAt(touched.written[i].id, ours.seq);
      if (!found.ok()) {
        read_all = false;
        break;
      }
      all_there = found->has_value() && (*found)->event == ours.event && (*found)->to_state == ours.to_state &&
                  (*found)->payload == ours.payload;
    }
    if (read_all) return all_there ? CommitOutcome::kTookEffect : CommitOutcome::kDidNot;
  }
  return CommitOutcome::kUnknown;
}

//! After a COMMIT that failed with `failed` on a connection now lost. Running the event again
//! would, had the commit taken effect, apply it to the state it caused: a signal would be
//! refused with 409 although it took effect. So: Ok if it took effect; `failed` if it did not
//! (the transaction runs again); and if that cannot be read back, a Transient error with
//! `give_up` set, so that the caller's request is retried instead.
Status ResolveLostCommit(storage::ConnectionPool& pool, const TouchedSagas& touched, Status failed, bool& give_up) {
  switch (ReadBackCommit(pool, touched)) {
    case CommitOutcome::kTookEffect:
      spdlog::warn("the answer to a COMMIT was lost ({}), but it took effect: {} saga(s) show its writes",
                   failed.ToString(), touched.written.size());
      return Status::Ok();
    case CommitOutcome::kUnknown:
      give_up = true;
      return Status::Transient(
          "the database connection was lost during COMMIT, and whether it took effect could not be read back: " +
          failed.message());
    case CommitOutcome::kDidNot:
      break;
  }
  return failed;
}

//! The test hook EngineOptions::lose_commit_answer_event: once, when the committed
//! transaction applied that event, kill its connection as if the COMMIT's answer had been
//! lost. True when it did.
bool LoseCommitAnswerForTest(const std::string& event, std::atomic<bool>& fired, PgConnection& conn,
                             const TouchedSagas& touched) {
  if (event.empty()) return false;
  const auto& entries = touched.written_entries;
  const bool ours = std::any_of(entries.begin(), entries.end(),
                                [&](const storage::HistoryEntry& entry) { return entry.event == event; });
  if (!ours || fired.exchange(true)) return false;
  (void)conn.ExecScript("SELECT pg_terminate_backend(pg_backend_pid())");
  return true;
}
}  // namespace

Status SagaEngine::InTransaction(const std::function<Status(PgConnection&)>& body) {
  Status last;
  for (int attempt = 1; attempt <= kTransactionAttempts; ++attempt) {
    auto conn = pool_.Acquire();
    if (!conn.ok()) return conn.status();
    TouchedSagas touched;
    t_touched = &touched;
    bool give_up = false;  // set by ResolveLostCommit when the outcome cannot be told
    storage::Transaction tx(**conn);
    if (!tx.status().ok()) {
      last = tx.status();
    } else {
      last = body(**conn);
      if (last.ok()) {
        last = tx.Commit();
        if (last.ok() && LoseCommitAnswerForTest(options_.lose_commit_answer_event, lost_commit_answer_, **conn, touched)) {
          last = Status::Transient("testpoint: the answer to COMMIT was lost");
        }
        // The connection broke after COMMIT went out: the commit may have taken effect.
        if (!last.ok() && (**conn).Lost()) last = ResolveLostCommit(pool_, touched, std::move(last), give_up);
      }
    }
    t_touched = nullptr;
    for (SagaRecord& saga : touched.written) {
      const std::string id = saga.id;
      cache_.EndWrite(id, last.ok() ? std::optional<SagaRecord>(std::move(saga)) : std::nullopt);
    }
    if (last.ok()) {
      if (handoff_ != nullptr) HandOff(std::move(touched.outbox));
      return last;
    }
    // Another sagad's write fails our version check: the next attempt reads the row.
    for (const std::string& id : touched.read) cache_.Erase(id);
    if (!last.IsTransient() || give_up) return last;
    // A cached row another sagad had moved on is expected when several share the work.
    const bool stale_row = last.message().find(storage::kSagaChangedConcurrently) != std::string::npos;
    if (stale_row) Count(metrics_.cache_stale);
    spdlog::log(stale_row ? spdlog::level::debug : spdlog::level::warn, "transaction attempt {} failed, retrying: {}",
                attempt, last.ToString());
  }
  return last;
}

Result<SagaRecord> SagaEngine::LoadForUpdate(PgConnection& conn, const std::string& saga_id, bool* from_cache) {
  if (from_cache != nullptr) {
    if (t_touched != nullptr) t_touched->read.push_back(saga_id);
    if (auto cached = cache_.Find(saga_id)) {
      *from_cache = true;
      Count(metrics_.cache_hits);
      return std::move(*cached);
    }
    *from_cache = false;
    Count(metrics_.cache_misses);
  }
  return storage::SagaRepository(conn).LockForUpdate(saga_id);
}

Result<SagaRecord> SagaEngine::LoadByBusinessKeyForUpdate(PgConnection& conn, const std::string& type,
                                                           const std::string& business_key, bool* from_cache) {
  if (from_cache != nullptr) {
    if (auto cached = cache_.FindByBusinessKey(type, business_key)) {
      if (t_touched != nullptr) t_touched->read.push_back(cached->id);
      *from_cache = true;
      Count(metrics_.cache_hits);
      return std::move(*cached);
    }
    *from_cache = false;
    Count(metrics_.cache_misses);
  }
  return storage::SagaRepository(conn).LockByBusinessKey(type, business_key);
}

void SagaEngine::WriteSaga(PgConnection& conn, const SagaRecord& saga, storage::HistoryEntry entry) {
  if (t_touched == nullptr) {  // not in InTransaction: never cached
    cache_.Erase(saga.id);
    storage::SagaRepository(conn).Update(saga, entry);
    return;
  }
  // Out of the cache before the commit, back after it (InTransaction): what the commit
  // causes never sees the row as it was before.
  cache_.BeginWrite(saga.id);
  t_touched->written.push_back(saga);
  storage::SagaRepository(conn).Update(saga, entry);
  t_touched->written_entries.push_back(std::move(entry));  // to read back a commit whose answer is lost
}

void SagaEngine::HandOff(std::vector<storage::OutboxMessage> committed) {
  // Every insert reported its id when the commit succeeded; one without (never expected)
  // stays in the outbox for the relay's sweep rather than being published twice.
  std::erase_if(committed, [](const storage::OutboxMessage& message) {
    if (!message.has_row || message.id != 0) return false;
    spdlog::warn("outbox message {} has no id after commit; left to the sweep", message.message_id);
    return true;
  });
  handoff_->Push(std::move(committed));
}

void SagaEngine::WriteOutbox(PgConnection& conn, storage::OutboxMessage message) {
  if (t_touched == nullptr) {
    storage::OutboxRepository(conn).Insert(message);  // not in InTransaction: left to the sweep
    return;
  }
  TouchedSagas* touched = t_touched;
  const std::size_t index = touched->outbox.size();
  touched->outbox.push_back(message);
  // The callback runs inside this attempt (the Commit that sends the insert), while `touched` lives.
  storage::OutboxRepository(conn).Insert(message, [touched, index](std::int64_t id) { touched->outbox[index].id = id; });
}

void SagaEngine::SendCommand(PgConnection& conn, storage::OutboxMessage message) {
  if (t_touched == nullptr || handoff_ == nullptr) {
    WriteOutbox(conn, std::move(message));  // no relay in this process to hand it to: the sweep's
    return;
  }
  // No outbox row: the saga row this transaction writes holds the pending step (command id,
  // payload, send time) and the saga has a step timer, which sends it again after
  // step_timeout if it never reaches a worker (this process dies before publishing it, or
  // the broker drops it). The relay writes it into the outbox if it cannot publish it.
  message.has_row = false;
  t_touched->outbox.push_back(std::move(message));
}

const workflows::SagaWorkflow* SagaEngine::WorkflowOf(const SagaRecord& saga) const {
  return registry_.Find(saga.type);
}

std::chrono::milliseconds SagaEngine::Backoff(int attempt) const {
  auto delay = options_.retry_backoff;
  for (int i = 1; i < attempt && delay < options_.retry_backoff_max; ++i) delay *= 2;
  return std::min(delay, options_.retry_backoff_max);
}

Status SagaEngine::InWriteGroup(const std::function<Status(PgConnection&)>& body) {
  if (options_.write_groups <= 0) return InTransaction(body);
  return http_writes_.Run(body);
}

Result<StartOutcome> SagaEngine::Start(std::string_view type, const std::string& idempotency_key,
                                       const json::object& input) {
  const workflows::SagaWorkflow* workflow = registry_.Find(type);
  if (workflow == nullptr) return Status::NotFound("unknown saga type '" + std::string(type) + "'");
  if (idempotency_key.empty() || idempotency_key.size() > 200) {
    return Status::InvalidArgument("Idempotency-Key", "header is required (1 to 200 characters)");
  }
  auto plan = workflow->Prepare(input);
  if (!plan.ok()) return plan.status();
  const std::string request_hash = Sha256Hex(ToJson(input));

  // Optimistic: a new key is the common case, so the saga's insert goes out with the rest of
  // the transaction in one round trip. A key used before fails it on the unique index, and
  // then the saga that key started is read in a second transaction.
  StartOutcome outcome;
  Status status = InWriteGroup([&](PgConnection& conn) -> Status {
    SagaRecord saga;
    saga.id = NewUuid();
    saga.type = std::string(type);
    saga.business_key = plan->business_key;
    saga.idempotency_key = idempotency_key;
    saga.request_hash = request_hash;
    saga.input = input;
    saga.context = plan->context;
    auto started = workflow->Start(saga.context);
    if (!started.ok()) return started.status();
    saga.state = started->to;
    saga.status = std::string(workflows::SagaStatusName(started->status));
    saga.version = 0;  // NextVersion below makes it 1
    storage::SagaRepository(conn).Insert(saga);
    saga.state.clear();  // history entry 1 reads "(new) -> <initial state>"
    SAGAFLOW_RETURN_IF_ERROR(PersistTransition(conn, saga, SagaEvent{"started", {}}, started.value(), false));
    // `saga` is now what the row will hold once committed: no read back.
    outcome = StartOutcome{std::move(saga), true};
    return Status::Ok();
  });
  if (status.IsConflict() && status.message().find(storage::kIdempotencyIndex) != std::string::npos) {
    status = InTransaction([&](PgConnection& conn) -> Status {
      auto existing = storage::SagaRepository(conn).FindByIdempotencyKey(std::string(type), idempotency_key);
      if (!existing.ok()) return existing.status();
      if (existing->request_hash != request_hash) {
        return Status::Unprocessable("Idempotency-Key '" + idempotency_key +
                                     "' was already used with a different request body");
      }
      outcome = StartOutcome{std::move(existing.value()), false};
      return Status::Ok();
    });
  }
  if (!status.ok()) return status;
  if (outcome.created) {
    Count(metrics_.sagas_started);
    spdlog::info("saga={} type={} business_key={} started in state {}", outcome.saga.id, outcome.saga.type,
                 outcome.saga.business_key, outcome.saga.state);
  }
  return outcome;
}

storage::HistoryEntry SagaEngine::NextVersion(SagaRecord& saga, std::string event, std::string from_state,
                                              json::object payload) {
  ++saga.version;
  storage::HistoryEntry entry;
  entry.seq = saga.version;
  entry.event = std::move(event);
  entry.from_state = std::move(from_state);
  entry.to_state = saga.state;
  entry.payload = std::move(payload);
  return entry;
}

void SagaEngine::SendPendingStep(PgConnection& conn, const SagaRecord& saga, bool arm_step_timer) {
  const storage::PendingStep& pending = *saga.pending;
  wire::Command command;
  command.command_id = pending.command_id;
  command.saga_id = saga.id;
  command.saga_type = saga.type;
  command.step = pending.step;
  command.attempt = pending.attempt;
  command.payload = pending.payload;
  command.sent_at_ms = pending.sent_at_ms;
  command.reply_to = options_.reply_to;
  SendCommand(conn, storage::OutboxMessage{0, command.command_id, std::string(wire::kCommandsExchange), command.step,
                                         saga.id, wire::EncodeCommand(command)});
  // Lazy: a saga keeps its step timer row while it has work in flight; an earlier one stays
  // (it fires first and is moved to this attempt's deadline then, see FireStepTimer).
  if (arm_step_timer) storage::TimerRepository(conn).Arm(saga.id, std::string(kStepTimer), options_.step_timeout);
}

Status SagaEngine::PersistTransition(PgConnection& conn, SagaRecord& saga, const SagaEvent& event,
                                     const Transition& transition, bool answers_pending_step) {
  storage::TimerRepository timers(conn);
  // Answering one step and sending the next (most transitions) needs no timer write.
  const bool step_timer_in_place = StepTimerInPlace(saga);
  const std::string from = saga.state;
  saga.state = transition.to;
  saga.status = std::string(workflows::SagaStatusName(transition.status));

  // The row exists already (Start inserts it first), so history may reference it now.
  storage::HistoryEntry entry = NextVersion(saga, event.name, from, event.payload);
  const bool new_step = transition.step.has_value();
  if (new_step) {
    saga.pending = storage::PendingStep{NewUuid(), transition.step->step, transition.step->payload, 1, NowMs()};
  } else if (answers_pending_step || transition.status != SagaStatus::kRunning) {
    // Answered, or abandoned by a state that runs no step (a cancel while a query was out):
    // a late reply to it is then stale and ignored.
    saga.pending.reset();
  }
  WriteSaga(conn, saga, std::move(entry));
  // An answered step leaves its timer: it fires, finds nothing pending, and is gone. Cheaper
  // than deleting it at every answer and writing it again at the next dispatch.
  if (new_step) SendPendingStep(conn, saga, /*arm_step_timer=*/!step_timer_in_place);
  if (workflows::IsTerminal(transition.status)) {
    timers.CancelAll(saga.id);  // covers the ones the transition cancels; none to set any more
  } else {
    std::vector<std::string> cancelled;
    for (const std::string& name : transition.cancel_timers) cancelled.push_back(std::string(kWorkflowTimerPrefix) + name);
    timers.Cancel(saga.id, cancelled);
    for (const workflows::TimerRequest& timer : transition.set_timers) {
      timers.Schedule(saga.id, std::string(kWorkflowTimerPrefix) + timer.name, timer.delay, timer.payload);
    }
  }
  for (const workflows::DomainEvent& domain_event : transition.events) {
    json::object body = domain_event.body;
    const std::string event_id = NewUuid();
    body["event_id"] = event_id;
    body["event"] = domain_event.routing_key;
    body["saga_id"] = saga.id;
    // Events of one saga may overtake each other on the way (relays publish in parallel);
    // the version they were written at orders them.
    body["saga_version"] = saga.version;
    WriteOutbox(conn, storage::OutboxMessage{0, event_id, std::string(wire::kEventsExchange),
                                           domain_event.routing_key, saga.id, ToJson(body)});
  }
  Count(metrics_.transitions);
  spdlog::info("saga={} {} -> {} on {} (status {})", saga.id, from.empty() ? "(new)" : from, saga.state, event.name,
               saga.status);
  // Last, so the parent or child transaction steps below see this saga's final row.
  if (transition.start_child) SAGAFLOW_RETURN_IF_ERROR(StartChild(conn, saga, *transition.start_child));
  if (workflows::IsTerminal(transition.status) && !saga.parent_id.empty()) {
    SAGAFLOW_RETURN_IF_ERROR(NotifyParent(conn, saga));
  }
  return Status::Ok();
}

Status SagaEngine::StartChild(PgConnection& conn, const SagaRecord& parent, const workflows::ChildSagaRequest& request) {
  const workflows::SagaWorkflow* workflow = registry_.Find(request.type);
  if (workflow == nullptr) return Status::Permanent("saga " + parent.id + " starts unknown type " + request.type);
  auto plan = workflow->Prepare(request.input);
  if (!plan.ok()) return plan.status();
  SagaRecord child;
  child.id = NewUuid();
  child.type = request.type;
  child.business_key = plan->business_key;
  child.idempotency_key = parent.id + ":" + request.type;  // one child of a type per parent
  child.parent_id = parent.id;
  child.input = request.input;
  child.context = std::move(plan->context);
  auto started = workflow->Start(child.context);
  if (!started.ok()) return started.status();
  child.state = started->to;
  child.status = std::string(workflows::SagaStatusName(started->status));
  auto inserted = storage::SagaRepository(conn).InsertIfAbsent(child);
  if (!inserted.ok()) return inserted.status();
  if (!inserted.value()) return Status::Ok();
  child.state.clear();
  return PersistTransition(conn, child, SagaEvent{"started", json::object{{"parent_id", parent.id}}}, started.value(),
                           false);
}

Status SagaEngine::NotifyParent(PgConnection& conn, const SagaRecord& child) {
  auto parent = storage::SagaRepository(conn).LockForUpdate(child.parent_id);
  if (!parent.ok()) return parent.status();
  const SagaEvent event{child.type + "." + child.status, child.context};
  Status applied = ApplyLocked(conn, parent.value(), event, false);
  if (applied.IsConflict()) {
    spdlog::warn("saga={} parent {} in state {} ignores {}", child.id, parent->id, parent->state, event.name);
    return Status::Ok();
  }
  return applied;
}

Status SagaEngine::ApplyLocked(PgConnection& conn, SagaRecord& saga, const SagaEvent& event,
                               bool answers_pending_step) {
  const workflows::SagaWorkflow* workflow = WorkflowOf(saga);
  if (workflow == nullptr) return Status::Permanent("saga " + saga.id + " has unknown type " + saga.type);
  // The machine works on a copy: an action that throws (a bug in a saga definition) must
  // leave neither a half-updated context nor a dead consumer thread behind.
  json::object context = saga.context;
  Result<workflows::Transition> transition = Status::Permanent("not applied");
  try {
    transition = workflow->Apply(saga.state, event, context);
  } catch (const std::exception& error) {
    spdlog::error("saga={} the {} machine threw on {} in state {}: {}", saga.id, saga.type, event.name, saga.state,
                  error.what());
    return Status::Permanent(std::string(kMachineFailure) + "the " + saga.type + " machine threw on " + event.name +
                             " in state " + saga.state + ": " + error.what());
  }
  if (!transition.ok()) return transition.status();
  saga.context = std::move(context);
  return PersistTransition(conn, saga, event, transition.value(), answers_pending_step);
}

Result<SagaRecord> SagaEngine::Signal(const std::string& saga_id, std::string_view name, const json::object& payload) {
  if (!IsUuid(saga_id)) return Status::NotFound("no saga " + saga_id);
  SagaRecord result;
  Status status = InWriteGroup([&](PgConnection& conn) -> Status {
    bool cached = false;
    auto saga = LoadForUpdate(conn, saga_id, &cached);
    if (!saga.ok()) return saga.status().IsNotFound() ? Status::NotFound("no saga " + saga_id) : saga.status();
    const workflows::SagaWorkflow* workflow = WorkflowOf(saga.value());
    if (workflow == nullptr) return Status::Permanent("saga has unknown type " + saga->type);
    SAGAFLOW_RETURN_IF_ERROR(workflow->ValidateSignal(name, payload));
    const SagaEvent event{"signal." + std::string(name), payload};
    Status applied = ApplyLocked(conn, saga.value(), event, false);
    if (applied.IsConflict() && cached) {
      // Refused on a cached row (another sagad may have moved the saga on): ask the database.
      Count(metrics_.cache_stale);
      saga = LoadForUpdate(conn, saga_id);
      if (!saga.ok()) return saga.status();
      applied = ApplyLocked(conn, saga.value(), event, false);
    }
    if (applied.IsConflict()) {
      Count(metrics_.events_refused);
      return Status::Conflict("saga is in state '" + saga->state + "', which does not accept signal '" +
                              std::string(name) + "'");
    }
    SAGAFLOW_RETURN_IF_ERROR(applied);
    result = std::move(saga.value());
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return result;
}

Result<SagaRecord> SagaEngine::FindByBusinessKey(std::string_view type, const std::string& business_key) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto found = storage::SagaRepository(**conn).FindByBusinessKey(std::string(type), business_key);
  if (found.status().IsNotFound()) return Status::NotFound("no " + std::string(type) + " " + business_key);
  return found;
}

Result<SagaRecord> SagaEngine::ApplyPayment(const std::string& order_id, const json::object& payment) {
  SagaRecord result;
  Status status = InWriteGroup([&](PgConnection& conn) -> Status {
    // The order's id is its saga's business key, a UUID the order workflow made: one saga.
    bool cached = false;
    auto saga = LoadByBusinessKeyForUpdate(conn, "order", order_id, &cached);
    if (!saga.ok()) return saga.status().IsNotFound() ? Status::NotFound("no order " + order_id) : saga.status();
    // The channel retries callbacks: one already applied is acknowledged, not refused.
    auto already_paid = [&](const SagaRecord& order) {
      const json::object* known = ObjectOrNull(order.context, "payment");
      return known != nullptr && StringOr(*known, "status") == "paid" &&
             StringOr(*known, "payment_id") == StringOr(payment, "payment_id");
    };
    if (already_paid(saga.value())) {
      result = std::move(saga.value());
      return Status::Ok();
    }
    Status applied = ApplyLocked(conn, saga.value(), SagaEvent{"payment.succeeded", payment}, false);
    if (applied.IsConflict() && cached) {
      // Refused on a cached row (another sagad may have moved the order on): ask the database.
      Count(metrics_.cache_stale);
      saga = LoadByBusinessKeyForUpdate(conn, "order", order_id);
      if (!saga.ok()) return saga.status();
      if (already_paid(saga.value())) {
        result = std::move(saga.value());
        return Status::Ok();
      }
      applied = ApplyLocked(conn, saga.value(), SagaEvent{"payment.succeeded", payment}, false);
    }
    if (applied.IsConflict()) {
      Count(metrics_.events_refused);
      return Status::Conflict("order saga is in state '" + saga->state + "', which does not accept a payment" +
                              " (or the amount does not match)");
    }
    SAGAFLOW_RETURN_IF_ERROR(applied);
    result = std::move(saga.value());
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return result;
}

Status SagaEngine::FailPendingStep(PgConnection& conn, SagaRecord& saga, std::string code, std::string message) {
  const std::string step = saga.pending->step;
  json::object failure{{"step", step}, {"code", code}, {"message", message}};
  Status applied = ApplyLocked(conn, saga, SagaEvent{StepEventName(step, "failed"), failure}, true);
  if (!applied.IsConflict()) return applied;
  // No way forward or back from here: park it. The pending step stays, so an operator can
  // fix the cause and `sagactl retry` it.
  saga.status = std::string(workflows::SagaStatusName(SagaStatus::kStuck));
  WriteSaga(conn, saga, NextVersion(saga, "saga.stuck", saga.state, failure));
  storage::TimerRepository(conn).Cancel(saga.id, std::string(kStepTimer));
  Count(metrics_.sagas_stuck);
  spdlog::error("saga={} stuck in state {}: step {} failed ({}: {}) and the saga has no compensation for it",
                saga.id, saga.state, step, code, message);
  return Status::Ok();
}

Status SagaEngine::RetryOrFail(PgConnection& conn, SagaRecord& saga, std::string reason) {
  storage::PendingStep& pending = *saga.pending;
  if (pending.attempt >= options_.max_attempts) {
    return FailPendingStep(conn, saga, std::string(workflows::kRetriesExhausted),
                           "step " + pending.step + " gave up after " + std::to_string(pending.attempt) +
                               " attempts: " + reason);
  }
  ++pending.attempt;
  pending.sent_at_ms = NowMs();
  Count(metrics_.steps_resent);
  WriteSaga(conn, saga,
            NextVersion(saga, "step.resent", saga.state,
                        json::object{{"step", pending.step}, {"attempt", pending.attempt}, {"reason", reason}}));
  spdlog::warn("saga={} re-sending step {} (attempt {}/{}): {}", saga.id, pending.step, pending.attempt,
               options_.max_attempts, reason);
  SendPendingStep(conn, saga, /*arm_step_timer=*/!StepTimerInPlace(saga));
  return Status::Ok();
}

Status SagaEngine::HandleReply(const wire::Reply& reply) {
  return InTransaction([&](PgConnection& conn) { return ApplyReply(conn, reply, /*use_cache=*/true); });
}

std::vector<Status> SagaEngine::HandleReplies(const std::vector<wire::Reply>& replies) {
  if (replies.size() == 1) return {HandleReply(replies.front())};
  // Rows are locked in saga id order, so two consumers' batches never deadlock each other.
  std::vector<const wire::Reply*> ordered;
  for (const wire::Reply& reply : replies) ordered.push_back(&reply);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const wire::Reply* a, const wire::Reply* b) { return a->saga_id < b->saga_id; });
  Status together = InTransaction([&](PgConnection& conn) -> Status {
    for (const wire::Reply* reply : ordered) SAGAFLOW_RETURN_IF_ERROR(ApplyReply(conn, *reply, /*use_cache=*/true));
    return Status::Ok();
  });
  if (together.ok()) return std::vector<Status>(replies.size());
  // One reply failed and took the batch with it: apply each alone, so it fails by itself.
  spdlog::warn("batch of {} replies failed ({}); applying them one by one", replies.size(), together.ToString());
  std::vector<Status> outcomes;
  outcomes.reserve(replies.size());
  for (const wire::Reply& reply : replies) outcomes.push_back(HandleReply(reply));
  return outcomes;
}

Status SagaEngine::ApplyReply(PgConnection& conn, const wire::Reply& reply, bool use_cache) {
  {
    if (!IsUuid(reply.saga_id)) {
      spdlog::warn("reply {} names no saga ('{}'); dropped", reply.message_id, reply.saga_id);
      return Status::Ok();
    }
    bool cached = false;
    auto saga = LoadForUpdate(conn, reply.saga_id, use_cache ? &cached : nullptr);
    // Dropping a reply writes nothing, so no version check would catch a cached row that
    // another sagad made stale: such a decision is taken again on the database's row.
    auto decide_on_database_row = [&] {
      Count(metrics_.cache_stale);
      return ApplyReply(conn, reply, /*use_cache=*/false);
    };
    if (saga.status().IsNotFound()) {
      spdlog::warn("saga={} unknown; reply {} dropped", reply.saga_id, reply.message_id);
      return Status::Ok();
    }
    if (!saga.ok()) return saga.status();
    // Exactly once without an inbox row per reply: a reply counts only while its command is
    // the saga's pending one, and applying it moves the saga on (a new command, or none),
    // so a redelivered copy finds another command pending and is dropped here. A stuck saga
    // keeps its failed command pending: copies of the failure must not fail it again.
    const auto& pending = saga->pending;
    const bool stuck = saga->status == workflows::SagaStatusName(SagaStatus::kStuck);
    if (!pending || pending->command_id != reply.command_id || (stuck && reply.outcome != wire::Outcome::kSucceeded)) {
      if (cached) return decide_on_database_row();
      Count(metrics_.replies_stale);
      spdlog::info("saga={} stale or repeated reply {} to {} (command {}) ignored", reply.saga_id, reply.message_id,
                   reply.step, reply.command_id);
      return Status::Ok();
    }
    switch (reply.outcome) {
      case wire::Outcome::kSucceeded: {
        Status applied =
            ApplyLocked(conn, saga.value(), SagaEvent{StepEventName(reply.step, "succeeded"), reply.result}, true);
        if (applied.IsConflict()) {
          return FailPendingStep(conn, saga.value(), "unexpected_reply", applied.message());
        }
        return applied;
      }
      case wire::Outcome::kFailed:
        return FailPendingStep(conn, saga.value(), reply.error_code, reply.error_message);
      case wire::Outcome::kRetry: {
        if (reply.attempt < pending->attempt) {  // a newer attempt is already out
          return cached ? decide_on_database_row() : Status::Ok();
        }
        // A retry answer leaves the same command pending, so only the inbox tells a copy of
        // it from the first (which must not schedule a second backoff).
        auto fresh = storage::InboxRepository(conn).RecordIfNew(reply.message_id, reply.saga_id);
        if (!fresh.ok()) return fresh.status();
        if (!fresh.value()) {
          Count(metrics_.replies_duplicate);
          spdlog::info("saga={} duplicate retry reply {} to {} dropped", reply.saga_id, reply.message_id, reply.step);
          return Status::Ok();
        }
        if (pending->attempt >= options_.max_attempts) {
          return FailPendingStep(conn, saga.value(), std::string(workflows::kRetriesExhausted),
                                 reply.error_code + ": " + reply.error_message);
        }
        // Wait out the backoff, then the step timer re-sends (FireStepTimer).
        WriteSaga(conn, saga.value(),
                  NextVersion(saga.value(), "step.retry_scheduled", saga->state,
                              json::object{{"step", reply.step}, {"attempt", pending->attempt},
                                           {"code", reply.error_code}, {"message", reply.error_message}}));
        storage::TimerRepository(conn).Schedule(saga->id, std::string(kStepTimer), Backoff(pending->attempt),
                                                json::object{{"command_id", pending->command_id}});
        return Status::Ok();
      }
    }
    return Status::Permanent("unknown reply outcome");
  }
}

Status SagaEngine::FireStepTimer(PgConnection& conn, SagaRecord& saga, const json::object& payload) {
  if (!saga.pending) return Status::Ok();  // answered since: the lazy timer just goes (FireDueTimer deleted it)
  // A retry backoff names the command it re-sends; for that command it is due now.
  const std::string backoff_for = StringOr(payload, "command_id");
  if (backoff_for == saga.pending->command_id) {
    return RetryOrFail(conn, saga, "no reply within the step timeout or after a retry backoff");
  }
  // Otherwise the timer may be one an earlier step armed: due only once this attempt has
  // waited step_timeout; if not yet, move it to then.
  const std::int64_t due_at_ms = saga.pending->sent_at_ms + options_.step_timeout.count();
  const std::int64_t now_ms = NowMs();
  if (saga.pending->sent_at_ms != 0 && now_ms < due_at_ms) {
    storage::TimerRepository(conn).Schedule(saga.id, std::string(kStepTimer),
                                            std::chrono::milliseconds(due_at_ms - now_ms), json::object{});
    return Status::Ok();
  }
  return RetryOrFail(conn, saga, "no reply within the step timeout");
}

Result<bool> SagaEngine::FireDueTimer() {
  bool fired = false;
  Status status = InTransaction([&](PgConnection& conn) -> Status {
    fired = false;
    storage::TimerRepository timers(conn);
    auto due = timers.ClaimDue();
    if (!due.ok()) return due.status();
    if (!due->has_value()) return Status::Ok();
    const storage::DueTimer& timer = **due;
    // Never wait for the saga lock while holding a timer lock (a reply transaction may hold
    // the saga and want the timer): skip it this round instead.
    auto saga = storage::SagaRepository(conn).TryLock(timer.saga_id);
    if (saga.status().IsNotFound()) return Status::Ok();
    if (!saga.ok()) return saga.status();
    fired = true;
    Count(metrics_.timers_fired);
    timers.Delete(timer);
    if (timer.name == kStepTimer) {
      t_touched->step_timer_deleted.push_back(saga->id);
      return FireStepTimer(conn, saga.value(), timer.payload);
    }
    json::object payload = timer.payload;  // the event is "timer.<name>"; the payload names it too
    payload["timer"] = timer.name.substr(kWorkflowTimerPrefix.size());
    Status applied = ApplyLocked(conn, saga.value(), SagaEvent{timer.name, std::move(payload)}, false);
    if (applied.IsConflict()) {
      Count(metrics_.events_refused);
      spdlog::info("saga={} timer {} no longer applies in state {}; dropped", saga->id, timer.name, saga->state);
      return Status::Ok();
    }
    if (IsMachineFailure(applied)) {
      // Firing it again would fail again: drop the timer (logged) rather than spin on it.
      spdlog::error("saga={} timer {} dropped: {}", saga->id, timer.name, applied.message());
      return Status::Ok();
    }
    return applied;
  });
  if (!status.ok()) return status;
  return fired;
}

Result<std::optional<std::chrono::milliseconds>> SagaEngine::NextTimerDueIn() {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  return storage::TimerRepository(**conn).NextDueIn();
}

Result<SagaRecord> SagaEngine::RetryPendingStep(const std::string& saga_id) {
  if (!IsUuid(saga_id)) return Status::NotFound("no saga " + saga_id);
  SagaRecord result;
  Status status = InTransaction([&](PgConnection& conn) -> Status {
    auto saga = storage::SagaRepository(conn).LockForUpdate(saga_id);
    if (!saga.ok()) return saga.status().IsNotFound() ? Status::NotFound("no saga " + saga_id) : saga.status();
    if (!saga->pending) return Status::Conflict("saga is in state '" + saga->state + "' with no pending step");
    const workflows::SagaWorkflow* workflow = WorkflowOf(saga.value());
    if (workflow == nullptr) return Status::Permanent("saga has unknown type " + saga->type);
    auto state_status = workflow->StatusOf(saga->state);
    if (!state_status.ok()) return state_status.status();
    saga->status = std::string(workflows::SagaStatusName(state_status.value()));
    // A new command id: the worker stored its answer to the old one and would only replay
    // it; the operator wants the step run again now that the cause is fixed.
    saga->pending->command_id = NewUuid();
    saga->pending->attempt = 1;
    saga->pending->sent_at_ms = NowMs();
    WriteSaga(conn, saga.value(),
              NextVersion(saga.value(), "operator.retry", saga->state, json::object{{"step", saga->pending->step}}));
    SendPendingStep(conn, saga.value(), /*arm_step_timer=*/true);  // a stuck saga's timer was cancelled
    result = std::move(saga.value());
    return Status::Ok();
  });
  if (!status.ok()) return status;
  spdlog::info("saga={} operator retry of step {}", saga_id, result.pending->step);
  return result;
}

Result<SagaView> SagaEngine::Get(const std::string& saga_id) {
  if (!IsUuid(saga_id)) return Status::NotFound("no saga " + saga_id);
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  storage::SagaRepository sagas(**conn);
  auto saga = sagas.Get(saga_id);
  if (!saga.ok()) return saga.status().IsNotFound() ? Status::NotFound("no saga " + saga_id) : saga.status();
  auto history = sagas.History(saga_id);
  if (!history.ok()) return history.status();
  return SagaView{std::move(saga.value()), std::move(history.value())};
}

Result<std::vector<storage::SagaCount>> SagaEngine::CountSagas() {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  return storage::SagaRepository(**conn).CountByTypeAndStatus();
}

Result<std::vector<SagaRecord>> SagaEngine::List(const storage::SagaFilter& filter) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  return storage::SagaRepository(**conn).List(filter);
}

}  // namespace sagaflow::orchestrator
