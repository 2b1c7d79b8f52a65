#include "orchestrator/reply_consumer.hpp"

#include <spdlog/spdlog.h>

#include <vector>

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
  std::vector<wire::Reply> replies;
  std::vector<std::uint64_t> tags;
  while (!stop.stop_requested()) {
    // Whatever has arrived is applied in one transaction and settled with one ack; under
    // light load that is a single reply, so batching never waits.
    auto deliveries = broker.ConsumeBatch(batch_size_, std::chrono::milliseconds(250));
    if (!deliveries.ok()) return deliveries.status();
    if (deliveries->empty()) continue;
    replies.clear();
    tags.clear();
    for (const amqp::Delivery& message : deliveries.value()) {
      auto reply = wire::DecodeReply(message.body);
      if (!reply.ok()) {
        spdlog::error("undecodable reply {} dead-lettered: {}", message.message_id, reply.status().ToString());
        SAGAFLOW_RETURN_IF_ERROR(broker.Reject(message.delivery_tag, false));
        continue;
      }
      replies.push_back(std::move(reply.value()));
      tags.push_back(message.delivery_tag);
    }
    if (replies.empty()) continue;
    const std::vector<Status> applied = engine_.HandleReplies(replies);
    for (std::size_t i = 0; i < applied.size(); ++i) {
      // Unacked: this and the rest of the batch are redelivered after reconnecting; what
      // did commit is then recognised as answered already.
      if (applied[i].IsTransient()) return applied[i];
    }
    std::uint64_t last_applied = 0;  // delivery tag; 0: none
    for (std::size_t i = 0; i < applied.size(); ++i) {
      if (applied[i].ok()) {
        last_applied = tags[i];
        continue;
      }
      spdlog::error("saga={} reply {} to {} could not be applied, dead-lettered: {}", replies[i].saga_id,
                    replies[i].message_id, replies[i].step, applied[i].ToString());
      SAGAFLOW_RETURN_IF_ERROR(broker.Reject(tags[i], false));
    }
    // multiple=true acks every unsettled delivery up to that tag; the rejected ones are
    // settled already (and acking one of those again would close the channel).
    if (last_applied != 0) SAGAFLOW_RETURN_IF_ERROR(broker.Ack(last_applied, /*multiple=*/true));
  }
  return Status::Ok();
}

}  // namespace sagaflow::orchestrator
