#include "workers/handlers/payment_handlers.hpp"

#include "common/http/http_client.hpp"

namespace sagaflow::workers {
namespace {

using storage::PgConnection;

//! Calls the channel and returns its JSON body; maps transport errors and 5xx to Transient
//! and other non-2xx answers to a refusal carrying the channel's error message.
Result<json::object> CallChannel(std::string_view method, const std::string& url, const json::object& body) {
  auto response = http::HttpCall(method, url, body.empty() ? std::string() : ToJson(body));
  if (!response.ok()) return Status::Transient("payment channel unreachable: " + response.status().message());
  if (response->status >= 500) {
    return Status::Transient("payment channel answered " + std::to_string(response->status));
  }
  auto parsed = ParseJsonObject(response->body);
  if (response->status >= 400) {
    std::string message = response->body;
    if (parsed.ok()) {
      if (const json::object* error = ObjectOrNull(parsed.value(), "error")) message = StringOr(*error, "message");
    }
    return Refused(response->status == 409 ? "payment_conflict" : "payment_rejected",
                   "payment channel answered " + std::to_string(response->status) + ": " + message);
  }
  if (!parsed.ok()) return Status::Transient("payment channel sent a body that is not JSON");
  return parsed;
}

//! The payment id for the order: from the command, else from workers.payments.
Result<std::string> PaymentIdOf(PgConnection& db, const json::object& payload) {
  if (std::string id = StringOr(payload, "payment_id"); !id.empty()) return id;
  auto order_id = GetString(payload, "order_id");
  if (!order_id.ok()) return order_id.status();
  auto row = db.Exec("SELECT payment_id FROM workers.payments WHERE order_id = $1", {order_id.value()});
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return Refused("no_payment", "order " + order_id.value() + " has no payment order");
  return row->Get(0, 0);
}

Status RecordStatus(PgConnection& db, const std::string& payment_id, const std::string& status) {
  auto updated = db.Exec(
      "UPDATE workers.payments SET status = $2, updated_at = clock_timestamp() WHERE payment_id = $1",
      {payment_id, status});
  return updated.ok() ? Status::Ok() : updated.status();
}

class CreateHandler final : public StepHandler {
 public:
  explicit CreateHandler(PaymentOptions options) : options_(std::move(options)) {}
  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    auto order_id = GetString(command.payload, "order_id");
    if (!order_id.ok()) return order_id.status();
    auto amount = GetInt(command.payload, "amount_cents");
    if (!amount.ok()) return amount.status();
    if (amount.value() < 0) return Refused("bad_amount", "amount_cents must not be negative");
    // Fully discounted: there is nothing to collect, so no payment order is opened.
    if (amount.value() == 0) return json::object{{"amount_cents", 0}, {"status", "paid"}};
    auto created = CallChannel("POST", options_.channel_url + "/channel/payments",
                               json::object{{"merchant_order_id", order_id.value()},
                                            {"amount_cents", amount.value()},
                                            {"notify_url", options_.notify_url}});
    if (!created.ok()) return created.status();
    const std::string payment_id = StringOr(created.value(), "payment_id");
    const std::string pay_url = StringOr(created.value(), "pay_url");
    // Nothing to read back: the insert goes out with the batch's next statement (a failure
    // fails the batch's transaction, which then runs again).
    db.Defer(
        "INSERT INTO workers.payments (order_id, payment_id, amount_cents, pay_url, status)"
        " VALUES ($1, $2, $3, $4, 'pending') ON CONFLICT (order_id) DO NOTHING",
        {order_id.value(), payment_id, std::to_string(amount.value()), pay_url});
    return json::object{{"payment_id", payment_id}, {"pay_url", pay_url}, {"amount_cents", amount.value()},
                        {"status", "pending"}};
  }

 private:
  const PaymentOptions options_;
};

class QueryHandler final : public StepHandler {
 public:
  explicit QueryHandler(PaymentOptions options) : options_(std::move(options)) {}
  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    auto payment_id = PaymentIdOf(db, command.payload);
    if (!payment_id.ok()) return payment_id.status();
    auto payment = CallChannel("GET", options_.channel_url + "/channel/payments/" + payment_id.value(), {});
    if (!payment.ok()) return payment.status();
    SAGAFLOW_RETURN_IF_ERROR(RecordStatus(db, payment_id.value(), StringOr(payment.value(), "status")));
    return json::object{{"payment_id", payment_id.value()},
                        {"status", StringOr(payment.value(), "status")},
                        {"amount_cents", IntOr(payment.value(), "amount_cents", 0)},
                        {"paid_at", StringOr(payment.value(), "paid_at")}};
  }

 private:
  const PaymentOptions options_;
};

class CloseHandler final : public StepHandler {
 public:
  explicit CloseHandler(PaymentOptions options) : options_(std::move(options)) {}
  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    auto payment_id = PaymentIdOf(db, command.payload);
    if (!payment_id.ok() && RefusalCode(payment_id.status()) == "no_payment") {
      // The order saga undoing a payment.create it got no reply to: that create never
      // recorded a payment order, so there is none to close.
      return json::object{{"order_id", StringOr(command.payload, "order_id")}, {"status", "nothing_to_close"}};
    }
    if (!payment_id.ok()) return payment_id.status();
    auto closed = CallChannel("POST", options_.channel_url + "/channel/payments/" + payment_id.value() + "/close", {});
    if (!closed.ok()) return closed.status();
    SAGAFLOW_RETURN_IF_ERROR(RecordStatus(db, payment_id.value(), "closed"));
    return json::object{{"payment_id", payment_id.value()}, {"status", "closed"}};
  }

 private:
  const PaymentOptions options_;
};

class RefundHandler final : public StepHandler {
 public:
  explicit RefundHandler(PaymentOptions options) : options_(std::move(options)) {}
  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    auto payment_id = PaymentIdOf(db, command.payload);
    if (!payment_id.ok()) return payment_id.status();
    auto amount = GetInt(command.payload, "amount_cents");
    if (!amount.ok()) return amount.status();
    auto refunded = CallChannel("POST", options_.channel_url + "/channel/payments/" + payment_id.value() + "/refund",
                                json::object{{"amount_cents", amount.value()}, {"refund_id", command.command_id}});
    if (!refunded.ok()) return refunded.status();
    SAGAFLOW_RETURN_IF_ERROR(RecordStatus(db, payment_id.value(), "refunded"));
    return json::object{{"payment_id", payment_id.value()}, {"refund_id", command.command_id},
                        {"amount_cents", amount.value()}, {"status", "refunded"}};
  }

 private:
  const PaymentOptions options_;
};

}  // namespace

HandlerMap PaymentHandlers(const PaymentOptions& options) {
  HandlerMap handlers;
  handlers.emplace("payment.create", std::make_unique<CreateHandler>(options));
  handlers.emplace("payment.query", std::make_unique<QueryHandler>(options));
  handlers.emplace("payment.close", std::make_unique<CloseHandler>(options));
  handlers.emplace("payment.refund", std::make_unique<RefundHandler>(options));
  return handlers;
}

}  // namespace sagaflow::workers
