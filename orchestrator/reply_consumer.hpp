#pragma once
// Consumes worker replies and hands them to the engine, which applies the replies that
// arrived together in one transaction; only then are the messages acked. Each sagad takes
// the replies to the commands it sent from a queue of its own (sticky replies, see
// wire::kStickyRepliesExchange: its cache holds the rows they apply to) and shares
// sagaflow.replies with the others: replies to commands sent without reply_to, and those
// whose sagad did not take them within `sticky_wait`.
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
// | sticky_wait           | how long a reply waits in this sagad's own  | 5s      |
// |                       | queue before any sagad may take it; 0 turns |         |
// |                       | sticky replies off (all share one queue)    |         |
// | instance              | names this sagad's queue; a stable name     | random  |
// |                       | lets a restarted sagad take the replies to  |         |
// |                       | its predecessor's commands at once. Never   |         |
// |                       | the same for two running sagads             |         |

#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>

#include "common/status.hpp"
#include "common/stop_wait.hpp"
#include "orchestrator/saga_engine.hpp"

namespace sagaflow::orchestrator {

struct ReplyConsumerOptions {
  std::uint16_t prefetch = 64;
  std::size_t batch_size = 64;
  //! This sagad's instance name (EngineOptions::reply_to); empty: no queue of its own.
  std::string sticky_instance;
  std::chrono::milliseconds sticky_wait{5'000};
};

class ReplyConsumer {
 public:
  ReplyConsumer(SagaEngine& engine, std::string amqp_url, ReplyConsumerOptions options)
      : engine_(engine), amqp_url_(std::move(amqp_url)), options_(std::move(options)) {}
  //! Consumes until `stop` is requested, reconnecting after failures; calls `on_connected` (if
  //! set) whenever a session is consuming.
  void Run(std::stop_token stop, const SessionConnected& on_connected = {});

 private:
  Status RunConnected(std::stop_token stop, const SessionConnected& connected);

  SagaEngine& engine_;
  const std::string amqp_url_;
  const ReplyConsumerOptions options_;
};

}  // namespace sagaflow::orchestrator
