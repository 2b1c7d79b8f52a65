#include "bench/amqp_floor.hpp"

#include <thread>

#include "workers/amqp/amqp_connection.hpp"

namespace sagaflow::bench {

Result<AmqpFloor> MeasureAmqpFloor(const std::string& amqp_url, int messages, int batch) {
  const std::string queue = "sagaflow.bench.floor";
  auto publisher = amqp::Connection::Open(amqp_url, "saga-bench floor publisher");
  if (!publisher.ok()) return publisher.status();
  SAGAFLOW_RETURN_IF_ERROR(publisher.value()->DeclareQueue(queue));
  SAGAFLOW_RETURN_IF_ERROR(publisher.value()->PurgeQueue(queue));
  SAGAFLOW_RETURN_IF_ERROR(publisher.value()->EnableConfirms());
  auto consumer = amqp::Connection::Open(amqp_url, "saga-bench floor consumer");
  if (!consumer.ok()) return consumer.status();
  SAGAFLOW_RETURN_IF_ERROR(consumer.value()->StartConsuming(queue, 512));

  const auto started = std::chrono::steady_clock::now();
  Status consumed_status;
  std::thread consume([&] {
    for (int received = 0; received < messages;) {
      auto delivery = consumer.value()->Consume(std::chrono::seconds(10));
      if (!delivery.ok() || !delivery->has_value()) {
        consumed_status = delivery.ok() ? Status::Transient("floor: consumer timed out") : delivery.status();
        return;
      }
      if (Status acked = consumer.value()->Ack((*delivery)->delivery_tag); !acked.ok()) {
        consumed_status = acked;
        return;
      }
      ++received;
    }
  });
  const std::string body(256, 'x');
  for (int sent = 0; sent < messages;) {
    std::vector<amqp::OutgoingMessage> messages_batch;
    for (int i = 0; i < batch && sent < messages; ++i, ++sent) {
      messages_batch.push_back(amqp::OutgoingMessage{"", queue, body, std::to_string(sent)});
    }
    SAGAFLOW_RETURN_IF_ERROR(publisher.value()->PublishBatch(messages_batch, std::chrono::seconds(30)));
  }
  consume.join();
  SAGAFLOW_RETURN_IF_ERROR(consumed_status);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return AmqpFloor{messages, batch, messages / seconds};
}

}  // namespace sagaflow::bench
