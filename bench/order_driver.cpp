#include "bench/order_driver.hpp"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <thread>

#include "common/http/http_client.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"
#include "common/wire.hpp"
#include "workers/amqp/amqp_connection.hpp"

namespace sagaflow::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::string_view kEventsQueue = "sagaflow.bench.events";

//! Domain events by order id, filled by the consumer thread, awaited by virtual users. Each
//! order has its own condition variable, so an event wakes only the user waiting for it
//! (one shared one woke all 64 users four times per saga and cost the machine a core).
class EventBoard {
 public:
  void Post(const std::string& order_id, const std::string& event, json::object body) {
    std::lock_guard lock(mutex_);
    Order& order = orders_[order_id];
    order.seen.emplace(event, std::move(body));
    order.changed.notify_all();
  }
  //! The body of `event` for `order_id` once seen; nullopt at the deadline.
  std::optional<json::object> WaitFor(const std::string& order_id, const std::string& event,
                                      Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    Order& order = orders_[order_id];  // std::map nodes stay put while others are added
    if (!order.changed.wait_until(lock, deadline, [&] { return order.seen.contains(event); })) return std::nullopt;
    return order.seen.at(event);
  }

 private:
  struct Order {
    std::map<std::string, json::object> seen;  //!< event name -> body
    std::condition_variable changed;
  };
  std::mutex mutex_;
  //! Guarded by mutex_.
  std::map<std::string, Order> orders_;
};

Status PrepareEventsQueue(const std::string& amqp_url) {
  auto conn = amqp::Connection::Open(amqp_url, "saga-bench setup");
  if (!conn.ok()) return conn.status();
  SAGAFLOW_RETURN_IF_ERROR(conn.value()->DeclareQueue(std::string(kEventsQueue)));
  SAGAFLOW_RETURN_IF_ERROR(
      conn.value()->BindQueue(std::string(kEventsQueue), std::string(wire::kEventsExchange), "order.*"));
  return conn.value()->PurgeQueue(std::string(kEventsQueue)).status();
}

void ConsumeEvents(std::stop_token stop, const std::string& amqp_url, EventBoard& board) {
  auto conn = amqp::Connection::Open(amqp_url, "saga-bench events");
  if (!conn.ok() || !conn.value()->StartConsuming(std::string(kEventsQueue), 512).ok()) return;
  while (!stop.stop_requested()) {
    auto deliveries = conn.value()->ConsumeBatch(256, std::chrono::milliseconds(100));
    if (!deliveries.ok()) return;
    if (deliveries->empty()) continue;
    for (const amqp::Delivery& delivery : deliveries.value()) {
      auto body = ParseJsonObject(delivery.body);
      if (!body.ok()) continue;
      const std::string order_id = StringOr(body.value(), "order_id");
      const std::string event = StringOr(body.value(), "event");
      board.Post(order_id, event, std::move(body.value()));
    }
    if (!conn.value()->Ack(deliveries->back().delivery_tag, /*multiple=*/true).ok()) return;
  }
}

//! One order from placement to completed; the reason on failure.
Status RunOneOrder(const DriveOptions& options, const std::string& sagad, int index, EventBoard& board) {
  const json::object order{{"user_id", "bench-" + std::to_string(index % 1000)},
                           {"items", json::array{json::object{
                               {"sku", options.sku_prefix + "-" + std::to_string(index % options.skus)},
                               {"quantity", 1}}}}};
  auto placed = http::HttpCall("POST", sagad + "/v1/orders", ToJson(order), {{"Idempotency-Key", NewUuid()}});
  if (!placed.ok()) return placed.status();
  if (placed->status != 201) return Status::Permanent("place order: HTTP " + std::to_string(placed->status));
  auto saga = ParseJsonObject(placed->body);
  if (!saga.ok()) return saga.status();
  const std::string order_id = StringOr(saga.value(), "order_id");
  const std::string saga_id = StringOr(saga.value(), "saga_id");
  auto await_body = [&](const char* event) -> Result<json::object> {
    auto body = board.WaitFor(order_id, event, Clock::now() + options.event_timeout);
    if (!body) return Status::Transient(std::string("no ") + event + " for saga " + saga_id);
    return std::move(*body);
  };
  auto await = [&](const char* event) { return await_body(event).status(); };
  auto post = [&](const std::string& url, const std::string& body) -> Status {
    auto answer = http::HttpCall("POST", url, body);
    if (!answer.ok()) return answer.status();
    if (answer->status >= 300) return Status::Permanent(url + ": HTTP " + std::to_string(answer->status));
    return Status::Ok();
  };

  // The buyer goes to the payment page order.created names, as a shop's front end would.
  auto created = await_body("order.created");
  if (!created.ok()) return created.status();
  const std::string pay_url = StringOr(created.value(), "pay_url");
  if (pay_url.empty()) return Status::Permanent("order.created of saga " + saga_id + " names no pay_url");
  SAGAFLOW_RETURN_IF_ERROR(post(pay_url, "{}"));
  SAGAFLOW_RETURN_IF_ERROR(await("order.paid"));
  SAGAFLOW_RETURN_IF_ERROR(post(sagad + "/v1/sagas/" + saga_id + "/signals/ship",
                                R"({"carrier":"bench","tracking_number":"B)" + std::to_string(index) + "\"}"));
  SAGAFLOW_RETURN_IF_ERROR(await("order.shipped"));
  SAGAFLOW_RETURN_IF_ERROR(post(sagad + "/v1/sagas/" + saga_id + "/signals/receive", "{}"));
  return await("order.completed");
}

}  // namespace

Result<DriveResult> DriveOrders(const DriveOptions& options, const ProgressFn& progress) {
  if (options.sagad_urls.empty()) return Status::InvalidArgument("sagad_urls", "no sagad to drive");
  SAGAFLOW_RETURN_IF_ERROR(PrepareEventsQueue(options.amqp_url));
  EventBoard board;
  std::jthread consumer([&](std::stop_token stop) { ConsumeEvents(stop, options.amqp_url, board); });

  DriveResult result;
  std::mutex result_mutex;
  std::atomic<int> next{0};
  std::atomic<int> completed{0};
  std::atomic<int> failed{0};
  const auto run_start = Clock::now();
  auto seconds_since_start = [&] { return std::chrono::duration<double>(Clock::now() - run_start).count(); };
  {
    std::vector<std::jthread> users;
    for (int user = 0; user < options.concurrency; ++user) {
      users.emplace_back([&] {
        for (int index = next++; index < options.sagas; index = next++) {
          const double started = seconds_since_start();
          Status status = RunOneOrder(options, options.sagad_urls[index % options.sagad_urls.size()], index, board);
          const double ended = seconds_since_start();
          std::lock_guard lock(result_mutex);
          if (status.ok()) {
            result.completed.push_back(SagaSample{started, ended, (ended - started) * 1000});
            ++completed;
          } else {
            if (result.first_failure.empty()) result.first_failure = status.ToString();
            ++failed;
          }
        }
      });
    }
    while (completed + failed < options.sagas) {
      progress(completed, failed);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // progress display cadence
    }
  }
  progress(completed, failed);
  result.failed = failed;
  result.wall_s = seconds_since_start();
  return result;
}

}  // namespace sagaflow::bench
