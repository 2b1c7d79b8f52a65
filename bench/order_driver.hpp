#pragma once
// Drives order sagas to completed the way a shop's backend would: place the order over
// HTTP, then react to the order's domain events (consumed from order.events on RabbitMQ):
// order.created → pay at the channel's pay link, order.paid → merchant ships,
// order.shipped → buyer confirms receipt, order.completed → done. `concurrency` virtual
// users each keep one order in flight.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace sagaflow::bench {

struct DriveOptions {
  int sagas = 1000;
  int concurrency = 64;
  std::vector<std::string> sagad_urls;  //!< orders are spread over them round-robin
  std::string amqp_url;
  std::string sku_prefix;  //!< order i buys one unit of "<prefix>-<i % skus>"
  int skus = 1;
  //! Longest wait for any one event before the order counts as failed.
  std::chrono::milliseconds event_timeout{std::chrono::seconds(60)};
  //! Processes crash during the run (saga-bench --chaos): a call that reaches no server or
  //! gets a 5xx is made again, the same request, until `event_timeout`, as a shop's backend
  //! would. A placement keeps its Idempotency-Key; a signal answered 409 on a second try had
  //! taken effect on the first. Without it, any such answer fails the order.
  bool retry_calls = false;
  //! The virtual users' own subscription to the domain events is a durable queue, so the
  //! broker writes every event to disk before it confirms it to the relay, as for a shop
  //! service that must not miss one across a broker restart. Off: a transient queue, which
  //! is all users that live as long as the run need; the relay publishes the same persistent
  //! messages either way.
  bool durable_events_queue = false;
};

struct SagaSample {
  double started_s = 0;  //!< since the run started
  double completed_s = 0;
  double latency_ms = 0;
};

struct DriveResult {
  std::vector<SagaSample> completed;
  int failed = 0;
  int retried_calls = 0;  //!< calls made again (retry_calls)
  double wall_s = 0;
  std::string first_failure;
};

//! Called about twice a second with (completed, failed) so far.
using ProgressFn = std::function<void(int, int)>;

Result<DriveResult> DriveOrders(const DriveOptions& options, const ProgressFn& progress);

}  // namespace sagaflow::bench
