#include "orchestrator/api_router.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <charconv>

#include "common/crypto.hpp"
#include "common/prometheus.hpp"

namespace sagaflow::orchestrator {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using http::Verb;

constexpr std::array<std::string_view, 6> kStatuses{"running", "waiting", "completed", "compensated", "failed", "stuck"};

HttpResponse Json(const HttpRequest& request, unsigned status, const json::value& body) {
  return http::JsonResponse(status, body, request.version(), request.keep_alive());
}

//! Splits "/v1/sagas/abc/signals/ship" into {"v1","sagas","abc","signals","ship"}.
std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Result<json::object> BodyObject(const HttpRequest& request, bool allow_empty) {
  if (request.body().empty() && allow_empty) return json::object{};
  return ParseJsonObject(request.body());
}

}  // namespace

json::object SagaToJson(const storage::SagaRecord& saga, const std::vector<storage::HistoryEntry>* history) {
  json::object out{{"saga_id", saga.id},       {"type", saga.type},       {"business_key", saga.business_key},
                   {"state", saga.state},      {"status", saga.status},   {"version", saga.version},
                   {"context", saga.context},  {"created_at", saga.created_at}, {"updated_at", saga.updated_at}};
  if (saga.type == "order") out["order_id"] = saga.business_key;
  if (!saga.parent_id.empty()) out["parent_id"] = saga.parent_id;
  if (saga.pending) {
    out["pending_step"] = json::object{
        {"step", saga.pending->step}, {"command_id", saga.pending->command_id}, {"attempt", saga.pending->attempt}};
  } else {
    out["pending_step"] = nullptr;
  }
  if (history != nullptr) {
    json::array entries;
    for (const storage::HistoryEntry& entry : *history) {
      json::object item{{"seq", entry.seq}, {"event", entry.event}, {"to", entry.to_state}, {"at", entry.at}};
      item["from"] = entry.from_state.empty() ? json::value(nullptr) : json::value(entry.from_state);
      if (!entry.payload.empty()) item["payload"] = entry.payload;
      entries.push_back(std::move(item));
    }
    out["history"] = std::move(entries);
  }
  return out;
}

HttpResponse ApiRouter::Handle(HttpRequest&& request) {
  const std::string_view path = http::TargetPath(request.target());
  const std::vector<std::string> parts = Segments(path);
  const Verb verb = request.method();

  if (parts.size() == 1 && parts[0] == "healthz" && verb == Verb::get) return Health(request);
  if (parts.size() == 1 && parts[0] == "metrics" && verb == Verb::get) return Metrics(request);
  if (parts.size() >= 2 && parts[0] == "v1") {
    if (parts[1] == "orders" && parts.size() == 2 && verb == Verb::post) return StartSaga(request, "order");
    if (parts[1] == "orders" && parts.size() == 4 && parts[3] == "cancel" && verb == Verb::post) {
      return CancelOrder(request, parts[2]);
    }
    if (parts[1] == "payments" && parts.size() == 3 && parts[2] == "callback" && verb == Verb::post) {
      return PaymentCallback(request);
    }
    if (parts[1] == "sagas") {
      if (parts.size() == 2 && verb == Verb::get) return ListSagas(request);
      if (parts.size() == 3 && verb == Verb::get) return GetSaga(request, parts[2]);
      if (parts.size() == 3 && verb == Verb::post) return StartSaga(request, parts[2]);
      if (parts.size() == 4 && parts[3] == "retry" && verb == Verb::post) return Retry(request, parts[2]);
      if (parts.size() == 5 && parts[3] == "signals" && verb == Verb::post) return Signal(request, parts[2], parts[4]);
    }
  }
  return http::ErrorResponse(request, 404, "not_found",
                             "no route for " + std::string(request.method_string()) + " " + std::string(path));
}

HttpResponse ApiRouter::StartSaga(const HttpRequest& request, std::string_view type) {
  auto body = BodyObject(request, false);
  if (!body.ok()) return http::ErrorResponse(request, body.status());
  const std::string key(request["Idempotency-Key"]);
  auto started = engine_.Start(type, key, body.value());
  if (!started.ok()) return http::ErrorResponse(request, started.status());
  return Json(request, started->created ? 201 : 200, SagaToJson(started->saga, nullptr));
}

HttpResponse ApiRouter::GetSaga(const HttpRequest& request, const std::string& saga_id) {
  auto view = engine_.Get(saga_id);
  if (!view.ok()) return http::ErrorResponse(request, view.status());
  return Json(request, 200, SagaToJson(view->saga, &view->history));
}

HttpResponse ApiRouter::ListSagas(const HttpRequest& request) {
  storage::SagaFilter filter;
  filter.type = http::QueryParam(request.target(), "type").value_or("");
  filter.status = http::QueryParam(request.target(), "status").value_or("");
  if (!filter.status.empty() &&
      std::find(kStatuses.begin(), kStatuses.end(), filter.status) == kStatuses.end()) {
    return http::ErrorResponse(request, 400, "invalid_argument",
                               "status must be one of running, waiting, completed, compensated, failed, stuck",
                               "status");
  }
  if (auto limit = http::QueryParam(request.target(), "limit")) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
    if (ec != std::errc() || ptr != limit->data() + limit->size() || value < 1 || value > 1000) {
      return http::ErrorResponse(request, 400, "invalid_argument", "limit must be an integer from 1 to 1000", "limit");
    }
    filter.limit = value;
  }
  auto sagas = engine_.List(filter);
  if (!sagas.ok()) return http::ErrorResponse(request, sagas.status());
  json::array items;
  for (const storage::SagaRecord& saga : sagas.value()) items.push_back(SagaToJson(saga, nullptr));
  return Json(request, 200, json::object{{"sagas", std::move(items)}});
}

HttpResponse ApiRouter::ConflictWithState(const HttpRequest& request, const Status& status,
                                          const std::string& saga_id) {
  json::object body = http::ErrorBody("conflict", status.message());
  if (auto view = engine_.Get(saga_id); view.ok()) body["error"].as_object()["state"] = view->saga.state;
  return Json(request, 409, body);
}

HttpResponse ApiRouter::Signal(const HttpRequest& request, const std::string& saga_id, std::string_view name) {
  auto body = BodyObject(request, true);
  if (!body.ok()) return http::ErrorResponse(request, body.status());
  auto saga = engine_.Signal(saga_id, name, body.value());
  if (saga.status().IsConflict()) return ConflictWithState(request, saga.status(), saga_id);
  if (!saga.ok()) return http::ErrorResponse(request, saga.status());
  return Json(request, 202, SagaToJson(saga.value(), nullptr));
}

HttpResponse ApiRouter::CancelOrder(const HttpRequest& request, const std::string& order_id) {
  auto body = BodyObject(request, true);
  if (!body.ok()) return http::ErrorResponse(request, body.status());
  auto order = engine_.FindByBusinessKey("order", order_id);
  if (!order.ok()) return http::ErrorResponse(request, order.status());
  auto saga = engine_.Signal(order->id, "cancel", body.value());
  if (saga.status().IsConflict()) {
    return ConflictWithState(
        request, Status::Conflict("an order can be cancelled only while it awaits payment; " + saga.status().message()),
        order->id);
  }
  if (!saga.ok()) return http::ErrorResponse(request, saga.status());
  return Json(request, 202, SagaToJson(saga.value(), nullptr));
}

HttpResponse ApiRouter::Retry(const HttpRequest& request, const std::string& saga_id) {
  auto saga = engine_.RetryPendingStep(saga_id);
  if (saga.status().IsConflict()) return ConflictWithState(request, saga.status(), saga_id);
  if (!saga.ok()) return http::ErrorResponse(request, saga.status());
  return Json(request, 202, SagaToJson(saga.value(), nullptr));
}

HttpResponse ApiRouter::PaymentCallback(const HttpRequest& request) {
  // Verify before parsing: an unsigned body is not looked at.
  const std::string signature(request["X-Signature"]);
  if (signature.empty() || !ConstantTimeEquals(signature, HmacSha256Hex(payment_secret_, request.body()))) {
    spdlog::warn("payment callback with a missing or bad signature refused");
    return http::ErrorResponse(request, 401, "unauthorized", "X-Signature does not match the body", "X-Signature");
  }
  auto body = BodyObject(request, false);
  if (!body.ok()) return http::ErrorResponse(request, body.status());
  auto order_id = GetString(body.value(), "merchant_order_id");
  if (!order_id.ok()) return http::ErrorResponse(request, order_id.status());
  auto payment_id = GetString(body.value(), "payment_id");
  if (!payment_id.ok()) return http::ErrorResponse(request, payment_id.status());
  auto amount = GetInt(body.value(), "amount_cents");
  if (!amount.ok()) return http::ErrorResponse(request, amount.status());
  if (StringOr(body.value(), "status") != "paid") {
    return http::ErrorResponse(request, 400, "invalid_argument", "only status 'paid' is accepted", "status");
  }
  json::object payment{{"payment_id", payment_id.value()},
                       {"amount_cents", amount.value()},
                       {"status", "paid"},
                       {"paid_at", StringOr(body.value(), "paid_at")}};
  auto saga = engine_.ApplyPayment(order_id.value(), payment);
  if (saga.status().IsConflict()) {
    return Json(request, 409, http::ErrorBody("conflict", saga.status().message()));
  }
  if (!saga.ok()) return http::ErrorResponse(request, saga.status());
  return Json(request, 200, json::object{{"saga_id", saga->id}, {"state", saga->state}});
}

HttpResponse ApiRouter::Metrics(const HttpRequest& request) {
  auto counts = engine_.CountSagas();
  if (!counts.ok()) return http::ErrorResponse(request, 503, "unavailable", counts.status().message());
  PrometheusText text;
  text.Family("sagaflow_sagas", "gauge", "Sagas in the database by type and status.");
  for (const storage::SagaCount& count : counts.value()) {
    text.Sample("sagaflow_sagas", static_cast<double>(count.count), {{"type", count.type}, {"status", count.status}});
  }
  const EngineMetrics& m = engine_.metrics();
  const std::pair<const char*, const std::atomic<std::uint64_t>*> counters[] = {
      {"sagaflow_sagas_started_total", &m.sagas_started},
      {"sagaflow_transitions_total", &m.transitions},
      {"sagaflow_events_refused_total", &m.events_refused},
      {"sagaflow_replies_duplicate_total", &m.replies_duplicate},
      {"sagaflow_replies_stale_total", &m.replies_stale},
      {"sagaflow_steps_resent_total", &m.steps_resent},
      {"sagaflow_sagas_stuck_total", &m.sagas_stuck},
      {"sagaflow_timers_fired_total", &m.timers_fired},
      {"sagaflow_reply_messages_total", &m.reply_messages},
      {"sagaflow_replies_received_total", &m.replies_received},
      {"sagaflow_outbox_published_total", &m.outbox_published},
      {"sagaflow_saga_cache_hits_total", &m.cache_hits},
      {"sagaflow_saga_cache_misses_total", &m.cache_misses},
      {"sagaflow_saga_cache_stale_total", &m.cache_stale},
  };
  for (const auto& [name, counter] : counters) {
    text.Family(name, "counter", "Counted by this sagad since it started.");
    text.Sample(name, static_cast<double>(counter->load(std::memory_order_relaxed)));
  }
  text.Family("sagaflow_shared_commits_total", "counter",
              "Transactions that carried two or more HTTP-driven events (engine.write_groups).");
  text.Sample("sagaflow_shared_commits_total", static_cast<double>(engine_.shared_commits()));
  text.Family("sagaflow_events_in_shared_commits_total", "counter", "HTTP-driven events those transactions carried.");
  text.Sample("sagaflow_events_in_shared_commits_total", static_cast<double>(engine_.events_in_shared_commits()));
  HttpResponse response{boost::beast::http::status::ok, request.version()};
  response.set(boost::beast::http::field::content_type, kPrometheusContentType);
  response.keep_alive(request.keep_alive());
  response.body() = text.Render();
  response.prepare_payload();
  return response;
}

HttpResponse ApiRouter::Health(const HttpRequest& request) {
  auto probe = engine_.List(storage::SagaFilter{"", "", 1});
  if (!probe.ok()) return http::ErrorResponse(request, 503, "unavailable", probe.status().message());
  return Json(request, 200, json::object{{"status", "ok"}});
}

}  // namespace sagaflow::orchestrator
