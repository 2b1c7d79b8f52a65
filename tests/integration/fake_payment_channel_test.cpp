// Runs the fake-payment-channel binary as a child process and an HttpServer in this process as
// the receiver of its payment callbacks.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <regex>
#include <string>

#include "common/crypto.hpp"
#include "common/http/http_client.hpp"
#include "common/http/http_server.hpp"
#include "common/json.hpp"
#include "common/child_process.hpp"
#include "tests/integration/test_util.hpp"

namespace sagaflow::test {
namespace {

using namespace std::chrono_literals;

constexpr char kChannelBinary[] = SAGAFLOW_BINARY_DIR "/examples/fake_payment_channel/fake-payment-channel";
constexpr char kSecret[] = "integration-secret";

struct ReceivedCallback {
  std::string target;
  std::string body;
  std::string signature;
  json::object json;
  bool accepted = false;  //!< whether the receiver answered 2xx
};

struct CallResult {
  unsigned status = 0;
  json::object body;
};

class FakePaymentChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    receiver_ = std::make_unique<http::HttpServer>([this](http::HttpRequest&& req) {
      ReceivedCallback callback;
      callback.target = std::string(req.target());
      callback.body = req.body();
      callback.signature = std::string(req["X-Signature"]);
      if (auto parsed = ParseJsonObject(req.body()); parsed.ok()) callback.json = *parsed;
      callback.accepted = reject_next_.fetch_sub(1) <= 0;
      unsigned status = callback.accepted ? 200 : 503;
      callbacks_.Push(std::move(callback));
      return http::JsonResponse(status, json::object{{"accepted", status == 200}}, req.version(), req.keep_alive());
    });
    ASSERT_TRUE(receiver_->Start("127.0.0.1", 0, 2).ok());
    receiver_url_ = "http://127.0.0.1:" + std::to_string(receiver_->port());

    auto started = channel_.Start(kChannelBinary,
                                  {"--port", "0", "--callback-url", receiver_url_ + "/v1/payments/callback",
                                   "--log-level", "debug"},
                                  {{"SAGAFLOW_PAYMENT_SECRET", kSecret}}, TestLogPath("fake-payment-channel"));
    ASSERT_TRUE(started.ok()) << started.ToString();
    auto line = channel_.ReadLineMatching(std::regex(R"(listening on 127\.0\.0\.1:(\d+))"), 10s);
    ASSERT_TRUE(line.ok()) << line.status().ToString() << "\n" << channel_.ReadLog();
    channel_url_ = "http://127.0.0.1:" + line->at(1);
  }

  void TearDown() override {
    if (channel_.pid() > 0) {
      EXPECT_EQ(channel_.Terminate(5s), 0) << channel_.ReadLog();
    }
    if (receiver_) receiver_->Stop();
  }

  //! Calls the channel; status 0 (and a test failure) if the call itself failed.
  CallResult Call(std::string_view method, const std::string& path, const json::value& body = nullptr) {
    std::string text = body.is_null() ? std::string{} : ToJson(body);
    auto res = http::HttpCall(method, channel_url_ + path, text);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    if (!res.ok()) return {};
    CallResult out;
    out.status = res->status;
    auto parsed = ParseJsonObject(res->body);
    EXPECT_TRUE(parsed.ok()) << res->body;
    if (parsed.ok()) out.body = std::move(*parsed);
    return out;
  }

  //! Creates a payment that must succeed (201); its JSON.
  json::object CreatePayment(const std::string& merchant_order_id, std::int64_t amount_cents,
                             const std::string& notify_url = {}) {
    json::object request{{"merchant_order_id", merchant_order_id}, {"amount_cents", amount_cents}};
    if (!notify_url.empty()) request["notify_url"] = notify_url;
    CallResult created = Call("POST", "/channel/payments", request);
    EXPECT_EQ(created.status, 201u) << ToJson(created.body);
    return created.body;
  }

  //! The first callback received for `payment_id`, waiting up to `timeout`.
  std::optional<ReceivedCallback> WaitForCallback(const std::string& payment_id,
                                                  std::chrono::milliseconds timeout = 10s) {
    return callbacks_.WaitFor(DeadlineIn(timeout), [&](const ReceivedCallback& c) {
      return Str(c.json, "payment_id") == payment_id;
    });
  }

  //! How many callbacks arrived for `payment_id` so far.
  std::size_t CallbackCount(const std::string& payment_id) {
    std::size_t n = 0;
    for (const auto& c : callbacks_.Snapshot()) {
      if (Str(c.json, "payment_id") == payment_id) ++n;
    }
    return n;
  }

  static std::string Str(const json::object& obj, std::string_view key) {
    return obj.contains(key) && obj.at(key).is_string() ? std::string(obj.at(key).as_string()) : std::string{};
  }

  std::unique_ptr<http::HttpServer> receiver_;
  std::string receiver_url_;
  //! The receiver answers 503 to this many callbacks before accepting.
  std::atomic<int> reject_next_{0};
  Mailbox<ReceivedCallback> callbacks_;
  ChildProcess channel_;
  std::string channel_url_;
};

TEST_F(FakePaymentChannelTest, HealthzAnswersOk) {
  CallResult res = Call("GET", "/healthz");
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(Str(res.body, "status"), "ok");
}

TEST_F(FakePaymentChannelTest, PayDeliversSignedCallback) {
  json::object payment = CreatePayment("order-1", 12345);
  const std::string id = Str(payment, "payment_id");
  EXPECT_TRUE(std::regex_match(id, std::regex("pay_[0-9a-f]+"))) << id;
  EXPECT_EQ(Str(payment, "status"), "pending");
  EXPECT_EQ(Str(payment, "merchant_order_id"), "order-1");
  EXPECT_EQ(payment.at("amount_cents").to_number<std::int64_t>(), 12345);
  EXPECT_EQ(Str(payment, "currency"), "CNY");
  EXPECT_EQ(Str(payment, "pay_url"), channel_url_ + "/channel/payments/" + id + "/pay");

  CallResult paid = Call("POST", "/channel/payments/" + id + "/pay");
  ASSERT_EQ(paid.status, 200u) << ToJson(paid.body);
  EXPECT_EQ(Str(paid.body, "status"), "paid");
  EXPECT_FALSE(Str(paid.body, "paid_at").empty());

  auto callback = WaitForCallback(id);
  ASSERT_TRUE(callback.has_value()) << channel_.ReadLog();
  EXPECT_EQ(callback->target, "/v1/payments/callback");
  EXPECT_TRUE(ConstantTimeEquals(callback->signature, HmacSha256Hex(kSecret, callback->body)))
      << "signature " << callback->signature << " body " << callback->body;
  EXPECT_EQ(Str(callback->json, "merchant_order_id"), "order-1");
  EXPECT_EQ(Str(callback->json, "status"), "paid");
  EXPECT_EQ(callback->json.at("amount_cents").to_number<std::int64_t>(), 12345);
  EXPECT_EQ(Str(callback->json, "paid_at"), Str(paid.body, "paid_at"));

  EXPECT_TRUE(WaitUntil(DeadlineIn(5s), [&] {
    return Str(Call("GET", "/channel/payments/" + id).body, "notify_status") == "delivered";
  }));
}

TEST_F(FakePaymentChannelTest, PayIsIdempotentAndSendsOneCallback) {
  const std::string id = Str(CreatePayment("order-pay-twice", 500), "payment_id");
  ASSERT_EQ(Call("POST", "/channel/payments/" + id + "/pay").status, 200u);
  ASSERT_TRUE(WaitForCallback(id).has_value());
  CallResult again = Call("POST", "/channel/payments/" + id + "/pay");
  EXPECT_EQ(again.status, 200u);
  EXPECT_EQ(Str(again.body, "status"), "paid");
  // A later payment's callback comes after any second one for `id` would have (one sender, in order).
  const std::string marker = Str(CreatePayment("order-marker", 1), "payment_id");
  ASSERT_EQ(Call("POST", "/channel/payments/" + marker + "/pay").status, 200u);
  ASSERT_TRUE(WaitForCallback(marker).has_value());
  EXPECT_EQ(CallbackCount(id), 1u);
}

TEST_F(FakePaymentChannelTest, ResendCallbackSendsAnotherSignedCopy) {
  const std::string id = Str(CreatePayment("order-resend", 700), "payment_id");
  ASSERT_EQ(Call("POST", "/channel/payments/" + id + "/pay").status, 200u);
  ASSERT_TRUE(WaitForCallback(id).has_value());
  ASSERT_EQ(Call("POST", "/channel/payments/" + id + "/pay", json::object{{"resend_callback", true}}).status, 200u);
  ASSERT_TRUE(callbacks_.WaitForCount(2, DeadlineIn(10s)));
  auto all = callbacks_.Snapshot();
  EXPECT_EQ(all[0].body, all[1].body);
  EXPECT_EQ(all[0].signature, all[1].signature);
}

TEST_F(FakePaymentChannelTest, CreateIsIdempotentOnMerchantOrderId) {
  json::object first = CreatePayment("order-2", 1000);
  CallResult second = Call("POST", "/channel/payments", json::object{{"merchant_order_id", "order-2"}, {"amount_cents", 1000}});
  EXPECT_EQ(second.status, 200u);
  EXPECT_EQ(Str(second.body, "payment_id"), Str(first, "payment_id"));

  CallResult other_amount =
      Call("POST", "/channel/payments", json::object{{"merchant_order_id", "order-2"}, {"amount_cents", 999}});
  EXPECT_EQ(other_amount.status, 409u);
  EXPECT_EQ(Str(other_amount.body.at("error").as_object(), "code"), "conflict");

  CallResult by_order = Call("GET", "/channel/payments?merchant_order_id=order-2");
  EXPECT_EQ(by_order.status, 200u);
  EXPECT_EQ(Str(by_order.body, "payment_id"), Str(first, "payment_id"));
  EXPECT_EQ(Call("GET", "/channel/payments?merchant_order_id=nope").status, 404u);
}

TEST_F(FakePaymentChannelTest, CreateRejectsBadInputNamingTheField) {
  struct Case {
    std::string body;
    std::string field;
  };
  const Case cases[] = {
      {R"({"merchant_order_id":"o","amount_cents":0})", "amount_cents"},
      {R"({"merchant_order_id":"o","amount_cents":"12"})", "amount_cents"},
      {R"({"amount_cents":12})", "merchant_order_id"},
      {R"({"merchant_order_id":"o","amount_cents":12,"notify_url":"ftp://x"})", "notify_url"},
      {R"({"merchant_order_id":"o","amount_cents":12,"currency":5})", "currency"},
      {R"(not json)", "body"},
  };
  for (const auto& c : cases) {
    auto res = http::HttpCall("POST", channel_url_ + "/channel/payments", c.body);
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    EXPECT_EQ(res->status, 400u) << c.body;
    auto parsed = ParseJsonObject(res->body);
    ASSERT_TRUE(parsed.ok()) << res->body;
    const json::object& error = parsed->at("error").as_object();
    EXPECT_EQ(Str(error, "code"), "invalid_argument") << c.body;
    EXPECT_EQ(Str(error, "field"), c.field) << c.body;
  }
}

TEST_F(FakePaymentChannelTest, DropCallbackSendsNothing) {
  const std::string dropped = Str(CreatePayment("order-3", 200), "payment_id");
  CallResult paid = Call("POST", "/channel/payments/" + dropped + "/pay", json::object{{"drop_callback", true}});
  ASSERT_EQ(paid.status, 200u);
  EXPECT_EQ(Str(paid.body, "notify_status"), "dropped");

  // The active query sees the payment although no callback came.
  CallResult queried = Call("GET", "/channel/payments?merchant_order_id=order-3");
  EXPECT_EQ(Str(queried.body, "status"), "paid");

  // Callbacks go out one by one in order: once a later payment's callback arrived, a callback
  // for `dropped`, had there been one, would have arrived before it.
  const std::string marker = Str(CreatePayment("order-4", 300), "payment_id");
  ASSERT_EQ(Call("POST", "/channel/payments/" + marker + "/pay").status, 200u);
  ASSERT_TRUE(WaitForCallback(marker).has_value()) << channel_.ReadLog();
  EXPECT_EQ(CallbackCount(dropped), 0u);
}

TEST_F(FakePaymentChannelTest, NotifyUrlOverridesDefaultCallbackUrl) {
  const std::string id = Str(CreatePayment("order-5", 50, receiver_url_ + "/custom/notify?shop=1"), "payment_id");
  ASSERT_EQ(Call("POST", "/channel/payments/" + id + "/pay", json::object{{"delay_ms", 50}}).status, 200u);
  auto callback = WaitForCallback(id);
  ASSERT_TRUE(callback.has_value()) << channel_.ReadLog();
  EXPECT_EQ(callback->target, "/custom/notify?shop=1");
}

TEST_F(FakePaymentChannelTest, FailedCallbackIsRetriedUntilAccepted) {
  reject_next_ = 2;
  const std::string id = Str(CreatePayment("order-6", 800), "payment_id");
  ASSERT_EQ(Call("POST", "/channel/payments/" + id + "/pay").status, 200u);
  auto accepted = callbacks_.WaitFor(DeadlineIn(10s), [](const ReceivedCallback& c) { return c.accepted; });
  ASSERT_TRUE(accepted.has_value()) << channel_.ReadLog();
  EXPECT_EQ(CallbackCount(id), 3u);
  for (const auto& c : callbacks_.Snapshot()) EXPECT_EQ(c.signature, HmacSha256Hex(kSecret, c.body));
  EXPECT_TRUE(WaitUntil(DeadlineIn(5s), [&] {
    CallResult res = Call("GET", "/channel/payments/" + id);
    return Str(res.body, "notify_status") == "delivered" && res.body.at("notify_attempts").to_number<int>() == 3;
  }));
}

TEST_F(FakePaymentChannelTest, CloseIsIdempotentAndBlocksPay) {
  const std::string id = Str(CreatePayment("order-7", 900), "payment_id");
  CallResult closed = Call("POST", "/channel/payments/" + id + "/close");
  EXPECT_EQ(closed.status, 200u);
  EXPECT_EQ(Str(closed.body, "status"), "closed");
  EXPECT_EQ(Call("POST", "/channel/payments/" + id + "/close").status, 200u);

  CallResult pay = Call("POST", "/channel/payments/" + id + "/pay");
  EXPECT_EQ(pay.status, 409u);
  EXPECT_EQ(Str(pay.body.at("error").as_object(), "status"), "closed");
}

TEST_F(FakePaymentChannelTest, ClosePaidPaymentConflictsNamingStatus) {
  const std::string id = Str(CreatePayment("order-8", 900), "payment_id");
  ASSERT_EQ(Call("POST", "/channel/payments/" + id + "/pay", json::object{{"drop_callback", true}}).status, 200u);
  CallResult close = Call("POST", "/channel/payments/" + id + "/close");
  EXPECT_EQ(close.status, 409u);
  EXPECT_EQ(Str(close.body.at("error").as_object(), "status"), "paid");
  EXPECT_EQ(Str(close.body.at("payment").as_object(), "status"), "paid");
}

TEST_F(FakePaymentChannelTest, RefundIsIdempotentOnRefundId) {
  const std::string id = Str(CreatePayment("order-9", 1000), "payment_id");
  const std::string refund_path = "/channel/payments/" + id + "/refund";
  EXPECT_EQ(Call("POST", refund_path, json::object{{"refund_id", "r1"}, {"amount_cents", 300}}).status, 409u);

  ASSERT_EQ(Call("POST", "/channel/payments/" + id + "/pay", json::object{{"drop_callback", true}}).status, 200u);
  CallResult first = Call("POST", refund_path, json::object{{"refund_id", "r1"}, {"amount_cents", 300}});
  ASSERT_EQ(first.status, 200u) << ToJson(first.body);
  EXPECT_EQ(Str(first.body, "status"), "refunded");
  EXPECT_EQ(first.body.at("refunded_cents").to_number<std::int64_t>(), 300);

  CallResult repeat = Call("POST", refund_path, json::object{{"refund_id", "r1"}, {"amount_cents", 300}});
  EXPECT_EQ(repeat.status, 200u);
  EXPECT_EQ(repeat.body.at("refunded_cents").to_number<std::int64_t>(), 300);

  EXPECT_EQ(Call("POST", refund_path, json::object{{"refund_id", "r1"}, {"amount_cents", 400}}).status, 409u);
  EXPECT_EQ(Call("POST", refund_path, json::object{{"refund_id", "r2"}, {"amount_cents", 701}}).status, 409u);
  CallResult rest = Call("POST", refund_path, json::object{{"refund_id", "r2"}, {"amount_cents", 700}});
  EXPECT_EQ(rest.status, 200u);
  EXPECT_EQ(rest.body.at("refunded_cents").to_number<std::int64_t>(), 1000);

  CallResult missing_field = Call("POST", refund_path, json::object{{"amount_cents", 1}});
  EXPECT_EQ(missing_field.status, 400u);
  EXPECT_EQ(Str(missing_field.body.at("error").as_object(), "field"), "refund_id");
}

TEST_F(FakePaymentChannelTest, FailRateAnswers503UntilReset) {
  ASSERT_EQ(Call("POST", "/channel/admin/fail-rate", json::object{{"fail_rate", 1}}).status, 200u);
  CallResult failed =
      Call("POST", "/channel/payments", json::object{{"merchant_order_id", "order-10"}, {"amount_cents", 10}});
  EXPECT_EQ(failed.status, 503u);
  EXPECT_EQ(Str(failed.body.at("error").as_object(), "code"), "transient");
  EXPECT_EQ(Call("GET", "/channel/payments?merchant_order_id=order-10").status, 503u);

  EXPECT_EQ(Call("POST", "/channel/admin/fail-rate", json::object{{"fail_rate", 2}}).status, 400u);
  ASSERT_EQ(Call("POST", "/channel/admin/fail-rate", json::object{{"fail_rate", 0.0}}).status, 200u);
  CreatePayment("order-10", 10);
}

TEST_F(FakePaymentChannelTest, CreateDelayMakesCreatesAnswerLate) {
  ASSERT_EQ(Call("POST", "/channel/admin/create-delay", json::object{{"delay_ms", 300}}).status, 200u);
  const auto started = std::chrono::steady_clock::now();
  CreatePayment("order-11", 10);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(300));

  CallResult negative = Call("POST", "/channel/admin/create-delay", json::object{{"delay_ms", -1}});
  EXPECT_EQ(negative.status, 400u);
  EXPECT_EQ(Str(negative.body.at("error").as_object(), "field"), "delay_ms");
  EXPECT_EQ(Call("POST", "/channel/admin/create-delay", json::object{{"delay", 5}}).status, 400u);
  ASSERT_EQ(Call("POST", "/channel/admin/create-delay", json::object{{"delay_ms", 0}}).status, 200u);
}

TEST_F(FakePaymentChannelTest, UnknownPaymentIsNotFound) {
  EXPECT_EQ(Call("GET", "/channel/payments/pay_nope").status, 404u);
  EXPECT_EQ(Call("POST", "/channel/payments/pay_nope/pay").status, 404u);
  EXPECT_EQ(Call("GET", "/channel/nothing-here").status, 404u);
  EXPECT_EQ(Call("DELETE", "/channel/payments").status, 405u);
}

}  // namespace
}  // namespace sagaflow::test
