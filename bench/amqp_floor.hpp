#pragma once
// The broker's floor: persistent 256-byte messages published in confirmed batches on one
// connection while another consumes and acks them, on a queue of its own. Tells how many
// messages per second this RabbitMQ can carry the way sagaflow uses it.

#include <string>

#include "common/status.hpp"

namespace sagaflow::bench {

struct AmqpFloor {
  int messages = 0;
  int batch = 0;
  double messages_per_s = 0;
};

Result<AmqpFloor> MeasureAmqpFloor(const std::string& amqp_url, int messages, int batch);

}  // namespace sagaflow::bench
