#include "workers/worker_runtime.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "common/stop_wait.hpp"
#include "storage/transaction.hpp"
#include "workers/amqp/amqp_connection.hpp"
#include "workers/amqp/topology.hpp"
#include "workers/reply_messages.hpp"

namespace sagaflow::workers {
namespace {

//! Runs of one batch before the worker gives up and reconnects (the messages come back).
constexpr int kBatchAttempts = 3;

//! This host's wall clock in microseconds (the database and the workers share the machine's clock).
std::int64_t MicrosSinceEpoch() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

StepWorker::StepWorker(StepWorkerOptions options, HandlerMap handlers)
    : options_(std::move(options)), handlers_(std::move(handlers)), roles_text_(JoinRoles(options_.roles)) {}

void StepWorker::Run(std::stop_token stop) {
  RunReconnecting(stop, "worker " + roles_text_, [this](std::stop_token session_stop, const SessionConnected& connected) {
    return RunConnected(session_stop, connected);
  });
}

Status StepWorker::RunConnected(std::stop_token stop, const SessionConnected& connected) {
  auto db = storage::PgConnection::Connect(options_.pg_url);
  if (!db.ok()) return db.status();
  auto consumer = amqp::Connection::Open(options_.amqp_url, "saga-worker " + roles_text_ + " consumer");
  if (!consumer.ok()) return consumer.status();
  auto publisher = amqp::Connection::Open(options_.amqp_url, "saga-worker " + roles_text_ + " publisher");
  if (!publisher.ok()) return publisher.status();
  SAGAFLOW_RETURN_IF_ERROR(amqp::DeclareTopology(*consumer.value()));
  SAGAFLOW_RETURN_IF_ERROR(publisher.value()->EnableConfirms());
  for (const std::string& role : options_.roles) {
    SAGAFLOW_RETURN_IF_ERROR(consumer.value()->StartConsuming(wire::WorkerQueueName(role), options_.prefetch));
    spdlog::info("worker consuming {}", wire::WorkerQueueName(role));
  }
  connected();

  std::vector<wire::Command> commands;
  // A batch's reply is confirmed while the next batch runs, and its deliveries are acked
  // only then: a crash before that redelivers them, and their stored replies go out again.
  std::uint64_t unconfirmed_through = 0;  // last delivery tag of that batch; 0: none
  auto settle_previous = [&]() -> Status {
    if (unconfirmed_through == 0) return Status::Ok();
    SAGAFLOW_RETURN_IF_ERROR(publisher.value()->AwaitConfirms(std::chrono::seconds(10)));
    // multiple=true acks every unsettled delivery up to that tag; the rejected ones are
    // settled already (and acking one of those again would close the channel).
    SAGAFLOW_RETURN_IF_ERROR(consumer.value()->Ack(unconfirmed_through, /*multiple=*/true));
    unconfirmed_through = 0;
    return Status::Ok();
  };
  while (!stop.stop_requested()) {
    // Whatever has arrived is handled together: one commit, one confirm, one ack. Under
    // light load the batch is a single command, so batching never adds latency. While a
    // reply awaits its confirm, only what has arrived already is taken: with nothing new,
    // that reply is settled at once instead.
    auto deliveries = consumer.value()->ConsumeBatch(
        options_.batch_size, std::chrono::milliseconds(unconfirmed_through != 0 ? 0 : 250));
    if (!deliveries.ok()) return deliveries.status();
    commands.clear();
    std::uint64_t last_accepted = 0;  // delivery tag; 0: none
    for (const amqp::Delivery& message : deliveries.value()) {
      // One command, or the relay's pack of several for this queue.
      auto carried = wire::DecodeCommands(message.body);
      if (!carried.ok()) {
        spdlog::error("worker {}: undecodable command {} dead-lettered: {}", roles_text_, message.message_id,
                      carried.status().ToString());
        SAGAFLOW_RETURN_IF_ERROR(consumer.value()->Reject(message.delivery_tag, false));
        continue;
      }
      for (wire::Command& command : carried.value()) commands.push_back(std::move(command));
      last_accepted = message.delivery_tag;
    }
    if (commands.empty()) {
      SAGAFLOW_RETURN_IF_ERROR(settle_previous());
      continue;
    }
    auto answered = ProcessBatch(*db.value(), commands);
    if (!answered.ok()) return answered.status();  // database trouble: reconnect; the messages come back
    SAGAFLOW_RETURN_IF_ERROR(settle_previous());
    // The batch's replies travel as one message per sagad that sent commands in it: one
    // publish here (its confirm is awaited after the next batch), one delivery for that sagad
    // (which applies them in one transaction).
    SAGAFLOW_RETURN_IF_ERROR(
        publisher.value()->Publish(ReplyMessages(commands, answered.value(), options_.persistent_replies)));
    unconfirmed_through = last_accepted;
    for (std::size_t i = 0; i < commands.size(); ++i) {
      spdlog::info("saga={} step {} attempt {} -> {}", commands[i].saga_id, commands[i].step, commands[i].attempt,
                   wire::OutcomeName(answered.value()[i].outcome));
    }
  }
  return settle_previous();  // stopping: the last reply's confirm, then its ack
}

Result<std::vector<wire::Reply>> StepWorker::ProcessBatch(storage::PgConnection& db,
                                                          const std::vector<wire::Command>& commands) {
  // Advisory locks in one order: two workers holding overlapping batches never deadlock on them.
  std::vector<std::size_t> order(commands.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return commands[a].command_id < commands[b].command_id; });
  std::vector<std::string> sorted_ids;
  sorted_ids.reserve(order.size());
  for (std::size_t i : order) sorted_ids.push_back(commands[i].command_id);
  const std::string ids = storage::PgArrayLiteral(sorted_ids);
  Status last;
  // Optimistic: most batches succeed whole, and a savepoint per command costs two statements
  // and a subtransaction (an XID of its own) for every write. Only a batch in which a step
  // does not succeed needs them, to keep the others' effects and drop that step's.
  bool isolated = false;
  for (int attempt = 1; attempt <= kBatchAttempts; ++attempt) {
    std::vector<wire::Reply> replies(commands.size());
    storage::Transaction tx(db);
    last = tx.status();
    // One round trip for the whole batch: lock every command id (serialises this batch with
    // concurrent deliveries of the same commands: re-sends, redeliveries), then read the
    // replies stored for the ones answered before.
    std::map<std::string, std::string, std::less<>> answered;  // command id -> stored reply
    StoredReplies to_store;
    if (last.ok()) {
      db.Defer("SELECT pg_advisory_xact_lock(hashtext(id)) FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n)"
               " ORDER BY n",
               {ids});
      auto stored = db.Exec("SELECT command_id::text, reply FROM workers.processed_commands"
                            " WHERE command_id = ANY($1::uuid[])",
                            {ids});
      if (stored.ok()) {
        for (int row = 0; row < stored->rows(); ++row) answered.emplace(stored->Get(row, 0), stored->Get(row, 1));
      } else {
        last = stored.status();
      }
    }
    // A step refused or failed in a run without savepoints: this run is rolled back (as `tx`
    // goes) and the batch runs again with a savepoint per command, not counted as an attempt.
    bool run_isolated = false;
    for (std::size_t i = 0; last.ok() && !run_isolated && i < order.size(); ++i) {
      auto reply = Process(db, commands[order[i]], answered, to_store, isolated);
      if (!reply.ok()) {
        last = reply.status();
      } else if (!reply->has_value()) {
        run_isolated = true;
      } else {
        replies[order[i]] = std::move(**reply);
      }
    }
    if (run_isolated) {
      spdlog::info("worker {}: a step of a batch of {} did not succeed; running the batch again with a savepoint "
                   "per command", roles_text_, commands.size());
      isolated = true;
      --attempt;
      continue;
    }
    if (last.ok()) {
      to_store.DeferInsert(db);
      last = tx.Commit();
    }
    if (last.ok()) {
      if (!options_.crash_after_commit_step.empty()) {
        for (const wire::Command& command : commands) {
          if (command.step != options_.crash_after_commit_step) continue;
          spdlog::critical("testpoint: crashing after committing {} (before reply and ack)", command.step);
          _exit(86);
        }
      }
      return replies;
    }
    if (!last.IsTransient() || !db.Healthy()) return last;
    // A deadlock on a business row (two batches reserving the same products in another
    // order): PostgreSQL aborted this batch; run it again.
    spdlog::warn("worker {}: batch of {} attempt {} failed, retrying: {}", roles_text_, commands.size(), attempt,
                 last.ToString());
  }
  return last;
}

Result<std::optional<wire::Reply>> StepWorker::Process(storage::PgConnection& db, const wire::Command& command,
                                                       std::map<std::string, std::string, std::less<>>& answered,
                                                       StoredReplies& to_store, bool isolated) {
  const std::int64_t started_at_us = MicrosSinceEpoch();
  wire::Reply reply = wire::ReplyFor(command);
  if (auto stored = answered.find(command.command_id); stored != answered.end()) {
    auto replay = wire::DecodeReply(stored->second);
    if (!replay.ok()) return replay.status();
    spdlog::info("saga={} step {} already processed; replaying its reply", command.saga_id, command.step);
    return std::optional<wire::Reply>(std::move(replay.value()));
  }

  auto handler = handlers_.find(command.step);
  Result<json::object> result =
      handler == handlers_.end()
          ? Result<json::object>(Refused("unsupported_step", "roles " + roles_text_ + " have no handler for " + command.step))
          : Result<json::object>(json::object{});
  if (handler != handlers_.end()) {
    if (isolated) db.Defer("SAVEPOINT step");  // sent with the handler's first statement
    result = handler->second->Execute(db, command);
    // A refused step must leave no partial effect behind, only its recorded refusal; the
    // other commands of the batch keep theirs.
    if (!result.ok() && !isolated) return std::optional<wire::Reply>();
    if (isolated && result.ok()) {
      db.Defer("RELEASE SAVEPOINT step");
    } else if (isolated) {
      SAGAFLOW_RETURN_IF_ERROR(db.ExecScript("ROLLBACK TO SAVEPOINT step"));
    }
  }
  if (result.ok()) {
    reply.outcome = wire::Outcome::kSucceeded;
    reply.result = std::move(result.value());
  } else if (result.status().IsTransient()) {
    reply.outcome = wire::Outcome::kRetry;  // nothing recorded: the next attempt runs it again
    reply.error_code = "transient";
    reply.error_message = result.status().message();
    return std::optional<wire::Reply>(std::move(reply));
  } else {
    reply.outcome = wire::Outcome::kFailed;
    reply.error_code = RefusalCode(result.status());
    reply.error_message = RefusalMessage(result.status());
  }
  std::string encoded = wire::EncodeReply(reply);
  to_store.Add(command, started_at_us, encoded);
  answered.emplace(command.command_id, std::move(encoded));  // a repeat later in this batch replays it
  return std::optional<wire::Reply>(std::move(reply));
}

void StepWorker::StoredReplies::Add(const wire::Command& command, std::int64_t started_at_us,
                                    const std::string& reply) {
  command_ids_.push_back(command.command_id);
  steps_.push_back(command.step);
  replies_.push_back(reply);
  started_at_us_.push_back(started_at_us);
  sent_at_ms_.push_back(command.sent_at_ms);
}

void StepWorker::StoredReplies::DeferInsert(storage::PgConnection& db) const {
  if (command_ids_.empty()) return;
  // One statement for the batch (sent with its commit), not one per command: at load a
  // batch holds several commands and each statement costs the server a parse-bind-execute.
  db.Defer(
      "INSERT INTO workers.processed_commands (command_id, step, reply, started_at, sent_at)"
      " SELECT id, step, reply, to_timestamp(started_us::double precision / 1e6),"
      " to_timestamp(nullif(sent_ms, 0)::double precision / 1e3)"
      " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])"
      " AS t(id, step, reply, started_us, sent_ms)",
      {storage::PgArrayLiteral(command_ids_), storage::PgArrayLiteral(steps_), storage::PgArrayLiteral(replies_),
       storage::PgArrayLiteral(started_at_us_), storage::PgArrayLiteral(sent_at_ms_)});
}

std::vector<std::vector<std::string>> ThreadGroups(const std::vector<std::string>& roles,
                                                   const std::vector<std::string>& own_thread_roles) {
  std::vector<std::vector<std::string>> groups(1);  // the shared one first
  for (const std::string& role : roles) {
    if (std::find(own_thread_roles.begin(), own_thread_roles.end(), role) != own_thread_roles.end()) {
      groups.push_back({role});
    } else {
      groups.front().push_back(role);
    }
  }
  if (groups.front().empty()) groups.erase(groups.begin());
  return groups;
}

std::string JoinRoles(const std::vector<std::string>& roles) {
  std::string text;
  for (const std::string& role : roles) text += (text.empty() ? "" : ",") + role;
  return text;
}

}  // namespace sagaflow::workers
