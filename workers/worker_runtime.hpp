#pragma once
// The worker runtime: for a group of roles (a queue each), consume commands with
// manual ack, execute each at most once, publish the reply, then ack. Commands that arrive
// together, whatever their role, are handled as a batch: one transaction, one statement
// storing all replies, one reply message, one ack(multiple). The reply's publisher confirm
// is awaited while the next batch runs, and the batch is acked after it. A batch in which a
// step does not succeed runs again with a savepoint per command, so a refusal undoes only
// its own command.
//
// Exactly-once effect per command id, even with redelivery, engine re-sends and several
// workers on one queue: the batch's transaction first takes an advisory lock on every
// command id and looks them up in workers.processed_commands (one round trip); each
// handler's writes and its stored reply commit together. A command seen before gets the stored reply again, with
// the same message id, so the orchestrator's inbox drops it if it already has it.
// A crash anywhere before the ack leaves the message in the queue; it is redelivered.
//
// One StepWorker per thread; it owns its PostgreSQL connection and two AMQP connections
// (consume all its roles' queues on one channel, publish with confirms). The roles share a
// thread, not one each: the commands of a saga's consecutive steps (price, reserve,
// confirm, record shipment...) then share batches, and each batch costs a commit, a reply
// message, a confirm and an ack whatever it holds (bench/README.md, sixth round). A role
// whose steps wait on something slow (payment calls the channel) would delay the others' in
// every batch, so it gets a thread of its own (ThreadGroups, workers.own_thread_roles).

#include <map>
#include <optional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "common/stop_wait.hpp"
#include "common/wire.hpp"
#include "workers/step_handler.hpp"

namespace sagaflow::workers {

struct StepWorkerOptions {
  //! The roles whose queues this worker consumes (workers.roles); at least one.
  std::vector<std::string> roles;
  std::string pg_url;
  std::string amqp_url;
  std::uint16_t prefetch = 64;
  //! Commands taken off the queue and committed together (at most; whatever has arrived).
  std::size_t batch_size = 32;
  //! Publish replies as persistent messages (config amqp.persistent_steps). Off: a reply a
  //! broker restart drops is recovered by the engine's step timer, whose resend finds the
  //! stored reply here.
  bool persistent_replies = false;
  //! Test hook (env SAGAFLOW_TESTPOINT_CRASH_AFTER_COMMIT=<step>): exit the process after
  //! committing that step's effect but before publishing the reply, as a crash would.
  std::string crash_after_commit_step;
};

//! Step name → handler, for the steps of one or more roles.
using HandlerMap = std::map<std::string, std::unique_ptr<StepHandler>, std::less<>>;

class StepWorker {
 public:
  StepWorker(StepWorkerOptions options, HandlerMap handlers);
  //! Consumes until `stop` is requested, reconnecting after failures.
  void Run(std::stop_token stop);

 private:
  Status RunConnected(std::stop_token stop, const SessionConnected& connected);
  //! Executes (or replays) the commands in ONE transaction, retried whole on a deadlock;
  //! returns their replies in the same order.
  Result<std::vector<wire::Reply>> ProcessBatch(storage::PgConnection& db, const std::vector<wire::Command>& commands);
  //! The replies a batch stores in workers.processed_commands, written by one statement.
  class StoredReplies {
   public:
    void Add(const wire::Command& command, std::int64_t started_at_us, const std::string& reply);
    //! Queues the INSERT of every added reply on `db` (it goes out with the next statement).
    void DeferInsert(storage::PgConnection& db) const;

   private:
    std::vector<std::string> command_ids_, steps_, replies_;
    std::vector<std::int64_t> started_at_us_, sent_at_ms_;
  };

  //! Executes one command inside the caller's transaction and returns the reply, or replays
  //! the reply `answered` holds for it (stored before, or earlier in this batch); adds the
  //! reply to store to `answered` and `to_store`. `isolated`: inside a savepoint, so a step
  //! that does not succeed is rolled back alone and its refusal recorded; otherwise such a
  //! step returns nullopt, and the caller runs the batch again isolated.
  Result<std::optional<wire::Reply>> Process(storage::PgConnection& db, const wire::Command& command,
                                             std::map<std::string, std::string, std::less<>>& answered,
                                             StoredReplies& to_store, bool isolated);

  const StepWorkerOptions options_;
  HandlerMap handlers_;
  //! The roles, comma-separated, for logs and connection names.
  const std::string roles_text_;
};

//! How a process's roles map to StepWorkers: the roles not in `own_thread_roles` share one
//! (first, in the order given), each role in it gets one of its own. A role with slow steps
//! (payment waits on the channel) would otherwise hold up the other roles' commands in every
//! batch it shares with them; sharing is what lets a saga's consecutive steps share batches.
std::vector<std::vector<std::string>> ThreadGroups(const std::vector<std::string>& roles,
                                                   const std::vector<std::string>& own_thread_roles);
//! "inventory,payment": roles for logs and connection names.
std::string JoinRoles(const std::vector<std::string>& roles);

}  // namespace sagaflow::workers
