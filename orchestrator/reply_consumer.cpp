#include "orchestrator/reply_consumer.hpp"

#include <spdlog/spdlog.h>

#include "common/wire.hpp"
#include "common/stop_wait.hpp"
#include "workers/amqp/amqp_connection.hpp"
#include "workers/amqp/topology.hpp"

namespace sagaflow::orchestrator {

void ReplyConsumer::Run(std::stop_token stop) {
  RunReconnecting(stop, "reply consumer", [this](std::stop_token session_stop) { return RunConnected(session_stop); });
}

Status ReplyConsumer::RunConnected(std::stop_token stop) {
  auto amqp = amqp::Connection::Open(amqp_url_, "sagad reply consumer");
  if (!amqp.ok()) return amqp.status();
  amqp::Connection& broker = *amqp.value();
  SAGAFLOW_RETURN_IF_ERROR(amqp::DeclareTopology(broker));
  SAGAFLOW_RETURN_IF_ERROR(broker.StartConsuming(std::string(wire::kRepliesQueue), prefetch_));
  spdlog::info("reply consumer connected");
  while (!stop.stop_requested()) {
    auto delivery = broker.Consume(std::chrono::milliseconds(250));
    if (!delivery.ok()) return delivery.status();
    if (!delivery->has_value()) continue;
    const amqp::Delivery& message = **delivery;
    auto reply = wire::DecodeReply(message.body);
    if (!reply.ok()) {
      spdlog::error("undecodable reply {} dead-lettered: {}", message.message_id, reply.status().ToString());
      SAGAFLOW_RETURN_IF_ERROR(broker.Reject(message.delivery_tag, false));
      continue;
    }
    Status applied = engine_.HandleReply(reply.value());
    if (applied.IsTransient()) return applied;  // unacked: redelivered after reconnect
    if (!applied.ok()) {
      spdlog::error("saga={} reply {} to {} could not be applied, dead-lettered: {}", reply->saga_id,
                    reply->message_id, reply->step, applied.ToString());
      SAGAFLOW_RETURN_IF_ERROR(broker.Reject(message.delivery_tag, false));
      continue;
    }
    SAGAFLOW_RETURN_IF_ERROR(broker.Ack(message.delivery_tag));
  }
  return Status::Ok();
}

}  // namespace sagaflow::orchestrator
