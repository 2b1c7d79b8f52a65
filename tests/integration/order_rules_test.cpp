// The order and cancellation sagas' business rules (pricing, holds and their compensation,
// the three ways out of awaiting payment, cancellation and late payments, oversell),
// end to end against real PostgreSQL and RabbitMQ with timers shortened by configuration.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "tests/integration/saga_cluster.hpp"
#include "tests/integration/test_util.hpp"

namespace sagaflow::test {
namespace {

using std::chrono::seconds;

class OrderRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SAGAFLOW_REQUIRE_SERVERS();
    cluster_ = std::make_unique<SagaCluster>();
    cluster_->AddProduct("tea", 1200, 10);
    cluster_->AddCoupon("c-300", "alice", "fixed", 300, 1000);
    cluster_->SetPoints("alice", 500);
  }

  std::string Place(const std::string& key, const json::object& body) {
    HttpAnswer placed = cluster_->PlaceOrder(key, body);
    EXPECT_EQ(placed.status, 201u) << ToJson(placed.body);
    return StringOr(placed.body, "saga_id");
  }
  static json::object AliceOrder(int quantity, const std::string& coupon, int points) {
    json::object body = SagaCluster::OrderBody("tea", quantity, "alice");
    if (!coupon.empty()) body["coupon_id"] = coupon;
    if (points > 0) body["points"] = points;
    return body;
  }
  json::object Context(const std::string& saga_id) {
    HttpAnswer saga = cluster_->GetSaga(saga_id);
    const json::object* context = ObjectOrNull(saga.body, "context");
    return context != nullptr ? *context : json::object{};
  }
  std::int64_t Int(const std::string& sql, const std::vector<storage::PgParam>& params = {}) {
    return cluster_->Query(sql, params).GetInt(0, 0);
  }
  std::string Text(const std::string& sql, const std::vector<storage::PgParam>& params = {}) {
    return cluster_->Query(sql, params).Get(0, 0);
  }
  //! Stock, coupon and points are as before any order.
  void ExpectEverythingRestored() {
    EXPECT_EQ(Int("SELECT available FROM workers.products WHERE sku = 'tea'"), 10);
    EXPECT_EQ(Int("SELECT reserved FROM workers.products WHERE sku = 'tea'"), 0);
    EXPECT_EQ(Text("SELECT status FROM workers.coupons WHERE id = 'c-300'"), "available");
    EXPECT_EQ(Int("SELECT balance FROM workers.points_accounts WHERE user_id = 'alice'"), 500);
    EXPECT_EQ(Int("SELECT frozen FROM workers.points_accounts WHERE user_id = 'alice'"), 0);
  }

  std::unique_ptr<SagaCluster> cluster_;
};

TEST_F(OrderRulesTest, PriceBreakdownAppliesPromotionsCouponAndPoints) {
  cluster_->AddPromotion("tea-10pct", "percent", 10, "tea");
  cluster_->AddPromotion("500-off-2000", "fixed", 500, "", 2000);
  cluster_->StartAll();
  const std::string saga_id = Place("price-1", AliceOrder(2, "c-300", 200));
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_payment")) << cluster_->Logs();

  // 2 x 12.00 = 24.00; -10% on tea = 21.60; -5.00 over 20.00 = 16.60; coupon -3.00 = 13.60;
  // 200 points at 100 per 1.00 = -2.00 → 11.60.
  const json::object context = Context(saga_id);
  const json::object& price = *ObjectOrNull(context, "price");
  EXPECT_EQ(IntOr(price, "base_cents", 0), 2400);
  EXPECT_EQ(IntOr(price, "promotion_cents", 0), 740);
  EXPECT_EQ(IntOr(price, "coupon_cents", 0), 300);
  EXPECT_EQ(IntOr(price, "points_cents", 0), 200);
  EXPECT_EQ(IntOr(price, "points_used", 0), 200);
  EXPECT_EQ(IntOr(price, "total_cents", 0), 1160);
  EXPECT_EQ(IntOr(*ObjectOrNull(context, "payment"), "amount_cents", 0), 1160);
  EXPECT_EQ(Text("SELECT status FROM workers.coupons WHERE id = 'c-300'"), "frozen");
  EXPECT_EQ(Int("SELECT frozen FROM workers.points_accounts WHERE user_id = 'alice'"), 200);

  ASSERT_EQ(cluster_->PayAtChannel(saga_id).status, 200u);
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_shipment")) << cluster_->Logs();
  EXPECT_EQ(Text("SELECT status FROM workers.coupons WHERE id = 'c-300'"), "consumed");
  EXPECT_EQ(StringOr(Context(saga_id), "order_state"), "paid");
  EXPECT_EQ(Int("SELECT balance FROM workers.points_accounts WHERE user_id = 'alice'"), 300);
  EXPECT_EQ(Int("SELECT frozen FROM workers.points_accounts WHERE user_id = 'alice'"), 0);
  EXPECT_EQ(Int("SELECT sold FROM workers.products WHERE sku = 'tea'"), 2);
}

TEST_F(OrderRulesTest, FullyDiscountedOrderSkipsPaymentAndUnknownSkuFailsFast) {
  cluster_->AddCoupon("c-big", "alice", "fixed", 100000, 0);
  cluster_->StartAll();
  const std::string saga_id = Place("zero-1", AliceOrder(1, "c-big", 500));
  ASSERT_TRUE(WaitUntil(DeadlineIn(seconds(20)), [&] { return Context(saga_id).contains("price"); }));
  const json::object price = *ObjectOrNull(Context(saga_id), "price");
  EXPECT_EQ(IntOr(price, "coupon_cents", -1), 1200);
  EXPECT_EQ(IntOr(price, "points_cents", -1), 0);
  EXPECT_EQ(IntOr(price, "total_cents", -1), 0);
  // Nothing to pay: no payment order, straight to confirming the holds.
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_shipment")) << cluster_->Logs();
  EXPECT_EQ(Text("SELECT status FROM workers.coupons WHERE id = 'c-big'"), "consumed");
  EXPECT_EQ(Int("SELECT balance FROM workers.points_accounts WHERE user_id = 'alice'"), 500);

  const std::string unknown = Place("zero-2", SagaCluster::OrderBody("no-such-sku", 1, "alice"));
  ASSERT_TRUE(cluster_->WaitForState(unknown, "failed")) << cluster_->Logs();
  EXPECT_EQ(StringOr(*ObjectOrNull(Context(unknown), "failure"), "code"), "unknown_sku");
}

TEST_F(OrderRulesTest, InvalidCouponUnwindsTheInventoryHold) {
  cluster_->AddCoupon("c-old", "alice", "fixed", 300, 0, -60);
  cluster_->StartAll();
  const std::string saga_id = Place("coupon-1", AliceOrder(2, "c-old", 0));
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "compensated")) << cluster_->Logs();
  EXPECT_EQ(StringOr(*ObjectOrNull(Context(saga_id), "failure"), "code"), "coupon_expired");
  auto events = cluster_->HistoryEvents(saga_id);
  EXPECT_EQ(std::count(events.begin(), events.end(), "inventory.release.succeeded"), 1);
  ExpectEverythingRestored();
}

TEST_F(OrderRulesTest, ShortPointsUnwindCouponThenInventoryInReverseOrder) {
  cluster_->StartAll();
  const std::string saga_id = Place("points-1", AliceOrder(2, "c-300", 900));
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "compensated")) << cluster_->Logs();
  EXPECT_EQ(StringOr(*ObjectOrNull(Context(saga_id), "failure"), "code"), "insufficient_points");
  auto events = cluster_->HistoryEvents(saga_id);
  auto coupon = std::find(events.begin(), events.end(), "coupon.unfreeze.succeeded");
  auto inventory = std::find(events.begin(), events.end(), "inventory.release.succeeded");
  ASSERT_NE(coupon, events.end());
  ASSERT_NE(inventory, events.end());
  EXPECT_LT(coupon - events.begin(), inventory - events.begin());
  ExpectEverythingRestored();
}

TEST_F(OrderRulesTest, LostCallbackIsRecoveredByTheActiveQuery) {
  cluster_->SetEnv("SAGAFLOW_ORDER_PAYMENT_QUERY_INTERVAL", "300ms");
  cluster_->StartAll();
  const std::string saga_id = Place("query-1", AliceOrder(1, "", 0));
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_payment")) << cluster_->Logs();
  ASSERT_EQ(cluster_->PayAtChannel(saga_id, {{"drop_callback", true}}).status, 200u);
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_shipment")) << cluster_->Logs();
  auto events = cluster_->HistoryEvents(saga_id);
  EXPECT_NE(std::find(events.begin(), events.end(), "payment.query.succeeded"), events.end());
  EXPECT_EQ(std::find(events.begin(), events.end(), "payment.succeeded"), events.end());
}

TEST_F(OrderRulesTest, PaymentWindowExpiryCancelsAndRestoresEverything) {
  cluster_->SetEnv("SAGAFLOW_ORDER_PAYMENT_WINDOW", "1s");
  cluster_->StartAll();
  const std::string saga_id = Place("window-1", AliceOrder(2, "c-300", 200));
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "cancelled")) << cluster_->Logs();
  EXPECT_EQ(StringOr(Context(saga_id), "cancel_reason"), "payment_timeout");
  ExpectEverythingRestored();
  // The cancellation ran as a child saga and closed the payment order.
  EXPECT_EQ(Text("SELECT state FROM sagaflow.sagas WHERE type = 'cancellation' AND parent_id = $1", {saga_id}),
            "completed");
  const std::string payment_id = StringOr(*ObjectOrNull(Context(saga_id), "payment"), "payment_id");
  EXPECT_EQ(StringOr(cluster_->Call("GET", "/channel/payments/" + payment_id).body, "status"), "closed");
}

TEST_F(OrderRulesTest, UserMayCancelOnlyWhileAwaitingPayment) {
  cluster_->StartAll();
  const std::string pending = Place("cancel-1", AliceOrder(1, "c-300", 100));
  ASSERT_TRUE(cluster_->WaitForState(pending, "awaiting_payment")) << cluster_->Logs();
  const std::string order_id = StringOr(cluster_->GetSaga(pending).body, "order_id");
  EXPECT_EQ(cluster_->Call("POST", "/v1/orders/" + order_id + "/cancel").status, 202u);
  ASSERT_TRUE(cluster_->WaitForState(pending, "cancelled")) << cluster_->Logs();
  EXPECT_EQ(StringOr(Context(pending), "cancel_reason"), "user");
  ExpectEverythingRestored();

  const std::string paid = Place("cancel-2", AliceOrder(1, "", 0));
  ASSERT_TRUE(cluster_->WaitForState(paid, "awaiting_payment")) << cluster_->Logs();
  ASSERT_EQ(cluster_->PayAtChannel(paid).status, 200u);
  ASSERT_TRUE(cluster_->WaitForState(paid, "awaiting_shipment")) << cluster_->Logs();
  HttpAnswer refused = cluster_->Call("POST", "/v1/orders/" + StringOr(cluster_->GetSaga(paid).body, "order_id") + "/cancel");
  EXPECT_EQ(refused.status, 409u);
  EXPECT_EQ(StringOr(*ObjectOrNull(refused.body, "error"), "state"), "awaiting_shipment");
  EXPECT_EQ(cluster_->Call("POST", "/v1/orders/no-such-order/cancel").status, 404u);
}

TEST_F(OrderRulesTest, PaymentThatRacesTheCancellationIsRefundedNotApplied) {
  cluster_->StartAll();
  const std::string saga_id = Place("late-1", AliceOrder(1, "", 0));
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_payment")) << cluster_->Logs();
  // The buyer pays; the channel's callback is slow; the user cancels meanwhile.
  ASSERT_EQ(cluster_->PayAtChannel(saga_id, {{"delay_ms", 1500}}).status, 200u);
  const std::string order_id = StringOr(cluster_->GetSaga(saga_id).body, "order_id");
  ASSERT_EQ(cluster_->Call("POST", "/v1/orders/" + order_id + "/cancel").status, 202u);

  ASSERT_TRUE(WaitUntil(DeadlineIn(seconds(20)), [&] {
    const json::object context = Context(saga_id);
    return context.contains("refund") && StringOr(cluster_->GetSaga(saga_id).body, "state") == "cancelled";
  })) << cluster_->Logs();
  const std::string payment_id = StringOr(*ObjectOrNull(Context(saga_id), "payment"), "payment_id");
  // The callback arrives after all: acknowledged, nothing revived, refunded once.
  ASSERT_TRUE(WaitUntil(DeadlineIn(seconds(20)), [&] {
    return StringOr(cluster_->Call("GET", "/channel/payments/" + payment_id).body, "notify_status") == "delivered";
  }));
  HttpAnswer payment = cluster_->Call("GET", "/channel/payments/" + payment_id);
  EXPECT_EQ(StringOr(payment.body, "status"), "refunded");
  EXPECT_EQ(IntOr(payment.body, "refunded_cents", 0), 1200);
  EXPECT_EQ(StringOr(cluster_->GetSaga(saga_id).body, "state"), "cancelled");
  auto events = cluster_->HistoryEvents(saga_id);
  EXPECT_EQ(std::count(events.begin(), events.end(), "payment.refund.succeeded"), 1);
  EXPECT_EQ(Int("SELECT available FROM workers.products WHERE sku = 'tea'"), 10);
}

TEST_F(OrderRulesTest, ShippedOrderIsAutoConfirmed) {
  cluster_->SetEnv("SAGAFLOW_ORDER_AUTO_CONFIRM_AFTER", "500ms");
  cluster_->StartAll();
  const std::string saga_id = Place("auto-1", AliceOrder(1, "", 0));
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_payment")) << cluster_->Logs();
  ASSERT_EQ(cluster_->PayAtChannel(saga_id).status, 200u);
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_shipment")) << cluster_->Logs();
  ASSERT_EQ(cluster_->Signal(saga_id, "ship", {{"carrier", "SF"}, {"tracking_number", "SF9"}}).status, 202u);
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "completed")) << cluster_->Logs();
  EXPECT_EQ(StringOr(Context(saga_id), "received"), "auto");
}

TEST_F(OrderRulesTest, HundredConcurrentOrdersForTenUnitsNeverOversell) {
  cluster_->AddProduct("last", 1000, 10);
  cluster_->StartAll();
  std::vector<std::thread> buyers;
  std::atomic<int> accepted{0};
  for (int buyer = 0; buyer < 4; ++buyer) {
    buyers.emplace_back([&, buyer] {
      for (int i = buyer; i < 100; i += 4) {
        HttpAnswer placed = cluster_->PlaceOrder("rush-" + std::to_string(i),
                                                 SagaCluster::OrderBody("last", 1, "user-" + std::to_string(i)));
        if (placed.status == 201u) ++accepted;
      }
    });
  }
  for (auto& buyer : buyers) buyer.join();
  ASSERT_EQ(accepted.load(), 100);
  const std::string settled =
      "SELECT count(*) FROM sagaflow.sagas WHERE type = 'order' AND state IN ('awaiting_payment', 'compensated')";
  ASSERT_TRUE(WaitUntil(DeadlineIn(seconds(60)), [&] { return Int(settled) == 100; })) << cluster_->Logs();

  EXPECT_EQ(Int("SELECT count(*) FROM sagaflow.sagas WHERE type = 'order' AND state = 'awaiting_payment'"), 10);
  EXPECT_EQ(Int("SELECT count(*) FROM sagaflow.sagas WHERE type = 'order' AND state = 'compensated'"
                " AND context->'failure'->>'code' = 'insufficient_stock'"),
            90);
  EXPECT_EQ(Int("SELECT available FROM workers.products WHERE sku = 'last'"), 0);
  EXPECT_EQ(Int("SELECT reserved FROM workers.products WHERE sku = 'last'"), 10);
  EXPECT_EQ(Int("SELECT count(*) FROM workers.reservations WHERE sku = 'last' AND status = 'reserved'"), 10);
}

}  // namespace
}  // namespace sagaflow::test
