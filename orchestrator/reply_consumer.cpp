#include "orchestrator/reply_consumer.hpp"

#include <spdlog/spdlog.h>

#include <vector>

#include "common/wire.hpp"
#include "common/stop_wait.hpp"
#include "workers/amqp/amqp_connection.hpp"
#include "workers/amqp/topology.hpp"

namespace sagaflow::orchestrator {

void ReplyConsumer::Run(std::stop_token stop, const SessionConnected& on_connected) {
  RunReconnecting(
      stop, "reply consumer",
      [this](std::stop_token session_stop, const SessionConnected& connected) {
        return RunConnected(session_stop, connected);
      },
      on_connected);
}

Status ReplyConsumer::RunConnected(std::stop_token stop, const SessionConnected& connected) {
  auto amqp = amqp::Connection::Open(amqp_url_, "sagad reply consumer");
  if (!amqp.ok()) return amqp.status();
  amqp::Connection& broker = *amqp.value();
  SAGAFLOW_RETURN_IF_ERROR(amqp::DeclareTopology(broker));
  if (!options_.sticky_instance.empty()) {
    SAGAFLOW_RETURN_IF_ERROR(amqp::DeclareStickyRepliesQueue(broker, options_.sticky_instance, options_.sticky_wait));
    SAGAFLOW_RETURN_IF_ERROR(
        broker.StartConsuming(wire::StickyRepliesQueueName(options_.sticky_instance), options_.prefetch));
  }
  SAGAFLOW_RETURN_IF_ERROR(broker.StartConsuming(std::string(wire::kRepliesQueue), options_.prefetch));
  spdlog::info("reply consumer connected{}", options_.sticky_instance.empty()
                                                 ? std::string()
                                                 : " (sticky replies: " + options_.sticky_instance + ")");
  connected();
  std::vector<wire::Reply> replies;
  std::vector<std::size_t> delivery_of;  // replies[i] came in deliveries[delivery_of[i]]
  while (!stop.stop_requested()) {
    // Whatever has arrived is applied in one transaction and settled with one ack; under
    // light load that is a single message, so batching never waits. A message may carry the
    // replies of a whole worker batch (wire::EncodeReplies).
    auto deliveries = broker.ConsumeBatch(options_.batch_size, std::chrono::milliseconds(250));
    if (!deliveries.ok()) return deliveries.status();
    if (deliveries->empty()) continue;
    replies.clear();
    delivery_of.clear();
    std::vector<bool> decoded(deliveries->size(), false);
    for (std::size_t d = 0; d < deliveries->size(); ++d) {
      const amqp::Delivery& message = (*deliveries)[d];
      auto carried = wire::DecodeReplies(message.body);
      if (!carried.ok()) {
        spdlog::error("undecodable reply {} dead-lettered: {}", message.message_id, carried.status().ToString());
        SAGAFLOW_RETURN_IF_ERROR(broker.Reject(message.delivery_tag, false));
        continue;
      }
      decoded[d] = true;
      for (wire::Reply& reply : carried.value()) {
        replies.push_back(std::move(reply));
        delivery_of.push_back(d);
      }
    }
    EngineMetrics& metrics = engine_.mutable_metrics();
    metrics.reply_messages.fetch_add(deliveries->size(), std::memory_order_relaxed);
    metrics.replies_received.fetch_add(replies.size(), std::memory_order_relaxed);
    if (replies.empty()) continue;
    const std::vector<Status> applied = engine_.HandleReplies(replies);
    for (std::size_t i = 0; i < applied.size(); ++i) {
      // Unacked: this and the rest of the batch are redelivered after reconnecting; what
      // did commit is then recognised as answered already.
      if (applied[i].IsTransient()) return applied[i];
    }
    // A message is settled as a whole: if a reply in it could not be applied, the message
    // goes to the dead-letter queue (the others in it took effect, and are stale if replayed).
    std::vector<bool> failed(deliveries->size(), false);
    for (std::size_t i = 0; i < applied.size(); ++i) {
      if (applied[i].ok()) continue;
      spdlog::error("saga={} reply {} to {} could not be applied, dead-lettered: {}", replies[i].saga_id,
                    replies[i].message_id, replies[i].step, applied[i].ToString());
      failed[delivery_of[i]] = true;
    }
    std::uint64_t last_applied = 0;  // delivery tag; 0: none
    for (std::size_t d = 0; d < deliveries->size(); ++d) {
      if (!decoded[d]) continue;
      if (failed[d]) {
        SAGAFLOW_RETURN_IF_ERROR(broker.Reject((*deliveries)[d].delivery_tag, false));
      } else {
        last_applied = (*deliveries)[d].delivery_tag;
      }
    }
    // multiple=true acks every unsettled delivery up to that tag; the rejected ones are
    // settled already (and acking one of those again would close the channel).
    if (last_applied != 0) SAGAFLOW_RETURN_IF_ERROR(broker.Ack(last_applied, /*multiple=*/true));
  }
  return Status::Ok();
}

}  // namespace sagaflow::orchestrator
