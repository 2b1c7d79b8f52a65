#include "examples/fake_payment_channel/payment_channel.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <utility>

#include "common/crypto.hpp"
#include "common/http/http_client.hpp"
#include "common/rfc3339.hpp"

namespace sagaflow::examples {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using http::Verb;

constexpr std::string_view kPaymentsPath = "/channel/payments";

json::value StringOrNull(const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); }

//! The request body as a JSON object; an empty body is an empty object.
Result<json::object> OptionalBody(const HttpRequest& req) {
  if (req.body().find_first_not_of(" \t\r\n") == std::string::npos) return json::object{};
  return ParseJsonObject(req.body());
}

//! obj[key] as a bool, `fallback` if absent; InvalidArgument if present but not a bool.
Result<bool> OptionalBool(const json::object& obj, std::string_view key, bool fallback) {
  auto it = obj.find(key);
  if (it == obj.end() || it->value().is_null()) return fallback;
  if (!it->value().is_bool()) return Status::InvalidArgument(std::string(key), "must be a boolean");
  return it->value().as_bool();
}

//! obj[key] as a string, `fallback` if absent; InvalidArgument if present but not a string.
Result<std::string> OptionalString(const json::object& obj, std::string_view key, std::string_view fallback) {
  auto it = obj.find(key);
  if (it == obj.end() || it->value().is_null()) return std::string(fallback);
  if (!it->value().is_string()) return Status::InvalidArgument(std::string(key), "must be a string");
  return std::string(it->value().as_string());
}

//! obj[key] as a non-negative integer, `fallback` if absent.
Result<std::int64_t> OptionalNonNegativeInt(const json::object& obj, std::string_view key, std::int64_t fallback) {
  if (!obj.contains(key) || obj.at(key).is_null()) return fallback;
  auto value = GetInt(obj, key);
  if (!value.ok()) return value.status();
  if (*value < 0) return Status::InvalidArgument(std::string(key), "must not be negative");
  return *value;
}

HttpResponse Json(const HttpRequest& req, unsigned status, const json::value& body) {
  return http::JsonResponse(status, body, req.version(), req.keep_alive());
}

HttpResponse NotFound(const HttpRequest& req, const std::string& payment_id) {
  return http::ErrorResponse(req, 404, "not_found", "no payment " + payment_id);
}

HttpResponse MethodNotAllowed(const HttpRequest& req) {
  return http::ErrorResponse(req, 405, "method_not_allowed",
                             std::string(req.method_string()) + " is not allowed on " + std::string(req.target()));
}

}  // namespace

PaymentChannel::PaymentChannel(PaymentChannelOptions options)
    : options_(std::move(options)), rng_(std::random_device{}()) {
  for (int i = 0; i < std::max(1, options_.callback_threads); ++i) callback_threads_.emplace_back([this] { CallbackLoop(); });
}

PaymentChannel::~PaymentChannel() { Stop(); }

void PaymentChannel::SetPublicBaseUrl(std::string url) {
  std::lock_guard lock(mu_);
  options_.public_base_url = std::move(url);
}

void PaymentChannel::Stop() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  for (std::thread& thread : callback_threads_) {
    if (thread.joinable()) thread.join();
  }
}

HttpResponse PaymentChannel::Handle(HttpRequest&& req) {
  const std::string path(http::TargetPath(req.target()));
  const Verb verb = req.method();

  if (path == "/healthz") {
    if (verb != Verb::get) return MethodNotAllowed(req);
    return Json(req, 200, json::object{{"status", "ok"}});
  }
  if (path == "/channel/admin/fail-rate") {
    if (verb != Verb::post) return MethodNotAllowed(req);
    return SetFailRate(req);
  }
  if (path == "/channel/admin/create-delay") {
    if (verb != Verb::post) return MethodNotAllowed(req);
    return SetCreateDelay(req);
  }
  if (path == kPaymentsPath) {
    if (verb == Verb::post) return Create(req);
    if (verb == Verb::get) return FindByMerchantOrder(req);
    return MethodNotAllowed(req);
  }
  const std::string prefix = std::string(kPaymentsPath) + "/";
  if (path.rfind(prefix, 0) == 0) {
    std::string rest = path.substr(prefix.size());
    auto slash = rest.find('/');
    std::string payment_id = rest.substr(0, slash);
    std::string action = slash == std::string::npos ? std::string{} : rest.substr(slash + 1);
    if (payment_id.empty()) return http::ErrorResponse(req, 404, "not_found", "no such route");
    if (action.empty()) {
      if (verb != Verb::get) return MethodNotAllowed(req);
      return Get(req, payment_id);
    }
    if (action == "pay" || action == "close" || action == "refund") {
      if (verb != Verb::post) return MethodNotAllowed(req);
      if (action == "pay") return Pay(req, payment_id);
      if (action == "close") return Close(req, payment_id);
      return Refund(req, payment_id);
    }
  }
  return http::ErrorResponse(req, 404, "not_found", "no route for " + path);
}

HttpResponse PaymentChannel::Create(const HttpRequest& req) {
  auto body = ParseJsonObject(req.body());
  if (!body.ok()) return http::ErrorResponse(req, body.status());
  auto merchant_order_id = GetString(*body, "merchant_order_id");
  if (!merchant_order_id.ok()) return http::ErrorResponse(req, merchant_order_id.status());
  if (merchant_order_id->empty()) {
    return http::ErrorResponse(req, 400, "invalid_argument", "must not be empty", "merchant_order_id");
  }
  auto amount = GetInt(*body, "amount_cents");
  if (!amount.ok()) return http::ErrorResponse(req, amount.status());
  if (*amount <= 0) return http::ErrorResponse(req, 400, "invalid_argument", "must be positive", "amount_cents");
  auto currency = OptionalString(*body, "currency", "CNY");
  if (!currency.ok()) return http::ErrorResponse(req, currency.status());
  if (currency->empty()) return http::ErrorResponse(req, 400, "invalid_argument", "must not be empty", "currency");
  auto notify_url = OptionalString(*body, "notify_url", "");
  if (!notify_url.ok()) return http::ErrorResponse(req, notify_url.status());
  if (!notify_url->empty() && notify_url->rfind("http://", 0) != 0) {
    return http::ErrorResponse(req, 400, "invalid_argument", "must be an http:// URL", "notify_url");
  }
  auto description = OptionalString(*body, "description", "");
  if (!description.ok()) return http::ErrorResponse(req, description.status());

  std::chrono::milliseconds delay;
  {
    std::lock_guard lock(mu_);
    delay = options_.create_delay;
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);  // a slow channel, as told (one request only)
  std::lock_guard lock(mu_);
  if (InjectFailureLocked()) return http::ErrorResponse(req, 503, "transient", "injected failure (fail_rate)");
  if (auto known = by_merchant_order_.find(*merchant_order_id); known != by_merchant_order_.end()) {
    const Payment& existing = payments_.at(known->second);
    if (existing.amount_cents != *amount || existing.currency != *currency) {
      return ConflictLocked(req, existing,
                            "merchant_order_id " + existing.merchant_order_id +
                                " already has a payment with a different amount or currency");
    }
    return Json(req, 200, ToJsonLocked(existing));
  }

  Payment payment;
  do {
    char id[24];
    std::snprintf(id, sizeof id, "pay_%016llx", static_cast<unsigned long long>(rng_()));
    payment.payment_id = id;
  } while (payments_.count(payment.payment_id) != 0);
  payment.merchant_order_id = *merchant_order_id;
  payment.amount_cents = *amount;
  payment.currency = *currency;
  payment.description = *description;
  payment.notify_url = *notify_url;
  payment.status = "pending";
  payment.created_at = NowRfc3339Millis();
  by_merchant_order_[payment.merchant_order_id] = payment.payment_id;
  auto [it, inserted] = payments_.emplace(payment.payment_id, std::move(payment));
  spdlog::info("created {} for merchant_order_id={} amount_cents={}", it->second.payment_id,
               it->second.merchant_order_id, it->second.amount_cents);
  return Json(req, 201, ToJsonLocked(it->second));
}

HttpResponse PaymentChannel::Get(const HttpRequest& req, const std::string& payment_id) {
  std::lock_guard lock(mu_);
  if (InjectFailureLocked()) return http::ErrorResponse(req, 503, "transient", "injected failure (fail_rate)");
  auto it = payments_.find(payment_id);
  if (it == payments_.end()) return NotFound(req, payment_id);
  return Json(req, 200, ToJsonLocked(it->second));
}

HttpResponse PaymentChannel::FindByMerchantOrder(const HttpRequest& req) {
  auto merchant_order_id = http::QueryParam(req.target(), "merchant_order_id");
  if (!merchant_order_id || merchant_order_id->empty()) {
    return http::ErrorResponse(req, 400, "invalid_argument", "query parameter is required", "merchant_order_id");
  }
  std::lock_guard lock(mu_);
  if (InjectFailureLocked()) return http::ErrorResponse(req, 503, "transient", "injected failure (fail_rate)");
  auto known = by_merchant_order_.find(*merchant_order_id);
  if (known == by_merchant_order_.end()) {
    return http::ErrorResponse(req, 404, "not_found", "no payment for merchant_order_id " + *merchant_order_id);
  }
  return Json(req, 200, ToJsonLocked(payments_.at(known->second)));
}

HttpResponse PaymentChannel::Pay(const HttpRequest& req, const std::string& payment_id) {
  auto body = OptionalBody(req);
  if (!body.ok()) return http::ErrorResponse(req, body.status());
  auto drop_callback = OptionalBool(*body, "drop_callback", false);
  if (!drop_callback.ok()) return http::ErrorResponse(req, drop_callback.status());
  auto resend_callback = OptionalBool(*body, "resend_callback", false);
  if (!resend_callback.ok()) return http::ErrorResponse(req, resend_callback.status());
  auto delay_ms = OptionalNonNegativeInt(*body, "delay_ms", 0);
  if (!delay_ms.ok()) return http::ErrorResponse(req, delay_ms.status());

  std::lock_guard lock(mu_);
  auto it = payments_.find(payment_id);
  if (it == payments_.end()) return NotFound(req, payment_id);
  Payment& payment = it->second;
  if (payment.status == "closed") return ConflictLocked(req, payment, "payment " + payment_id + " is closed");
  bool first_payment = payment.status == "pending";
  if (first_payment) {
    payment.status = "paid";
    payment.paid_at = NowRfc3339Millis();
    spdlog::info("paid {} merchant_order_id={}", payment_id, payment.merchant_order_id);
  }
  if (first_payment || *resend_callback) {
    if (*drop_callback) {
      payment.notify_status = "dropped";
      spdlog::info("callback for {} dropped on request", payment_id);
    } else {
      ScheduleCallbackLocked(payment, std::chrono::milliseconds(*delay_ms));
    }
  }
  return Json(req, 200, ToJsonLocked(payment));
}

HttpResponse PaymentChannel::Close(const HttpRequest& req, const std::string& payment_id) {
  std::lock_guard lock(mu_);
  auto it = payments_.find(payment_id);
  if (it == payments_.end()) return NotFound(req, payment_id);
  Payment& payment = it->second;
  if (payment.status == "pending") {
    payment.status = "closed";
    payment.closed_at = NowRfc3339Millis();
    spdlog::info("closed {}", payment_id);
  } else if (payment.status != "closed") {
    return ConflictLocked(req, payment, "payment " + payment_id + " is " + payment.status);
  }
  return Json(req, 200, ToJsonLocked(payment));
}

HttpResponse PaymentChannel::Refund(const HttpRequest& req, const std::string& payment_id) {
  auto body = ParseJsonObject(req.body());
  if (!body.ok()) return http::ErrorResponse(req, body.status());
  auto refund_id = GetString(*body, "refund_id");
  if (!refund_id.ok()) return http::ErrorResponse(req, refund_id.status());
  if (refund_id->empty()) return http::ErrorResponse(req, 400, "invalid_argument", "must not be empty", "refund_id");
  auto amount = GetInt(*body, "amount_cents");
  if (!amount.ok()) return http::ErrorResponse(req, amount.status());
  if (*amount <= 0) return http::ErrorResponse(req, 400, "invalid_argument", "must be positive", "amount_cents");

  std::lock_guard lock(mu_);
  auto it = payments_.find(payment_id);
  if (it == payments_.end()) return NotFound(req, payment_id);
  Payment& payment = it->second;
  const RefundEntry* refund = nullptr;
  for (const auto& r : payment.refunds) {
    if (r.refund_id == *refund_id) refund = &r;
  }
  if (refund != nullptr) {
    if (refund->amount_cents != *amount) {
      return ConflictLocked(req, payment, "refund_id " + *refund_id + " was used with a different amount");
    }
  } else {
    if (payment.status != "paid" && payment.status != "refunded") {
      return ConflictLocked(req, payment, "payment " + payment_id + " is " + payment.status);
    }
    if (*amount > payment.amount_cents - payment.refunded_cents) {
      return ConflictLocked(req, payment,
                            "refund of " + std::to_string(*amount) + " exceeds the remaining " +
                                std::to_string(payment.amount_cents - payment.refunded_cents) + " cents");
    }
    payment.refunds.push_back(RefundEntry{*refund_id, *amount, NowRfc3339Millis()});
    payment.refunded_cents += *amount;
    payment.status = "refunded";
    refund = &payment.refunds.back();
    spdlog::info("refunded {} cents of {} (refund_id={})", *amount, payment_id, *refund_id);
  }
  json::object out = ToJsonLocked(payment);
  out["refund"] = json::object{
      {"refund_id", refund->refund_id}, {"amount_cents", refund->amount_cents}, {"refunded_at", refund->refunded_at}};
  return Json(req, 200, out);
}

HttpResponse PaymentChannel::SetFailRate(const HttpRequest& req) {
  auto body = ParseJsonObject(req.body());
  if (!body.ok()) return http::ErrorResponse(req, body.status());
  auto it = body->find("fail_rate");
  if (it == body->end() || !it->value().is_number()) {
    return http::ErrorResponse(req, 400, "invalid_argument", "must be a number", "fail_rate");
  }
  double rate = it->value().to_number<double>();
  if (rate < 0 || rate > 1) return http::ErrorResponse(req, 400, "invalid_argument", "must be in [0, 1]", "fail_rate");
  std::lock_guard lock(mu_);
  options_.fail_rate = rate;
  spdlog::info("fail_rate set to {}", rate);
  return Json(req, 200, json::object{{"fail_rate", rate}});
}

HttpResponse PaymentChannel::SetCreateDelay(const HttpRequest& req) {
  auto body = ParseJsonObject(req.body());
  if (!body.ok()) return http::ErrorResponse(req, body.status());
  auto delay_ms = GetInt(*body, "delay_ms");
  if (!delay_ms.ok()) return http::ErrorResponse(req, delay_ms.status());
  if (*delay_ms < 0 || *delay_ms > 60'000) {
    return http::ErrorResponse(req, 400, "invalid_argument", "must be in [0, 60000]", "delay_ms");
  }
  std::lock_guard lock(mu_);
  options_.create_delay = std::chrono::milliseconds(*delay_ms);
  spdlog::info("create_delay set to {} ms", *delay_ms);
  return Json(req, 200, json::object{{"delay_ms", *delay_ms}});
}

bool PaymentChannel::InjectFailureLocked() {
  if (options_.fail_rate <= 0) return false;
  if (options_.fail_rate >= 1) return true;
  return std::uniform_real_distribution<double>(0, 1)(rng_) < options_.fail_rate;
}

json::object PaymentChannel::ToJsonLocked(const Payment& payment) const {
  json::array refunds;
  for (const auto& r : payment.refunds) {
    refunds.push_back(
        json::object{{"refund_id", r.refund_id}, {"amount_cents", r.amount_cents}, {"refunded_at", r.refunded_at}});
  }
  return json::object{
      {"payment_id", payment.payment_id},
      {"merchant_order_id", payment.merchant_order_id},
      {"amount_cents", payment.amount_cents},
      {"currency", payment.currency},
      {"description", payment.description},
      {"status", payment.status},
      {"pay_url", options_.public_base_url + std::string(kPaymentsPath) + "/" + payment.payment_id + "/pay"},
      {"notify_url", StringOrNull(payment.notify_url)},
      {"created_at", payment.created_at},
      {"paid_at", StringOrNull(payment.paid_at)},
      {"closed_at", StringOrNull(payment.closed_at)},
      {"refunded_cents", payment.refunded_cents},
      {"refunds", std::move(refunds)},
      {"notify_status", payment.notify_status},
      {"notify_attempts", payment.notify_attempts},
  };
}

HttpResponse PaymentChannel::ConflictLocked(const HttpRequest& req, const Payment& payment,
                                            std::string message) const {
  json::object body = http::ErrorBody("conflict", message);
  body["error"].as_object()["status"] = payment.status;
  body["payment"] = ToJsonLocked(payment);
  return Json(req, 409, body);
}

void PaymentChannel::ScheduleCallbackLocked(Payment& payment, std::chrono::milliseconds delay) {
  std::string url = payment.notify_url.empty() ? options_.callback_url : payment.notify_url;
  if (url.empty()) {
    payment.notify_status = "failed";
    spdlog::warn("no notify_url and no --callback-url: callback for {} not sent", payment.payment_id);
    return;
  }
  // The exact bytes signed are the bytes sent.
  json::object body{
      {"payment_id", payment.payment_id},
      {"merchant_order_id", payment.merchant_order_id},
      {"amount_cents", payment.amount_cents},
      {"status", "paid"},
      {"paid_at", payment.paid_at},
  };
  payment.notify_status = "scheduled";
  {
    std::lock_guard lock(queue_mu_);
    callbacks_.push(Callback{std::chrono::steady_clock::now() + delay, payment.payment_id, std::move(url),
                             ToJson(body), 0});
  }
  // One thread is enough to take it (or to wait for its due time); waking all of them for
  // every callback cost the channel a context switch per thread per payment.
  queue_cv_.notify_one();
}

void PaymentChannel::CallbackLoop() {
  std::unique_lock lock(queue_mu_);
  for (;;) {
    if (stopping_) return;
    if (callbacks_.empty()) {
      queue_cv_.wait(lock);
      continue;
    }
    if (std::chrono::steady_clock::now() < callbacks_.top().due) {
      queue_cv_.wait_until(lock, callbacks_.top().due);
      continue;
    }
    Callback callback = callbacks_.top();
    callbacks_.pop();
    lock.unlock();

    ++callback.attempt;
    auto result = http::HttpCall("POST", callback.url, callback.body,
                                 {{"Content-Type", "application/json"},
                                  {"X-Signature", HmacSha256Hex(options_.secret, callback.body)}},
                                 options_.callback_timeout);
    bool delivered = result.ok() && result->status >= 200 && result->status < 300;
    std::string outcome = result.ok() ? "HTTP " + std::to_string(result->status) : result.status().ToString();
    bool retry = !delivered && callback.attempt < options_.callback_attempts;
    if (delivered) {
      spdlog::info("callback for {} delivered to {} (attempt {})", callback.payment_id, callback.url, callback.attempt);
    } else {
      spdlog::warn("callback for {} to {} failed (attempt {}/{}): {}", callback.payment_id, callback.url,
                   callback.attempt, options_.callback_attempts, outcome);
    }
    RecordDelivery(callback.payment_id, delivered ? "delivered" : (retry ? "scheduled" : "failed"));

    lock.lock();
    if (retry) {
      callback.due = std::chrono::steady_clock::now() + options_.callback_backoff * (1 << std::min(callback.attempt - 1, 16));
      callbacks_.push(std::move(callback));
    }
  }
}

void PaymentChannel::RecordDelivery(const std::string& payment_id, const std::string& notify_status) {
  std::lock_guard lock(mu_);
  auto it = payments_.find(payment_id);
  if (it == payments_.end()) return;
  it->second.notify_status = notify_status;
  ++it->second.notify_attempts;
}

}  // namespace sagaflow::examples
