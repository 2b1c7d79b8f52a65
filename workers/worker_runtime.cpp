#include "workers/worker_runtime.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "common/stop_wait.hpp"
#include "storage/transaction.hpp"
#include "workers/amqp/amqp_connection.hpp"
#include "workers/amqp/topology.hpp"

namespace sagaflow::workers {
namespace {

wire::Reply ReplyTo(const wire::Command& command) {
  wire::Reply reply;
  reply.message_id = wire::ReplyMessageId(command.command_id, command.attempt);
  reply.command_id = command.command_id;
  reply.saga_id = command.saga_id;
  reply.step = command.step;
  reply.attempt = command.attempt;
  return reply;
}

//! This host's wall clock in microseconds (the database and the workers share the machine's clock).
std::string MicrosSinceEpoch() {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

}  // namespace

void RoleWorker::Run(std::stop_token stop) {
  RunReconnecting(stop, "worker " + options_.role, [this](std::stop_token session_stop) { return RunConnected(session_stop); });
}

Status RoleWorker::RunConnected(std::stop_token stop) {
  auto db = storage::PgConnection::Connect(options_.pg_url);
  if (!db.ok()) return db.status();
  auto consumer = amqp::Connection::Open(options_.amqp_url, "saga-worker " + options_.role + " consumer");
  if (!consumer.ok()) return consumer.status();
  auto publisher = amqp::Connection::Open(options_.amqp_url, "saga-worker " + options_.role + " publisher");
  if (!publisher.ok()) return publisher.status();
  SAGAFLOW_RETURN_IF_ERROR(amqp::DeclareTopology(*consumer.value()));
  SAGAFLOW_RETURN_IF_ERROR(publisher.value()->EnableConfirms());
  SAGAFLOW_RETURN_IF_ERROR(consumer.value()->StartConsuming(wire::WorkerQueueName(options_.role), options_.prefetch));
  spdlog::info("worker {} consuming {}", options_.role, wire::WorkerQueueName(options_.role));

  while (!stop.stop_requested()) {
    auto delivery = consumer.value()->Consume(std::chrono::milliseconds(250));
    if (!delivery.ok()) return delivery.status();
    if (!delivery->has_value()) continue;
    const amqp::Delivery& message = **delivery;
    auto command = wire::DecodeCommand(message.body);
    if (!command.ok()) {
      spdlog::error("worker {}: undecodable command {} dead-lettered: {}", options_.role, message.message_id,
                    command.status().ToString());
      SAGAFLOW_RETURN_IF_ERROR(consumer.value()->Reject(message.delivery_tag, false));
      continue;
    }
    auto reply = Process(*db.value(), command.value());
    if (!reply.ok()) return reply.status();  // database trouble: reconnect; the message comes back
    amqp::OutgoingMessage out;
    out.exchange = std::string(wire::kRepliesExchange);
    out.routing_key = std::string(wire::kReplyRoutingKey);
    out.body = wire::EncodeReply(reply.value());
    out.message_id = reply->message_id;
    SAGAFLOW_RETURN_IF_ERROR(publisher.value()->PublishBatch({out}, std::chrono::seconds(10)));
    SAGAFLOW_RETURN_IF_ERROR(consumer.value()->Ack(message.delivery_tag));
    spdlog::info("saga={} step {} attempt {} -> {}", command->saga_id, command->step, command->attempt,
                 wire::OutcomeName(reply->outcome));
  }
  return Status::Ok();
}

Result<wire::Reply> RoleWorker::Process(storage::PgConnection& db, const wire::Command& command) {
  const std::string started_at = MicrosSinceEpoch();
  wire::Reply reply = ReplyTo(command);
  storage::Transaction tx(db);
  SAGAFLOW_RETURN_IF_ERROR(tx.status());
  // Serialises concurrent deliveries of one command id (re-sends, redeliveries).
  SAGAFLOW_RETURN_IF_ERROR(db.Exec("SELECT pg_advisory_xact_lock(hashtext($1))", {command.command_id}));
  auto stored = db.Exec("SELECT reply FROM workers.processed_commands WHERE command_id = $1", {command.command_id});
  if (!stored.ok()) return stored.status();
  if (stored->rows() == 1) {
    auto replay = wire::DecodeReply(stored->Get(0, 0));
    if (!replay.ok()) return replay.status();
    spdlog::info("saga={} step {} already processed; replaying its reply", command.saga_id, command.step);
    return replay;
  }

  auto handler = handlers_.find(command.step);
  Result<json::object> result = handler == handlers_.end()
                                    ? Result<json::object>(Refused("unsupported_step", "role " + options_.role +
                                                                                           " has no handler for " +
                                                                                           command.step))
                                    : Result<json::object>(json::object{});
  if (handler != handlers_.end()) {
    SAGAFLOW_RETURN_IF_ERROR(db.ExecScript("SAVEPOINT step"));
    result = handler->second->Execute(db, command);
    // A refused step must leave no partial effect behind, only its recorded refusal.
    if (!result.ok()) SAGAFLOW_RETURN_IF_ERROR(db.ExecScript("ROLLBACK TO SAVEPOINT step"));
  }
  if (result.ok()) {
    reply.outcome = wire::Outcome::kSucceeded;
    reply.result = std::move(result.value());
  } else if (result.status().IsTransient()) {
    reply.outcome = wire::Outcome::kRetry;  // nothing recorded: the next attempt runs it again
    reply.error_code = "transient";
    reply.error_message = result.status().message();
    return reply;
  } else {
    reply.outcome = wire::Outcome::kFailed;
    reply.error_code = RefusalCode(result.status());
    reply.error_message = RefusalMessage(result.status());
  }
  SAGAFLOW_RETURN_IF_ERROR(db.Exec(
      "INSERT INTO workers.processed_commands (command_id, step, reply, started_at)"
      " VALUES ($1, $2, $3, to_timestamp($4::double precision / 1e6))",
      {command.command_id, command.step, wire::EncodeReply(reply), started_at}));
  SAGAFLOW_RETURN_IF_ERROR(tx.Commit());
  if (!options_.crash_after_commit_step.empty() && options_.crash_after_commit_step == command.step) {
    spdlog::critical("testpoint: crashing after committing {} (before reply and ack)", command.step);
    _exit(86);
  }
  return reply;
}

}  // namespace sagaflow::workers
