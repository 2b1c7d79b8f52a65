#pragma once
// Publishes outbox rows to RabbitMQ. Each round claims a batch of unsent rows
// (FOR UPDATE SKIP LOCKED, so several relays in several sagad processes share the work),
// publishes the batch, waits for the broker's confirms, then marks the rows sent and commits.
// A crash between confirm and commit republishes the batch; consumers deduplicate on the
// message id. Sleeps on LISTEN sagaflow_outbox, so a new row goes out at once.
// Runs on its own thread; owns its PostgreSQL and AMQP connections.
//
// | key (block "relay") | description                                        | default |
// |---------------------|----------------------------------------------------|---------|
// | batch_size          | rows claimed and published per round               | 256     |
// | idle_wait           | longest sleep between rounds when nothing arrives  | 1s      |
// | confirm_timeout     | how long to wait for the broker's confirms         | 10s     |

#include <chrono>
#include <stop_token>
#include <string>

#include "common/status.hpp"

namespace sagaflow::orchestrator {

struct RelayOptions {
  int batch_size = 256;
  std::chrono::milliseconds idle_wait{1000};
  std::chrono::milliseconds confirm_timeout{10'000};
};

class OutboxRelay {
 public:
  OutboxRelay(std::string pg_url, std::string amqp_url, RelayOptions options)
      : pg_url_(std::move(pg_url)), amqp_url_(std::move(amqp_url)), options_(options) {}
  //! Publishes until `stop` is requested, reconnecting after failures with a backoff.
  void Run(std::stop_token stop);

 private:
  //! One connected session: returns when stopped or when a connection fails.
  Status RunConnected(std::stop_token stop);

  const std::string pg_url_;
  const std::string amqp_url_;
  const RelayOptions options_;
};

}  // namespace sagaflow::orchestrator
