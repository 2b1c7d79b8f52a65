#pragma once
// sagad's HTTP API: one request in, one response out, no sockets (HttpSession calls it).
//
//   POST /v1/orders                       start an order saga (Idempotency-Key header)
//   POST /v1/sagas/{type}                 start a saga of any registered type
//   GET  /v1/sagas/{id}                   state, status, context and history
//   GET  /v1/sagas?type=&status=&limit=   list, newest first
//   POST /v1/sagas/{id}/signals/{name}    feed an external event (202; 409 if refused)
//   POST /v1/orders/{order_id}/cancel     user cancel (only while awaiting payment; else 409)
//   POST /v1/sagas/{id}/retry             operator: re-send the pending step
//   POST /v1/payments/callback            the payment channel's callback (X-Signature HMAC)
//   GET  /healthz                         liveness + database reachability
//   GET  /metrics                         Prometheus text: sagas by type/status, engine counters
//
// Errors: {"error": {"code", "message", "field"?, "state"?}}. Thread-safe.

#include <string>

#include "common/http/http_types.hpp"
#include "orchestrator/saga_engine.hpp"

namespace sagaflow::orchestrator {

class ApiRouter {
 public:
  //! `payment_secret` is the HMAC-SHA256 key the payment channel signs callbacks with.
  ApiRouter(SagaEngine& engine, std::string payment_secret)
      : engine_(engine), payment_secret_(std::move(payment_secret)) {}

  http::HttpResponse Handle(http::HttpRequest&& request);

 private:
  http::HttpResponse StartSaga(const http::HttpRequest& request, std::string_view type);
  http::HttpResponse GetSaga(const http::HttpRequest& request, const std::string& saga_id);
  http::HttpResponse ListSagas(const http::HttpRequest& request);
  http::HttpResponse Signal(const http::HttpRequest& request, const std::string& saga_id, std::string_view name);
  http::HttpResponse CancelOrder(const http::HttpRequest& request, const std::string& order_id);
  http::HttpResponse Retry(const http::HttpRequest& request, const std::string& saga_id);
  http::HttpResponse PaymentCallback(const http::HttpRequest& request);
  http::HttpResponse Health(const http::HttpRequest& request);
  http::HttpResponse Metrics(const http::HttpRequest& request);
  //! A 409 that also names the saga's current state.
  http::HttpResponse ConflictWithState(const http::HttpRequest& request, const Status& status,
                                       const std::string& saga_id);

  SagaEngine& engine_;
  const std::string payment_secret_;
};

//! The JSON a client sees for a saga (history included when given).
json::object SagaToJson(const storage::SagaRecord& saga, const std::vector<storage::HistoryEntry>* history);

}  // namespace sagaflow::orchestrator
