#include "workers/amqp/topology.hpp"

#include <algorithm>
#include <string>

#include "common/topology.hpp"
#include "common/wire.hpp"

namespace sagaflow::amqp {

Status DeclareTopology(Connection& connection) {
  const std::string dead(wire::kDeadLetterExchange);
  SAGAFLOW_RETURN_IF_ERROR(connection.DeclareExchange(dead, "fanout"));
  SAGAFLOW_RETURN_IF_ERROR(connection.DeclareQueue(std::string(wire::kDeadLetterQueue)));
  SAGAFLOW_RETURN_IF_ERROR(connection.BindQueue(std::string(wire::kDeadLetterQueue), dead, ""));

  const std::string commands(wire::kCommandsExchange);
  SAGAFLOW_RETURN_IF_ERROR(connection.DeclareExchange(commands, "direct"));
  for (const wire::WorkerRole& role : wire::WorkerRoles()) {
    const std::string queue = wire::WorkerQueueName(role.name);
    SAGAFLOW_RETURN_IF_ERROR(connection.DeclareQueue(queue, dead));
    for (std::string_view step : role.steps) {
      SAGAFLOW_RETURN_IF_ERROR(connection.BindQueue(queue, commands, std::string(step)));
    }
  }

  const std::string replies(wire::kRepliesExchange);
  SAGAFLOW_RETURN_IF_ERROR(connection.DeclareExchange(replies, "direct"));
  SAGAFLOW_RETURN_IF_ERROR(connection.DeclareQueue(std::string(wire::kRepliesQueue), dead));
  SAGAFLOW_RETURN_IF_ERROR(
      connection.BindQueue(std::string(wire::kRepliesQueue), replies, std::string(wire::kReplyRoutingKey)));
  const std::string unrouted(wire::kUnroutedRepliesExchange);
  SAGAFLOW_RETURN_IF_ERROR(connection.DeclareExchange(unrouted, "fanout"));
  SAGAFLOW_RETURN_IF_ERROR(connection.BindQueue(std::string(wire::kRepliesQueue), unrouted, ""));
  SAGAFLOW_RETURN_IF_ERROR(
      connection.DeclareExchange(std::string(wire::kStickyRepliesExchange), "direct", unrouted));

  return connection.DeclareExchange(std::string(wire::kEventsExchange), "topic");
}

Status DeclareStickyRepliesQueue(Connection& connection, const std::string& instance,
                                 std::chrono::milliseconds wait_limit) {
  const std::string queue = wire::StickyRepliesQueueName(instance);
  // The queue outlives its sagad (whose last replies must expire into the shared queue) but
  // not by long: unused for ten wait limits, at least a minute, the broker deletes it.
  QueueOptions options{std::string(wire::kUnroutedRepliesExchange), wait_limit,
                       std::max<std::chrono::milliseconds>(std::chrono::minutes(1), wait_limit * 10)};
  SAGAFLOW_RETURN_IF_ERROR(connection.DeclareQueue(queue, options));
  return connection.BindQueue(queue, std::string(wire::kStickyRepliesExchange), instance);
}

Status PurgeWorkQueues(Connection& connection) {
  SAGAFLOW_RETURN_IF_ERROR(DeclareTopology(connection));
  SAGAFLOW_RETURN_IF_ERROR(connection.PurgeQueue(std::string(wire::kRepliesQueue)));
  for (const wire::WorkerRole& role : wire::WorkerRoles()) {
    SAGAFLOW_RETURN_IF_ERROR(connection.PurgeQueue(wire::WorkerQueueName(role.name)));
  }
  return Status::Ok();
}

}  // namespace sagaflow::amqp
