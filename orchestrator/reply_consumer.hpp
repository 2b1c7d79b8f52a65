#pragma once
// Consumes worker replies from sagaflow.replies and hands them to the engine, which applies
// the replies that arrived together in one transaction; only then are the messages acked.
// A reply that cannot be decoded is rejected into the dead-letter queue; a transient
// failure closes the connection so the broker redelivers the unacked messages.
// Run() may be called from several threads: each call owns its own AMQP connection, and the
// broker spreads the replies over them (the saga row lock keeps one saga's events serial).
//
// | key (block "replies") | description                                 | default |
// |-----------------------|---------------------------------------------|---------|
// | prefetch              | unacked replies the broker may push to each | 64      |
// | consumers             | threads consuming replies                   | 2       |
// | batch_size            | most replies applied in one transaction     | 64      |

#include <cstdint>
#include <stop_token>
#include <string>

#include "common/status.hpp"
#include "orchestrator/saga_engine.hpp"

namespace sagaflow::orchestrator {

class ReplyConsumer {
 public:
  ReplyConsumer(SagaEngine& engine, std::string amqp_url, std::uint16_t prefetch, std::size_t batch_size)
      : engine_(engine), amqp_url_(std::move(amqp_url)), prefetch_(prefetch), batch_size_(batch_size) {}
  //! Consumes until `stop` is requested, reconnecting after failures.
  void Run(std::stop_token stop);

 private:
  Status RunConnected(std::stop_token stop);

  SagaEngine& engine_;
  const std::string amqp_url_;
  const std::uint16_t prefetch_;
  const std::size_t batch_size_;
};

}  // namespace sagaflow::orchestrator
