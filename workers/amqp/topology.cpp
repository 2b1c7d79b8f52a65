#include "workers/amqp/topology.hpp"

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

  return connection.DeclareExchange(std::string(wire::kEventsExchange), "topic");
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
