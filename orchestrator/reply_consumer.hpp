#pragma once
// Consumes worker replies from sagaflow.replies and hands each to the engine, which applies
// it in one transaction together with its inbox record; only then is the message acked.
// A reply that cannot be decoded is rejected into the dead-letter queue; a transient
// failure closes the connection so the broker redelivers the unacked messages.
// Runs on its own thread; owns its AMQP connection.
//
// | key (block "replies") | description                          | default |
// |-----------------------|--------------------------------------|---------|
// | prefetch              | unacked replies the broker may push  | 64      |

#include <cstdint>
#include <stop_token>
#include <string>

#include "common/status.hpp"
#include "orchestrator/saga_engine.hpp"

namespace sagaflow::orchestrator {

class ReplyConsumer {
 public:
  ReplyConsumer(SagaEngine& engine, std::string amqp_url, std::uint16_t prefetch)
      : engine_(engine), amqp_url_(std::move(amqp_url)), prefetch_(prefetch) {}
  //! Consumes until `stop` is requested, reconnecting after failures.
  void Run(std::stop_token stop);

 private:
  Status RunConnected(std::stop_token stop);

  SagaEngine& engine_;
  const std::string amqp_url_;
  const std::uint16_t prefetch_;
};

}  // namespace sagaflow::orchestrator
