#pragma once
// A fake payment provider: the HTTP API a real channel would offer (create, query, pay, close,
// refund) over in-memory state, plus signed asynchronous payment callbacks. It stands outside
// sagaflow, so tests and demos can drive payments, lose callbacks and inject failures.
//
// Thread-safe: Handle() may run on many threads; payments live under one mutex. Callbacks are
// sent by one background thread (started by the constructor, joined by Stop()).
//
// API (JSON bodies; errors are {"error":{"code","message","field"?}}, and conflicts on a
// payment also carry "payment"):
//   POST /channel/payments               create; 201, or 200 for a known merchant_order_id
//   GET  /channel/payments/{id}          the payment
//   GET  /channel/payments?merchant_order_id=X
//   POST /channel/payments/{id}/pay      {"drop_callback"?,"delay_ms"?,"resend_callback"?}
//   POST /channel/payments/{id}/close    pending → closed (409 once paid)
//   POST /channel/payments/{id}/refund   {"amount_cents","refund_id"} (409 unless paid)
//   POST /channel/admin/fail-rate        {"fail_rate": 0..1}
//   POST /channel/admin/create-delay     {"delay_ms": 0..60000}: creates answer that late
//   GET  /healthz

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <queue>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/http/http_types.hpp"
#include "common/json.hpp"

namespace sagaflow::examples {

//! Option / description / default:
//!   secret            HMAC-SHA256 key signing callbacks (X-Signature)   "dev-secret"
//!   callback_url      callback target when a payment has no notify_url  ""
//!   fail_rate         fraction of create/query calls answered with 503  0
//!   create_delay      how long a create takes to answer (a slow channel) 0
//!   public_base_url   prefix of pay_url, e.g. http://127.0.0.1:9000      ""
//!   callback_attempts tries per callback before giving up                5
//!   callback_backoff  wait after the first failed try, doubled each time 200 ms
//!   callback_timeout  time allowed for one callback POST                 2 s
//!   callback_threads  callbacks delivered at once (a real channel does    8
//!                     not queue every merchant's callbacks behind one)
struct PaymentChannelOptions {
  std::string secret = "dev-secret";
  std::string callback_url;
  double fail_rate = 0;
  std::chrono::milliseconds create_delay{0};
  std::string public_base_url;
  int callback_attempts = 5;
  std::chrono::milliseconds callback_backoff{200};
  std::chrono::milliseconds callback_timeout{2000};
  int callback_threads = 8;
};

class PaymentChannel {
 public:
  //! Starts the callback threads.
  explicit PaymentChannel(PaymentChannelOptions options);
  //! Stops the callback threads (see Stop()).
  ~PaymentChannel();
  PaymentChannel(const PaymentChannel&) = delete;
  PaymentChannel& operator=(const PaymentChannel&) = delete;

  //! Answers one request of the API above; never throws for bad input (4xx instead).
  http::HttpResponse Handle(http::HttpRequest&& req);

  //! Sets the prefix of pay_url (call once the port is known).
  void SetPublicBaseUrl(std::string url);

  //! Joins the callback thread; callbacks not yet delivered are dropped. Idempotent.
  void Stop();

 private:
  struct RefundEntry {
    std::string refund_id;
    std::int64_t amount_cents = 0;
    std::string refunded_at;
  };
  struct Payment {
    std::string payment_id;
    std::string merchant_order_id;
    std::int64_t amount_cents = 0;
    std::string currency;
    std::string description;
    std::string notify_url;
    std::string status;  // pending | paid | closed | refunded
    std::string created_at;
    std::string paid_at;
    std::string closed_at;
    std::int64_t refunded_cents = 0;
    std::vector<RefundEntry> refunds;
    std::string notify_status = "none";  // none | scheduled | delivered | failed | dropped
    int notify_attempts = 0;
  };
  struct Callback {
    std::chrono::steady_clock::time_point due;
    std::string payment_id;
    std::string url;
    std::string body;
    int attempt = 0;  //!< tries made so far
    bool operator>(const Callback& other) const { return due > other.due; }
  };

  http::HttpResponse Create(const http::HttpRequest& req);
  http::HttpResponse Get(const http::HttpRequest& req, const std::string& payment_id);
  http::HttpResponse FindByMerchantOrder(const http::HttpRequest& req);
  http::HttpResponse Pay(const http::HttpRequest& req, const std::string& payment_id);
  http::HttpResponse Close(const http::HttpRequest& req, const std::string& payment_id);
  http::HttpResponse Refund(const http::HttpRequest& req, const std::string& payment_id);
  http::HttpResponse SetFailRate(const http::HttpRequest& req);
  http::HttpResponse SetCreateDelay(const http::HttpRequest& req);

  //! True if this call should fail with 503 (draws from rng_). Caller holds mu_.
  bool InjectFailureLocked();
  //! The payment as JSON. Caller holds mu_.
  json::object ToJsonLocked(const Payment& payment) const;
  //! 409 naming the payment's status and carrying the payment. Caller holds mu_.
  http::HttpResponse ConflictLocked(const http::HttpRequest& req, const Payment& payment, std::string message) const;
  //! Queues the signed "paid" callback for `payment`. Caller holds mu_.
  void ScheduleCallbackLocked(Payment& payment, std::chrono::milliseconds delay);
  //! Body of the callback thread: sends due callbacks, retries failures with backoff.
  void CallbackLoop();
  //! Records the outcome of one delivery attempt on the payment (takes mu_).
  void RecordDelivery(const std::string& payment_id, const std::string& notify_status);

  //! Immutable after construction, except fail_rate, create_delay and public_base_url
  //! (guarded by mu_).
  PaymentChannelOptions options_;

  //! Guards payments_, by_merchant_order_, rng_, options_.fail_rate, options_.create_delay and
  //! options_.public_base_url.
  mutable std::mutex mu_;
  std::unordered_map<std::string, Payment> payments_;
  //! merchant_order_id → payment_id.
  std::unordered_map<std::string, std::string> by_merchant_order_;
  std::mt19937_64 rng_;

  //! Guards callbacks_ and stopping_. Lock order: mu_ before queue_mu_ (ScheduleCallbackLocked
  //! holds both); the callback thread never holds queue_mu_ while taking mu_.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::priority_queue<Callback, std::vector<Callback>, std::greater<>> callbacks_;
  bool stopping_ = false;

  //! Declared last: they start in the constructor and use every member above.
  std::vector<std::thread> callback_threads_;
};

}  // namespace sagaflow::examples
