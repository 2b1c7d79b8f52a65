#include "bench/order_driver.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <unordered_map>

#include "bench/async_http_client.hpp"
#include "common/http/http_client.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"
#include "common/wire.hpp"
#include "workers/amqp/amqp_connection.hpp"

namespace sagaflow::bench {
namespace {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;
constexpr std::string_view kEventsQueue = "sagaflow.bench.events";

//! Domain events by order id, posted by the consumer thread. A virtual user awaiting one has
//! its handler run on the io_context when the event arrives, or without it at its deadline.
class EventBoard {
 public:
  using Handler = std::function<void(std::optional<json::object>)>;

  explicit EventBoard(net::io_context& ioc) : ioc_(ioc) {}

  //! Any thread.
  void Post(const std::string& order_id, const std::string& event, json::object body) {
    Waiting waiting;
    {
      std::lock_guard lock(mutex_);
      auto found = waiting_.find(Key(order_id, event));
      if (found == waiting_.end()) {
        seen_.emplace(Key(order_id, event), std::move(body));
        return;
      }
      waiting = std::move(found->second);
      waiting_.erase(found);
    }
    // The timer belongs to the io_context's thread: cancelled there.
    net::post(ioc_, [waiting = std::move(waiting), body = std::move(body)]() mutable {
      waiting.timer->cancel();
      waiting.handler(std::move(body));
    });
  }

  //! The io_context's thread only.
  void Await(const std::string& order_id, const std::string& event, std::chrono::milliseconds timeout,
             Handler handler) {
    const std::string key = Key(order_id, event);
    std::unique_lock lock(mutex_);
    if (auto seen = seen_.find(key); seen != seen_.end()) {
      json::object body = std::move(seen->second);
      seen_.erase(seen);
      lock.unlock();
      net::post(ioc_, [handler = std::move(handler), body = std::move(body)]() mutable { handler(std::move(body)); });
      return;
    }
    auto timer = std::make_shared<net::steady_timer>(ioc_, timeout);
    waiting_[key] = Waiting{std::move(handler), timer};
    timer->async_wait([this, key, timer](boost::system::error_code ec) {
      if (ec) return;  // cancelled: the event came
      Handler expired;
      {
        std::lock_guard lock(mutex_);
        auto found = waiting_.find(key);
        if (found == waiting_.end() || found->second.timer != timer) return;
        expired = std::move(found->second.handler);
        waiting_.erase(found);
      }
      expired(std::nullopt);
    });
  }

 private:
  struct Waiting {
    Handler handler;
    std::shared_ptr<net::steady_timer> timer;
  };
  static std::string Key(const std::string& order_id, const std::string& event) { return order_id + ' ' + event; }

  net::io_context& ioc_;
  std::mutex mutex_;
  //! Guarded by mutex_: events nobody awaited yet, and the users awaiting one.
  std::unordered_map<std::string, json::object> seen_;
  std::unordered_map<std::string, Waiting> waiting_;
};

Status PrepareEventsQueue(const std::string& amqp_url, bool durable) {
  auto conn = amqp::Connection::Open(amqp_url, "saga-bench setup");
  if (!conn.ok()) return conn.status();
  (void)conn.value()->DeleteQueue(std::string(kEventsQueue));  // one an older run left, maybe durable
  amqp::QueueOptions options;
  options.durable = durable;
  SAGAFLOW_RETURN_IF_ERROR(conn.value()->DeclareQueue(std::string(kEventsQueue), options));
  SAGAFLOW_RETURN_IF_ERROR(
      conn.value()->BindQueue(std::string(kEventsQueue), std::string(wire::kEventsExchange), "order.*"));
  return conn.value()->PurgeQueue(std::string(kEventsQueue)).status();
}

//! Until `stop`: takes the domain events off the bench's queue and posts them to `board`.
//! A lost connection (--chaos closes them all) is opened again; the events it had not acked
//! come again, and the board takes a repeat once.
void ConsumeEvents(std::stop_token stop, const std::string& amqp_url, EventBoard& board) {
  while (!stop.stop_requested()) {
    auto conn = amqp::Connection::Open(amqp_url, "saga-bench events");
    if (!conn.ok() || !conn.value()->StartConsuming(std::string(kEventsQueue), 512).ok()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the broker is back within moments
      continue;
    }
    while (!stop.stop_requested()) {
      auto deliveries = conn.value()->ConsumeBatch(256, std::chrono::milliseconds(100));
      if (!deliveries.ok()) break;
      if (deliveries->empty()) continue;
      for (const amqp::Delivery& delivery : deliveries.value()) {
        auto body = ParseJsonObject(delivery.body);
        if (!body.ok()) continue;
        const std::string order_id = StringOr(body.value(), "order_id");
        const std::string event = StringOr(body.value(), "event");
        board.Post(order_id, event, std::move(body.value()));
      }
      if (!conn.value()->Ack(deliveries->back().delivery_tag, /*multiple=*/true).ok()) break;
    }
  }
}

//! What the virtual users share; touched on the io_context's thread only, except the counters
//! the progress display reads.
struct Run {
  Run(const DriveOptions& drive_options, EventBoard& event_board) : options(drive_options), board(event_board) {}

  const DriveOptions& options;
  EventBoard& board;
  Clock::time_point start = Clock::now();
  int next = 0;
  std::atomic<int> completed{0};
  std::atomic<int> failed{0};
  DriveResult result;

  double SecondsSinceStart() const { return std::chrono::duration<double>(Clock::now() - start).count(); }
};

//! One shop session after another, each order from placement to completed, as a chain of
//! callbacks on the io_context: place, await order.created, pay at its pay_url, await
//! order.paid, ship, await order.shipped, receive, await order.completed.
class VirtualUser : public std::enable_shared_from_this<VirtualUser> {
 public:
  // With retry_calls the user retries, and counts, every failed call itself (Send).
  VirtualUser(net::io_context& ioc, Run& run)
      : run_(run), client_(ioc, /*resend_on_kept_connection=*/!run.options.retry_calls), retry_timer_(ioc) {}

  void NextOrder() {
    index_ = run_.next++;
    if (index_ >= run_.options.sagas) return;
    started_s_ = run_.SecondsSinceStart();
    const DriveOptions& options = run_.options;
    const std::string& sagad = options.sagad_urls[static_cast<std::size_t>(index_) % options.sagad_urls.size()];
    const json::object order{{"user_id", "bench-" + std::to_string(index_ % 1000)},
                             {"items", json::array{json::object{
                                 {"sku", options.sku_prefix + "-" + std::to_string(index_ % options.skus)},
                                 {"quantity", 1}}}}};
    Send(sagad + "/v1/orders", ToJson(order), {{"Idempotency-Key", NewUuid()}},
         [self = shared_from_this(), sagad](Result<http::HttpClientResponse> placed, int) {
           self->OnPlaced(sagad, std::move(placed));
         });
  }

 private:
  void OnPlaced(const std::string& sagad, Result<http::HttpClientResponse> placed) {
    if (!placed.ok()) return Finish(placed.status());
    // 200: the same Idempotency-Key again (a retry whose first try had taken effect).
    if (placed->status != 201 && placed->status != 200) {
      return Finish(Status::Permanent("place order: HTTP " + std::to_string(placed->status)));
    }
    auto saga = ParseJsonObject(placed->body);
    if (!saga.ok()) return Finish(saga.status());
    order_id_ = StringOr(saga.value(), "order_id");
    saga_id_ = StringOr(saga.value(), "saga_id");
    const std::string signals = sagad + "/v1/sagas/" + saga_id_ + "/signals/";
    // The buyer goes to the payment page order.created names, as a shop's front end would.
    Await("order.created", [self = shared_from_this(), signals](json::object created) {
      const std::string pay_url = StringOr(created, "pay_url");
      if (pay_url.empty()) {
        return self->Finish(Status::Permanent("order.created of saga " + self->saga_id_ + " names no pay_url"));
      }
      self->Post(pay_url, "{}", [self, signals] {
        self->Await("order.paid", [self, signals](json::object) {
          self->Post(signals + "ship",
                     R"({"carrier":"bench","tracking_number":"B)" + std::to_string(self->index_) + "\"}",
                     [self, signals] {
                       self->Await("order.shipped", [self, signals](json::object) {
                         self->Post(signals + "receive", "{}", [self] {
                           self->Await("order.completed", [self](json::object) { self->Finish(Status::Ok()); });
                         });
                       });
                     });
        });
      });
    });
  }

  void Await(const char* event, std::function<void(json::object)> next) {
    run_.board.Await(order_id_, event, run_.options.event_timeout,
                     [self = shared_from_this(), event, next = std::move(next)](std::optional<json::object> body) {
                       if (!body) return self->Finish(Status::Transient(std::string("no ") + event + " for saga " +
                                                                        self->saga_id_));
                       next(std::move(*body));
                     });
  }

  void Post(const std::string& url, std::string body, std::function<void()> next) {
    Send(url, std::move(body), {},
         [self = shared_from_this(), url, next = std::move(next)](Result<http::HttpClientResponse> answer, int attempt) {
           if (!answer.ok()) return self->Finish(answer.status());
           // A signal answered 409 on a second try: the first one took effect before its answer was lost.
           const bool applied_before = attempt > 1 && answer->status == 409;
           if (answer->status >= 300 && !applied_before) {
             return self->Finish(Status::Permanent(url + ": HTTP " + std::to_string(answer->status)));
           }
           next();
         });
  }

  //! POSTs `body` to `url`; `done` gets the answer and the attempt it came from. With
  //! retry_calls, no answer or a 5xx is tried again every 100 ms until the event timeout.
  void Send(const std::string& url, std::string body, AsyncHttpClient::Headers headers,
            std::function<void(Result<http::HttpClientResponse>, int)> done, int attempt = 1,
            Clock::time_point give_up = {}) {
    if (attempt == 1) give_up = Clock::now() + run_.options.event_timeout;
    // Copies for a retry only: without retry_calls every request goes out once.
    const bool may_retry = run_.options.retry_calls;
    std::string resend_body = may_retry ? body : std::string();
    AsyncHttpClient::Headers resend_headers = may_retry ? headers : AsyncHttpClient::Headers();
    client_.Call("POST", url, std::move(body), std::move(headers),
                 [self = shared_from_this(), url, body = std::move(resend_body), headers = std::move(resend_headers),
                  done = std::move(done), attempt, give_up, may_retry](Result<http::HttpClientResponse> answer) mutable {
                   const bool retry = may_retry && Clock::now() < give_up && (!answer.ok() || answer->status >= 500);
                   if (!retry) return done(std::move(answer), attempt);
                   ++self->run_.result.retried_calls;
                   self->retry_timer_.expires_after(std::chrono::milliseconds(100));
                   self->retry_timer_.async_wait([self, url, body = std::move(body), headers = std::move(headers),
                                                  done = std::move(done), attempt, give_up](boost::system::error_code) mutable {
                     self->Send(url, std::move(body), std::move(headers), std::move(done), attempt + 1, give_up);
                   });
                 });
  }

  void Finish(const Status& status) {
    const double ended = run_.SecondsSinceStart();
    if (status.ok()) {
      run_.result.completed.push_back(SagaSample{started_s_, ended, (ended - started_s_) * 1000});
      ++run_.completed;
    } else {
      if (run_.result.first_failure.empty()) run_.result.first_failure = status.ToString();
      ++run_.failed;
    }
    NextOrder();
  }

  Run& run_;
  AsyncHttpClient client_;
  net::steady_timer retry_timer_;  //!< one call at a time, so one timer
  int index_ = 0;
  double started_s_ = 0;
  std::string order_id_;
  std::string saga_id_;
};

}  // namespace

Result<DriveResult> DriveOrders(const DriveOptions& options, const ProgressFn& progress) {
  if (options.sagad_urls.empty()) return Status::InvalidArgument("sagad_urls", "no sagad to drive");
  SAGAFLOW_RETURN_IF_ERROR(PrepareEventsQueue(options.amqp_url, options.durable_events_queue));
  net::io_context ioc;
  EventBoard board(ioc);
  std::jthread consumer([&](std::stop_token stop) { ConsumeEvents(stop, options.amqp_url, board); });

  Run run(options, board);
  for (int user = 0; user < options.concurrency; ++user) {
    net::post(ioc, [&ioc, &run] { std::make_shared<VirtualUser>(ioc, run)->NextOrder(); });
  }
  // All users on one thread: see AsyncHttpClient. It runs until every order has ended.
  auto work = net::make_work_guard(ioc);
  std::jthread users([&ioc] { ioc.run(); });
  while (run.completed + run.failed < options.sagas) {
    progress(run.completed, run.failed);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // progress display cadence
  }
  ioc.stop();  // late events and the timers of answered awaits need nothing more
  users.join();
  consumer.request_stop();
  consumer.join();
  // Events of later runs or tests on this broker would pile up in it: it goes with the run.
  if (auto conn = amqp::Connection::Open(options.amqp_url, "saga-bench cleanup"); conn.ok()) {
    (void)conn.value()->DeleteQueue(std::string(kEventsQueue));
  }
  progress(run.completed, run.failed);
  run.result.failed = run.failed;
  run.result.wall_s = run.SecondsSinceStart();
  return std::move(run.result);
}

}  // namespace sagaflow::bench
