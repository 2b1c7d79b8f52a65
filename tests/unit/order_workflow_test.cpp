// The order saga, one transition at a time (boost-ext/sml example/testing.cpp style): restore a
// state with Apply(state, event, context), fire ONE event, check the Transition (target,
// status, step, timers, domain events, child saga) and what the context became.
#include "workflows/order_workflow.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/ids.hpp"

namespace sagaflow::workflows {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using namespace std::chrono_literals;

using TimerList = std::vector<std::pair<std::string, std::int64_t>>;  // name, delay in ms

// Options unlike the defaults, so a test sees where each delay comes from.
order::OrderOptions TestOptions() {
  order::OrderOptions options;
  options.payment_window = 20min;
  options.payment_query_interval = 30s;
  options.payment_query_max = 2min;  // 4 queries: at 0, 30, 60 and 90 s
  options.auto_confirm_after = 48h;
  return options;
}

//! Boost.JSON objects are containers to GoogleTest (it would print bytes); values print as JSON.
json::value J(const json::object& obj) { return obj; }

json::array OrderItems() {
  return json::array{json::object{{"sku", "sku-1"}, {"quantity", 2}}, json::object{{"sku", "sku-2"}, {"quantity", 1}}};
}

// ---- Contexts as the saga has them in each phase -----------------------------------------------

//! Right after Prepare.
json::object Fresh(bool coupon = false) {
  json::object context{{"order_id", "order-1"}, {"user_id", "user-1"}, {"items", OrderItems()}};
  if (coupon) context["coupon_id"] = "C1";
  return context;
}

//! Priced at 5000 cents; `points_used` points spent by pricing.
json::object Priced(bool coupon, std::int64_t points_used) {
  json::object context = Fresh(coupon);
  context["price"] = json::object{{"base_cents", 6000},
                                  {"promotion_cents", 500},
                                  {"coupon_cents", coupon ? 500 : 0},
                                  {"points_used", points_used},
                                  {"total_cents", 5000}};
  context["amount_cents"] = 5000;
  return context;
}

//! Priced, plus the holds taken so far (their compensations on context.undo).
json::object Holding(bool coupon, std::int64_t points_used, std::vector<std::string> undo) {
  json::object context = Priced(coupon, points_used);
  context["reservation"] = json::object{{"reservation_id", "res-1"}};
  json::array steps;
  for (const std::string& step : undo) steps.emplace_back(step);
  context["undo"] = std::move(steps);
  return context;
}

//! Payment order created, awaiting the callback.
json::object PaymentOrdered(bool coupon = false, std::int64_t points_used = 0) {
  std::vector<std::string> undo{"inventory.release"};
  if (coupon) undo.push_back("coupon.unfreeze");
  if (points_used > 0) undo.push_back("points.unfreeze");
  json::object context = Holding(coupon, points_used, undo);
  context["payment"] = json::object{{"payment_id", "pay-1"}, {"pay_url", "https://pay.example/p/1"}};
  return context;
}

//! Paid: holds are permanent now, nothing left to undo.
json::object Paid(bool coupon = false, std::int64_t points_used = 0) {
  json::object context = Priced(coupon, points_used);
  context["reservation"] = json::object{{"reservation_id", "res-1"}};
  context["payment"] = json::object{{"payment_id", "pay-1"}, {"amount_cents", 5000}, {"status", "paid"}};
  return context;
}

//! Being cancelled (a cancellation child saga runs).
json::object Cancelling(std::string reason = "user") {
  json::object context = PaymentOrdered();
  context["cancel_reason"] = std::move(reason);
  return context;
}

json::object PaidCallback(std::int64_t amount_cents = 5000) {
  return json::object{{"payment_id", "pay-1"}, {"amount_cents", amount_cents}, {"status", "paid"}, {"paid_at", "t1"}};
}

SagaEvent Event(std::string name, json::object payload = {}) { return SagaEvent{std::move(name), std::move(payload)}; }
SagaEvent TimerEvent(const std::string& timer) { return Event("timer." + timer, {{"timer", timer}}); }

json::value Undo(std::vector<std::string> steps) {
  json::array out;
  for (const std::string& step : steps) out.emplace_back(step);
  return out;
}

TimerList SetTimers(const Transition& t) {
  TimerList out;
  for (const TimerRequest& timer : t.set_timers) out.emplace_back(timer.name, timer.delay.count());
  return out;
}

std::vector<std::string> RoutingKeys(const Transition& t) {
  std::vector<std::string> out;
  for (const DomainEvent& event : t.events) out.push_back(event.routing_key);
  return out;
}

json::object EventBody(std::string_view state) {
  return json::object{{"order_id", "order-1"}, {"state", state}, {"user_id", "user-1"}, {"amount_cents", 5000}};
}

class OrderWorkflowTest : public ::testing::Test {
 protected:
  //! An Apply that must be accepted; fails the test (and returns an empty Transition) otherwise.
  Transition Accepted(std::string_view state, const SagaEvent& event, json::object& context) {
    auto result = workflow_->Apply(state, event, context);
    EXPECT_TRUE(result.ok()) << state << " + " << event.name << ": " << result.status().ToString();
    return result.ok() ? std::move(result).value() : Transition{};
  }
  //! An Apply that must be refused with Conflict naming the state, leaving the context alone.
  void ExpectRefused(std::string_view state, const SagaEvent& event, json::object context) {
    const json::object before = context;
    auto result = workflow_->Apply(state, event, context);
    ASSERT_FALSE(result.ok()) << state << " + " << event.name << " went to " << result->to;
    EXPECT_TRUE(result.status().IsConflict()) << result.status().ToString();
    EXPECT_THAT(result.status().message(), HasSubstr("'" + std::string(state) + "'"));
    EXPECT_EQ(J(context), J(before));
  }
  static void ExpectStep(const Transition& t, std::string_view step, const json::object& payload) {
    ASSERT_TRUE(t.step.has_value()) << "no step dispatched, expected " << step;
    EXPECT_EQ(t.step->step, step);
    EXPECT_EQ(J(t.step->payload), J(payload));
  }
  static void ExpectNoStep(const Transition& t) {
    EXPECT_FALSE(t.step.has_value()) << "dispatched " << t.step->step;
  }
  //! No step, timers, events nor child: a transition that only moves the state.
  static void ExpectNoEffects(const Transition& t) {
    ExpectNoStep(t);
    EXPECT_THAT(t.set_timers, IsEmpty());
    EXPECT_THAT(t.cancel_timers, IsEmpty());
    EXPECT_THAT(t.events, IsEmpty());
    EXPECT_FALSE(t.start_child.has_value());
  }

  std::unique_ptr<SagaWorkflow> workflow_ = MakeOrderWorkflow(TestOptions());
};

// ---- Start ----------------------------------------------------------------------------------------

TEST_F(OrderWorkflowTest, TypeIsOrder) { EXPECT_EQ(workflow_->type(), "order"); }

TEST_F(OrderWorkflowTest, StartEntersPricingAndDispatchesCatalogPrice) {
  json::object context = Fresh(/*coupon=*/true);
  context["points"] = 300;
  const json::object before = context;
  auto result = workflow_->Start(context);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const Transition& t = *result;
  EXPECT_EQ(t.to, "pricing");
  EXPECT_EQ(t.status, SagaStatus::kRunning);
  ExpectStep(t, "catalog.price",
             {{"order_id", "order-1"}, {"user_id", "user-1"}, {"items", OrderItems()}, {"coupon_id", "C1"}, {"points", 300}});
  EXPECT_THAT(t.set_timers, IsEmpty());
  EXPECT_THAT(t.cancel_timers, IsEmpty());
  EXPECT_THAT(t.events, IsEmpty());
  EXPECT_FALSE(t.start_child.has_value());
  EXPECT_EQ(J(context), J(before));
}

TEST_F(OrderWorkflowTest, StartWithoutBenefitsPricesWithNoCouponAndZeroPoints) {
  json::object context = Fresh();
  auto result = workflow_->Start(context);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ExpectStep(*result, "catalog.price",
             {{"order_id", "order-1"}, {"user_id", "user-1"}, {"items", OrderItems()}, {"coupon_id", ""}, {"points", 0}});
}

// ---- pricing ----------------------------------------------------------------------------------------

TEST_F(OrderWorkflowTest, OrderPricedRecordsPriceAndReservesInventory) {
  json::object context = Fresh();
  const json::object price{{"base_cents", 6000}, {"promotion_cents", 500}, {"points_used", 0}, {"total_cents", 5500}};
  Transition t = Accepted("pricing", Event("catalog.price.succeeded", price), context);
  EXPECT_EQ(t.from, "pricing");
  EXPECT_EQ(t.to, "reserving_inventory");
  EXPECT_EQ(t.status, SagaStatus::kRunning);
  ExpectStep(t, "inventory.reserve", {{"order_id", "order-1"}, {"items", OrderItems()}});
  EXPECT_THAT(t.set_timers, IsEmpty());
  EXPECT_THAT(t.events, IsEmpty());
  EXPECT_EQ(context.at("price"), json::value(price));
  EXPECT_EQ(context.at("amount_cents"), json::value(5500));
}

TEST_F(OrderWorkflowTest, PricingRefusedFailsTheOrder) {
  json::object context = Fresh();
  const json::object failure{{"step", "catalog.price"}, {"code", "unknown_sku"}, {"message", "sku-2"}};
  Transition t = Accepted("pricing", Event("catalog.price.failed", failure), context);
  EXPECT_EQ(t.to, "failed");
  EXPECT_EQ(t.status, SagaStatus::kFailed);
  ExpectNoStep(t);
  EXPECT_FALSE(t.start_child.has_value());
  ASSERT_THAT(RoutingKeys(t), ElementsAre("order.failed"));
  EXPECT_EQ(context.at("failure"), json::value(failure));
}

// ---- holds: inventory, coupon, points ----------------------------------------------------------------

TEST_F(OrderWorkflowTest, InventoryReservedWithCouponFreezesCoupon) {
  json::object context = Priced(/*coupon=*/true, /*points_used=*/200);
  const json::object reply{{"reservation_id", "res-1"}};
  Transition t = Accepted("reserving_inventory", Event("inventory.reserve.succeeded", reply), context);
  EXPECT_EQ(t.to, "freezing_coupon");
  EXPECT_EQ(t.status, SagaStatus::kRunning);
  ExpectStep(t, "coupon.freeze",
             {{"order_id", "order-1"}, {"user_id", "user-1"}, {"coupon_id", "C1"}, {"spend_cents", 5500}});
  EXPECT_THAT(t.events, IsEmpty());
  EXPECT_EQ(context.at("reservation"), json::value(reply));
  EXPECT_EQ(context.at("undo"), Undo({"inventory.release"}));
}

TEST_F(OrderWorkflowTest, InventoryReservedWithPointsOnlyFreezesPoints) {
  json::object context = Priced(/*coupon=*/false, /*points_used=*/200);
  Transition t = Accepted("reserving_inventory", Event("inventory.reserve.succeeded", {{"reservation_id", "r"}}), context);
  EXPECT_EQ(t.to, "freezing_points");
  ExpectStep(t, "points.freeze", {{"order_id", "order-1"}, {"user_id", "user-1"}, {"points", 200}});
  EXPECT_EQ(context.at("undo"), Undo({"inventory.release"}));
}

TEST_F(OrderWorkflowTest, InventoryReservedWithoutBenefitsCreatesPayment) {
  json::object context = Priced(false, 0);
  Transition t = Accepted("reserving_inventory", Event("inventory.reserve.succeeded", {{"reservation_id", "r"}}), context);
  EXPECT_EQ(t.to, "creating_payment");
  EXPECT_EQ(t.status, SagaStatus::kRunning);
  ExpectStep(t, "payment.create", {{"order_id", "order-1"}, {"amount_cents", 5000}});
  EXPECT_THAT(t.events, IsEmpty());
  EXPECT_EQ(context.at("undo"), Undo({"inventory.release"}));
}

TEST_F(OrderWorkflowTest, InventoryReserveFailedEndsCompensatedWithNothingToUndo) {
  json::object context = Priced(false, 0);
  const json::object failure{{"step", "inventory.reserve"}, {"code", "out_of_stock"}, {"message", "sku-2"}};
  Transition t = Accepted("reserving_inventory", Event("inventory.reserve.failed", failure), context);
  EXPECT_EQ(t.from, "reserving_inventory");
  EXPECT_EQ(t.to, "compensated");
  EXPECT_EQ(t.status, SagaStatus::kCompensated);
  ExpectNoStep(t);
  EXPECT_FALSE(t.start_child.has_value());
  ASSERT_THAT(RoutingKeys(t), ElementsAre("order.failed"));
  EXPECT_EQ(context.at("failure"), json::value(failure));
  EXPECT_FALSE(context.contains("undo"));
}

// The engine gave up waiting for the reservation's reply: it may have taken the stock (its
// reply lost) or may still take it (the command held up). The saga releases, which frees what
// is there or fences the order against the late reservation.
TEST_F(OrderWorkflowTest, InventoryReserveWithNoReplyIsReleased) {
  json::object context = Priced(false, 0);
  const json::object failure{{"step", "inventory.reserve"}, {"code", "retries_exhausted"}, {"message", "no reply"}};
  Transition t = Accepted("reserving_inventory", Event("inventory.reserve.failed", failure), context);
  EXPECT_EQ(t.to, "compensating");
  EXPECT_EQ(t.status, SagaStatus::kRunning);
  ExpectStep(t, "inventory.release", {{"order_id", "order-1"}});
  EXPECT_THAT(t.events, IsEmpty());
  EXPECT_EQ(context.at("failure"), json::value(failure));
  EXPECT_EQ(context.at("undo"), Undo({}));

  t = Accepted("compensating", Event("inventory.release.succeeded", {{"lines", 0}}), context);
  EXPECT_EQ(t.to, "compensated");
  ASSERT_THAT(RoutingKeys(t), ElementsAre("order.failed"));
}

// The same for the holds after the reservation: the failed step's own cancel comes first,
// then those of the holds taken before it.
TEST_F(OrderWorkflowTest, HoldStepWithNoReplyIsCancelledBeforeTheHoldsBeforeIt) {
  struct Case {
    std::string_view state;
    std::string step;
    bool coupon;
    std::int64_t points;
    std::vector<std::string> held;  // context.undo when the step was sent
    std::string_view cancel;
  };
  const Case cases[] = {
      {"freezing_coupon", "coupon.freeze", true, 0, {"inventory.release"}, "coupon.unfreeze"},
      {"freezing_points", "points.freeze", true, 200, {"inventory.release", "coupon.unfreeze"}, "points.unfreeze"},
      {"creating_payment", "payment.create", false, 0, {"inventory.release"}, "payment.close"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.step);
    json::object context = Holding(c.coupon, c.points, c.held);
    const json::object failure{{"step", c.step}, {"code", "retries_exhausted"}};
    Transition t = Accepted(c.state, Event(c.step + ".failed", failure), context);
    EXPECT_EQ(t.to, "compensating");
    ExpectStep(t, c.cancel, {{"order_id", "order-1"}});
    EXPECT_EQ(context.at("undo"), Undo(c.held));
  }
}

TEST_F(OrderWorkflowTest, PaymentOrderClosedByCompensationReleasesInventory) {
  json::object context = Holding(false, 0, {"inventory.release"});
  Transition t = Accepted("compensating", Event("payment.close.succeeded", {{"status", "nothing_to_close"}}), context);
  EXPECT_EQ(t.to, "compensating");
  ExpectStep(t, "inventory.release", {{"order_id", "order-1"}});
}

TEST_F(OrderWorkflowTest, CouponFrozenWithPointsFreezesPoints) {
  json::object context = Holding(true, 200, {"inventory.release"});
  Transition t = Accepted("freezing_coupon", Event("coupon.freeze.succeeded"), context);
  EXPECT_EQ(t.to, "freezing_points");
  ExpectStep(t, "points.freeze", {{"order_id", "order-1"}, {"user_id", "user-1"}, {"points", 200}});
  EXPECT_EQ(context.at("undo"), Undo({"inventory.release", "coupon.unfreeze"}));
}

TEST_F(OrderWorkflowTest, CouponFrozenWithoutPointsCreatesPayment) {
  json::object context = Holding(true, 0, {"inventory.release"});
  Transition t = Accepted("freezing_coupon", Event("coupon.freeze.succeeded"), context);
  EXPECT_EQ(t.to, "creating_payment");
  ExpectStep(t, "payment.create", {{"order_id", "order-1"}, {"amount_cents", 5000}});
  EXPECT_EQ(context.at("undo"), Undo({"inventory.release", "coupon.unfreeze"}));
}

TEST_F(OrderWorkflowTest, CouponFreezeFailedReleasesInventory) {
  json::object context = Holding(true, 0, {"inventory.release"});
  const json::object failure{{"step", "coupon.freeze"}, {"code", "coupon_used"}};
  Transition t = Accepted("freezing_coupon", Event("coupon.freeze.failed", failure), context);
  EXPECT_EQ(t.to, "compensating");
  EXPECT_EQ(t.status, SagaStatus::kRunning);
  ExpectStep(t, "inventory.release", {{"order_id", "order-1"}});
  EXPECT_THAT(t.events, IsEmpty());
  EXPECT_EQ(context.at("failure"), json::value(failure));
  EXPECT_EQ(context.at("undo"), Undo({}));
}

TEST_F(OrderWorkflowTest, PointsFrozenCreatesPayment) {
  json::object context = Holding(true, 200, {"inventory.release", "coupon.unfreeze"});
  Transition t = Accepted("freezing_points", Event("points.freeze.succeeded"), context);
  EXPECT_EQ(t.to, "creating_payment");
  ExpectStep(t, "payment.create", {{"order_id", "order-1"}, {"amount_cents", 5000}});
  EXPECT_EQ(context.at("undo"), Undo({"inventory.release", "coupon.unfreeze", "points.unfreeze"}));
}

TEST_F(OrderWorkflowTest, PointsFreezeFailedUnfreezesCouponFirst) {
  json::object context = Holding(true, 200, {"inventory.release", "coupon.unfreeze"});
  Transition t = Accepted("freezing_points", Event("points.freeze.failed", {{"code", "not_enough_points"}}), context);
  EXPECT_EQ(t.to, "compensating");
  ExpectStep(t, "coupon.unfreeze", {{"order_id", "order-1"}});
  EXPECT_EQ(context.at("undo"), Undo({"inventory.release"}));
  EXPECT_EQ(context.at("failure"), json::value(json::object{{"code", "not_enough_points"}}));
}

TEST_F(OrderWorkflowTest, PaymentOrderCreatedAwaitsPaymentWithWindowAndQueryTimers) {
  json::object context = Holding(false, 0, {"inventory.release"});
  const json::object reply{{"payment_id", "pay-1"}, {"pay_url", "https://pay.example/p/1"}};
  Transition t = Accepted("creating_payment", Event("payment.create.succeeded", reply), context);
  EXPECT_EQ(t.from, "creating_payment");
  EXPECT_EQ(t.to, "awaiting_payment");
  EXPECT_EQ(t.status, SagaStatus::kWaiting);
  ExpectNoStep(t);
  EXPECT_EQ(SetTimers(t), (TimerList{{"payment_window", 1'200'000}, {"payment_query", 30'000}}));
  EXPECT_THAT(t.cancel_timers, IsEmpty());
  ASSERT_THAT(RoutingKeys(t), ElementsAre("order.created"));
  json::object created = EventBody("created");
  created["pay_url"] = "https://pay.example/p/1";  // where the shop sends its buyer
  EXPECT_EQ(J(t.events[0].body), J(created));
  EXPECT_EQ(StringOr(context, "order_state"), "created");
  EXPECT_FALSE(t.start_child.has_value());
  EXPECT_EQ(context.at("payment"), json::value(reply));
}

TEST_F(OrderWorkflowTest, NothingToPaySkipsThePaymentWait) {
  json::object context = Holding(false, 0, {"inventory.release"});
  const json::object reply{{"amount_cents", 0}, {"status", "paid"}};
  Transition t = Accepted("creating_payment", Event("payment.create.succeeded", reply), context);
  EXPECT_EQ(t.to, "confirming_inventory");
  ExpectStep(t, "inventory.confirm", {{"order_id", "order-1"}});
  EXPECT_THAT(t.set_timers, IsEmpty());
  ASSERT_THAT(RoutingKeys(t), ElementsAre("order.created"));
  EXPECT_FALSE(context.contains("undo"));
  EXPECT_EQ(StringOr(*ObjectOrNull(context, "payment"), "status"), "paid");
}

TEST_F(OrderWorkflowTest, PaymentOrderFailedUndoesTheLastHoldFirst) {
  json::object context = Holding(true, 200, {"inventory.release", "coupon.unfreeze", "points.unfreeze"});
  Transition t = Accepted("creating_payment", Event("payment.create.failed", {{"code", "channel_down"}}), context);
  EXPECT_EQ(t.to, "compensating");
  ExpectStep(t, "points.unfreeze", {{"order_id", "order-1"}});
  EXPECT_THAT(t.events, IsEmpty());
  EXPECT_EQ(context.at("undo"), Undo({"inventory.release", "coupon.unfreeze"}));
}

TEST_F(OrderWorkflowTest, UndoStepDoneWithMoreToUndoRunsTheNextCompensation) {
  json::object context = Holding(true, 0, {"inventory.release"});
  Transition t = Accepted("compensating", Event("coupon.unfreeze.succeeded"), context);
  EXPECT_EQ(t.from, "compensating");
  EXPECT_EQ(t.to, "compensating");
  EXPECT_EQ(t.status, SagaStatus::kRunning);
  ExpectStep(t, "inventory.release", {{"order_id", "order-1"}});
  EXPECT_THAT(t.events, IsEmpty());
  EXPECT_EQ(context.at("undo"), Undo({}));
}

TEST_F(OrderWorkflowTest, LastUndoStepDoneEndsCompensatedAndPublishesOrderFailed) {
  json::object context = Holding(false, 0, {});
  Transition t = Accepted("compensating", Event("inventory.release.succeeded"), context);
  EXPECT_EQ(t.to, "compensated");
  EXPECT_EQ(t.status, SagaStatus::kCompensated);
  ExpectNoStep(t);
  ASSERT_THAT(RoutingKeys(t), ElementsAre("order.failed"));
  EXPECT_EQ(J(t.events[0].body), J(EventBody("failed")));
  EXPECT_EQ(StringOr(context, "order_state"), "failed");
}

TEST_F(OrderWorkflowTest, EveryUndoReplyCountsAsUndoStepDone) {
  for (const char* reply : {"inventory.release.succeeded", "coupon.unfreeze.succeeded", "points.unfreeze.succeeded"}) {
    SCOPED_TRACE(reply);
    json::object context = Holding(false, 0, {});
    Transition t = Accepted("compensating", Event(reply), context);
    EXPECT_EQ(t.to, "compensated");
  }
}

// ---- payment: callback, active query, window, user cancel ----------------------------------------------

// order.paid waits until the holds are permanent (AwaitingShipment), so a merchant reacting
// to it can ship at once.
TEST_F(OrderWorkflowTest, PaymentReceivedConfirmsInventoryAndCancelsTimers) {
  json::object context = PaymentOrdered(true, 0);
  Transition t = Accepted("awaiting_payment", Event("payment.succeeded", PaidCallback()), context);
  EXPECT_EQ(t.from, "awaiting_payment");
  EXPECT_EQ(t.to, "confirming_inventory");
  EXPECT_EQ(t.status, SagaStatus::kRunning);
  ExpectStep(t, "inventory.confirm", {{"order_id", "order-1"}});
  EXPECT_THAT(t.set_timers, IsEmpty());
  EXPECT_THAT(t.cancel_timers, ElementsAre("payment_window", "payment_query"));
  EXPECT_THAT(t.events, IsEmpty());
  // Merged over what payment.create left there; the holds are permanent now.
  EXPECT_EQ(context.at("payment"), json::value(json::object{{"payment_id", "pay-1"},
                                                            {"pay_url", "https://pay.example/p/1"},
                                                            {"amount_cents", 5000},
                                                            {"status", "paid"},
                                                            {"paid_at", "t1"}}));
  EXPECT_FALSE(context.contains("undo"));
}

TEST_F(OrderWorkflowTest, PaymentWithWrongAmountIsRefused) {
  ExpectRefused("awaiting_payment", Event("payment.succeeded", PaidCallback(4999)), PaymentOrdered());
}

TEST_F(OrderWorkflowTest, PaymentWithoutAmountIsRefused) {
  ExpectRefused("awaiting_payment", Event("payment.succeeded", {{"payment_id", "pay-1"}, {"status", "paid"}}),
                PaymentOrdered());
}

TEST_F(OrderWorkflowTest, PaymentQueryTimerQueriesTheChannelAndCountsTheQuery) {
  json::object context = PaymentOrdered();
  Transition t = Accepted("awaiting_payment", TimerEvent("payment_query"), context);
  EXPECT_EQ(t.to, "querying_payment");
  EXPECT_EQ(t.status, SagaStatus::kRunning);
  ExpectStep(t, "payment.query", {{"order_id", "order-1"}, {"payment_id", "pay-1"}});
  EXPECT_THAT(t.set_timers, IsEmpty());
  EXPECT_THAT(t.cancel_timers, IsEmpty());
  EXPECT_THAT(t.events, IsEmpty());
  EXPECT_EQ(context.at("payment_queries"), json::value(1));
}

TEST_F(OrderWorkflowTest, LastAllowedPaymentQueryIsSent) {
  json::object context = PaymentOrdered();
  context["payment_queries"] = 3;  // 3 * 30 s < 2 min
  Transition t = Accepted("awaiting_payment", TimerEvent("payment_query"), context);
  EXPECT_EQ(t.to, "querying_payment");
  EXPECT_EQ(context.at("payment_queries"), json::value(4));
}

TEST_F(OrderWorkflowTest, PaymentQueryBeyondQueryMaxIsRefused) {
  json::object context = PaymentOrdered();
  context["payment_queries"] = 4;  // 4 * 30 s == 2 min
  ExpectRefused("awaiting_payment", TimerEvent("payment_query"), context);
}

TEST_F(OrderWorkflowTest, PaymentWindowClosedStartsCancellationForTimeout) {
  json::object context = PaymentOrdered(true, 200);
  Transition t = Accepted("awaiting_payment", TimerEvent("payment_window"), context);
  EXPECT_EQ(t.to, "cancelling");
  EXPECT_EQ(t.status, SagaStatus::kWaiting);
  ExpectNoStep(t);
  EXPECT_THAT(t.set_timers, IsEmpty());
  EXPECT_THAT(t.cancel_timers, ElementsAre("payment_query"));
  EXPECT_THAT(t.events, IsEmpty());
  ASSERT_TRUE(t.start_child.has_value());
  EXPECT_EQ(t.start_child->type, "cancellation");
  EXPECT_EQ(J(t.start_child->input), J({{"order_id", "order-1"},
                                        {"user_id", "user-1"},
                                        {"reason", "payment_timeout"},
                                        {"payment_id", "pay-1"},
                                        {"coupon", true},
                                        {"points", true}}));
  EXPECT_EQ(context.at("cancel_reason"), json::value("payment_timeout"));
}

TEST_F(OrderWorkflowTest, CancelSignalStartsCancellationForUser) {
  json::object context = PaymentOrdered();
  Transition t = Accepted("awaiting_payment", Event("signal.cancel"), context);
  EXPECT_EQ(t.to, "cancelling");
  EXPECT_EQ(t.status, SagaStatus::kWaiting);
  ExpectNoStep(t);
  EXPECT_THAT(t.cancel_timers, ElementsAre("payment_window", "payment_query"));
  EXPECT_THAT(t.events, IsEmpty());
  ASSERT_TRUE(t.start_child.has_value());
  EXPECT_EQ(t.start_child->type, "cancellation");
  EXPECT_EQ(J(t.start_child->input), J({{"order_id", "order-1"},
                                        {"user_id", "user-1"},
                                        {"reason", "user"},
                                        {"payment_id", "pay-1"},
                                        {"coupon", false},
                                        {"points", false}}));
  EXPECT_EQ(context.at("cancel_reason"), json::value("user"));
}

TEST_F(OrderWorkflowTest, QueryFindingThePaymentConfirmsInventory) {
  json::object context = PaymentOrdered();
  context["payment_queries"] = 1;
  Transition t = Accepted("querying_payment",
                          Event("payment.query.succeeded", {{"status", "paid"}, {"amount_cents", 5000}}), context);
  EXPECT_EQ(t.to, "confirming_inventory");
  ExpectStep(t, "inventory.confirm", {{"order_id", "order-1"}});
  EXPECT_THAT(t.cancel_timers, ElementsAre("payment_window", "payment_query"));
  EXPECT_THAT(t.events, IsEmpty());
  EXPECT_EQ(context.at("payment").as_object().at("status"), json::value("paid"));
  EXPECT_FALSE(context.contains("undo"));
}

TEST_F(OrderWorkflowTest, QueryFindingNothingAwaitsPaymentAndRearmsTheQueryTimer) {
  json::object context = PaymentOrdered();
  context["payment_queries"] = 1;
  const json::object before = context;
  Transition t = Accepted("querying_payment", Event("payment.query.succeeded", {{"status", "pending"}}), context);
  EXPECT_EQ(t.to, "awaiting_payment");
  EXPECT_EQ(t.status, SagaStatus::kWaiting);
  ExpectNoStep(t);
  EXPECT_EQ(SetTimers(t), (TimerList{{"payment_query", 30'000}}));
  EXPECT_THAT(t.cancel_timers, IsEmpty());
  EXPECT_THAT(t.events, IsEmpty());
  EXPECT_EQ(J(context), J(before));
}

TEST_F(OrderWorkflowTest, QueryReportingPaidWithWrongAmountIsRefused) {
  ExpectRefused("querying_payment", Event("payment.query.succeeded", {{"status", "paid"}, {"amount_cents", 1}}),
                PaymentOrdered());
}

TEST_F(OrderWorkflowTest, FailedQueryAwaitsPaymentAndRearmsTheQueryTimer) {
  json::object context = PaymentOrdered();
  const json::object before = context;
  Transition t = Accepted("querying_payment", Event("payment.query.failed", {{"code", "timeout"}}), context);
  EXPECT_EQ(t.to, "awaiting_payment");
  ExpectNoStep(t);
  EXPECT_EQ(SetTimers(t), (TimerList{{"payment_query", 30'000}}));
  EXPECT_THAT(t.events, IsEmpty());
  EXPECT_EQ(J(context), J(before));
}

TEST_F(OrderWorkflowTest, CallbackWhileQueryingConfirmsInventory) {
  json::object context = PaymentOrdered();
  Transition t = Accepted("querying_payment", Event("payment.succeeded", PaidCallback()), context);
  EXPECT_EQ(t.from, "querying_payment");
  EXPECT_EQ(t.to, "confirming_inventory");
  ExpectStep(t, "inventory.confirm", {{"order_id", "order-1"}});
  EXPECT_THAT(t.cancel_timers, ElementsAre("payment_window", "payment_query"));
  EXPECT_THAT(t.events, IsEmpty());
}

TEST_F(OrderWorkflowTest, CallbackWithWrongAmountWhileQueryingIsRefused) {
  ExpectRefused("querying_payment", Event("payment.succeeded", PaidCallback(6000)), PaymentOrdered());
}

TEST_F(OrderWorkflowTest, PaymentWindowClosedWhileQueryingStartsCancellation) {
  json::object context = PaymentOrdered();
  Transition t = Accepted("querying_payment", TimerEvent("payment_window"), context);
  EXPECT_EQ(t.to, "cancelling");
  EXPECT_EQ(t.status, SagaStatus::kWaiting);
  ExpectNoStep(t);
  ASSERT_TRUE(t.start_child.has_value());
  EXPECT_EQ(t.start_child->type, "cancellation");
  EXPECT_EQ(t.start_child->input.at("reason"), json::value("payment_timeout"));
  EXPECT_EQ(context.at("cancel_reason"), json::value("payment_timeout"));
}

TEST_F(OrderWorkflowTest, CancelSignalWhileQueryingStartsCancellation) {
  json::object context = PaymentOrdered();
  Transition t = Accepted("querying_payment", Event("signal.cancel"), context);
  EXPECT_EQ(t.to, "cancelling");
  ExpectNoStep(t);
  EXPECT_THAT(t.cancel_timers, ElementsAre("payment_window", "payment_query"));
  ASSERT_TRUE(t.start_child.has_value());
  EXPECT_EQ(t.start_child->input.at("reason"), json::value("user"));
}

// ---- paid: make the holds permanent, then fulfil --------------------------------------------------------

TEST_F(OrderWorkflowTest, InventoryConfirmedWithCouponConsumesCoupon) {
  json::object context = Paid(true, 200);
  const json::object before = context;
  Transition t = Accepted("confirming_inventory", Event("inventory.confirm.succeeded"), context);
  EXPECT_EQ(t.to, "consuming_coupon");
  EXPECT_EQ(t.status, SagaStatus::kRunning);
  ExpectStep(t, "coupon.consume", {{"order_id", "order-1"}});
  EXPECT_THAT(t.events, IsEmpty());
  EXPECT_EQ(J(context), J(before));
}

TEST_F(OrderWorkflowTest, InventoryConfirmedWithPointsOnlyConsumesPoints) {
  json::object context = Paid(false, 200);
  Transition t = Accepted("confirming_inventory", Event("inventory.confirm.succeeded"), context);
  EXPECT_EQ(t.to, "consuming_points");
  ExpectStep(t, "points.consume", {{"order_id", "order-1"}});
}

TEST_F(OrderWorkflowTest, InventoryConfirmedWithoutBenefitsAwaitsShipment) {
  json::object context = Paid();
  const json::object before = context;
  Transition t = Accepted("confirming_inventory", Event("inventory.confirm.succeeded"), context);
  EXPECT_EQ(t.to, "awaiting_shipment");
  EXPECT_EQ(t.status, SagaStatus::kWaiting);
  ExpectNoStep(t);
  ASSERT_THAT(RoutingKeys(t), ElementsAre("order.paid"));
  EXPECT_EQ(J(t.events[0].body), J(EventBody("paid")));
  json::object expected = before;
  expected["order_state"] = "paid";
  EXPECT_EQ(J(context), J(expected));
}

TEST_F(OrderWorkflowTest, CouponConsumedWithPointsConsumesPoints) {
  json::object context = Paid(true, 200);
  Transition t = Accepted("consuming_coupon", Event("coupon.consume.succeeded"), context);
  EXPECT_EQ(t.to, "consuming_points");
  ExpectStep(t, "points.consume", {{"order_id", "order-1"}});
}

TEST_F(OrderWorkflowTest, CouponConsumedWithoutPointsAwaitsShipment) {
  json::object context = Paid(true, 0);
  Transition t = Accepted("consuming_coupon", Event("coupon.consume.succeeded"), context);
  EXPECT_EQ(t.to, "awaiting_shipment");
  EXPECT_EQ(t.status, SagaStatus::kWaiting);
  ExpectNoStep(t);
  ASSERT_THAT(RoutingKeys(t), ElementsAre("order.paid"));
}

TEST_F(OrderWorkflowTest, PointsConsumedAwaitsShipment) {
  json::object context = Paid(true, 200);
  Transition t = Accepted("consuming_points", Event("points.consume.succeeded"), context);
  EXPECT_EQ(t.to, "awaiting_shipment");
  ExpectNoStep(t);
  ASSERT_THAT(RoutingKeys(t), ElementsAre("order.paid"));
}

TEST_F(OrderWorkflowTest, ShipSignalDispatchesRecordShipmentWithCarrierAndAddress) {
  json::object context = Paid();
  context["address"] = json::object{{"city", "Berlin"}, {"street", "Main 1"}};
  const json::object signal{{"carrier", "DHL"}, {"tracking_number", "TN-1"}};
  Transition t = Accepted("awaiting_shipment", Event("signal.ship", signal), context);
  EXPECT_EQ(t.from, "awaiting_shipment");
  EXPECT_EQ(t.to, "recording_shipment");
  EXPECT_EQ(t.status, SagaStatus::kRunning);
  ExpectStep(t, "logistics.record_shipment",
             {{"order_id", "order-1"},
              {"carrier", "DHL"},
              {"tracking_number", "TN-1"},
              {"address", json::object{{"city", "Berlin"}, {"street", "Main 1"}}}});
  EXPECT_THAT(t.events, IsEmpty());
  EXPECT_EQ(context.at("shipment"), json::value(signal));
}

TEST_F(OrderWorkflowTest, ShipmentRecordedAwaitsReceiptWithAutoConfirmTimer) {
  json::object context = Paid();
  context["shipment"] = json::object{{"carrier", "DHL"}, {"tracking_number", "TN-1"}};
  Transition t =
      Accepted("recording_shipment", Event("logistics.record_shipment.succeeded", {{"shipment_id", "shp-1"}}), context);
  EXPECT_EQ(t.to, "awaiting_receipt");
  EXPECT_EQ(t.status, SagaStatus::kWaiting);
  ExpectNoStep(t);
  EXPECT_EQ(SetTimers(t), (TimerList{{"auto_confirm", 48 * 3'600'000LL}}));
  ASSERT_THAT(RoutingKeys(t), ElementsAre("order.shipped"));
  EXPECT_EQ(J(t.events[0].body), J(EventBody("shipped")));
  EXPECT_EQ(context.at("shipment"),
            json::value(json::object{{"carrier", "DHL"}, {"tracking_number", "TN-1"}, {"shipment_id", "shp-1"}}));
}

TEST_F(OrderWorkflowTest, ReceiveSignalCompletesAndPublishesOrderCompleted) {
  json::object context = Paid();
  Transition t = Accepted("awaiting_receipt", Event("signal.receive"), context);
  EXPECT_EQ(t.to, "completed");
  EXPECT_EQ(t.status, SagaStatus::kCompleted);
  ExpectNoStep(t);
  EXPECT_THAT(t.set_timers, IsEmpty());
  EXPECT_THAT(t.cancel_timers, ElementsAre("auto_confirm"));
  ASSERT_THAT(RoutingKeys(t), ElementsAre("order.completed"));
  EXPECT_EQ(J(t.events[0].body), J(EventBody("completed")));
  EXPECT_EQ(context.at("received"), json::value("user"));
}

TEST_F(OrderWorkflowTest, AutoConfirmTimerCompletesAsAutomaticReceipt) {
  json::object context = Paid();
  Transition t = Accepted("awaiting_receipt", TimerEvent("auto_confirm"), context);
  EXPECT_EQ(t.to, "completed");
  EXPECT_EQ(t.status, SagaStatus::kCompleted);
  ASSERT_THAT(RoutingKeys(t), ElementsAre("order.completed"));
  EXPECT_EQ(context.at("received"), json::value("auto"));
}

// ---- cancellation; a payment after it is refunded, never applied --------------------------------------------

TEST_F(OrderWorkflowTest, PaymentWhileCancellingIsKeptForRefundWithoutLeavingCancelling) {
  json::object context = Cancelling();
  const json::object callback = PaidCallback();
  Transition t = Accepted("cancelling", Event("payment.succeeded", callback), context);
  EXPECT_EQ(t.from, "cancelling");
  EXPECT_EQ(t.to, "cancelling");
  EXPECT_EQ(t.status, SagaStatus::kWaiting);
  ExpectNoEffects(t);  // in particular: no second cancellation child
  EXPECT_EQ(context.at("late_payment"), json::value(callback));
  EXPECT_EQ(context.at("payment").as_object().at("status"), json::value("paid"));
  EXPECT_EQ(context.at("payment").as_object().at("amount_cents"), json::value(5000));
}

TEST_F(OrderWorkflowTest, CancellationDoneWithPaymentClosedEndsCancelled) {
  json::object context = Cancelling();
  Transition t =
      Accepted("cancelling", Event("cancellation.completed", {{"order_id", "order-1"}, {"payment_status", "closed"}}),
               context);
  EXPECT_EQ(t.to, "cancelled");
  EXPECT_EQ(t.status, SagaStatus::kCompensated);
  ExpectNoStep(t);
  EXPECT_FALSE(t.start_child.has_value());
  ASSERT_THAT(RoutingKeys(t), ElementsAre("order.cancelled"));
  EXPECT_EQ(J(t.events[0].body), J(EventBody("cancelled")));
}

TEST_F(OrderWorkflowTest, CancellationDoneWithPaymentPaidRefundsIt) {
  json::object context = Cancelling("payment_timeout");
  Transition t =
      Accepted("cancelling", Event("cancellation.completed", {{"order_id", "order-1"}, {"payment_status", "paid"}}),
               context);
  EXPECT_EQ(t.to, "refunding_payment");
  EXPECT_EQ(t.status, SagaStatus::kRunning);
  ExpectStep(t, "payment.refund", {{"order_id", "order-1"}, {"payment_id", "pay-1"}, {"amount_cents", 5000}});
  ASSERT_THAT(RoutingKeys(t), ElementsAre("order.cancelled"));
  EXPECT_EQ(context.at("payment").as_object().at("status"), json::value("paid"));
}

TEST_F(OrderWorkflowTest, CancellationDoneAfterLatePaymentRefundsIt) {
  json::object context = Cancelling();
  Accepted("cancelling", Event("payment.succeeded", PaidCallback()), context);
  // The channel closed nothing it reports as paid, but the callback already said so.
  Transition t = Accepted("cancelling", Event("cancellation.completed", {{"payment_status", "closed"}}), context);
  EXPECT_EQ(t.to, "refunding_payment");
  ExpectStep(t, "payment.refund", {{"order_id", "order-1"}, {"payment_id", "pay-1"}, {"amount_cents", 5000}});
}

TEST_F(OrderWorkflowTest, PaymentAfterCancellationIsRefundedForTheAmountPaid) {
  json::object context = Cancelling();
  context["payment"].as_object()["status"] = "closed";
  const json::object callback = PaidCallback(4000);
  Transition t = Accepted("cancelled", Event("payment.succeeded", callback), context);
  EXPECT_EQ(t.from, "cancelled");
  EXPECT_EQ(t.to, "refunding_payment");
  EXPECT_EQ(t.status, SagaStatus::kRunning);
  ExpectStep(t, "payment.refund", {{"order_id", "order-1"}, {"payment_id", "pay-1"}, {"amount_cents", 4000}});
  EXPECT_THAT(t.events, IsEmpty());
  EXPECT_EQ(context.at("late_payment"), json::value(callback));
}

TEST_F(OrderWorkflowTest, PaymentRefundedEndsCancelledAndPublishesOrderRefunded) {
  json::object context = Cancelling();
  context["payment"].as_object()["status"] = "paid";
  const json::object reply{{"refund_id", "rf-1"}};
  Transition t = Accepted("refunding_payment", Event("payment.refund.succeeded", reply), context);
  EXPECT_EQ(t.to, "cancelled");
  EXPECT_EQ(t.status, SagaStatus::kCompensated);
  ExpectNoStep(t);
  ASSERT_THAT(RoutingKeys(t), ElementsAre("order.refunded"));
  EXPECT_EQ(J(t.events[0].body), J(EventBody("cancelled")));
  EXPECT_EQ(context.at("refund"), json::value(reply));
}

// ---- Refusals and unknown names ---------------------------------------------------------------------------------

TEST_F(OrderWorkflowTest, RefusedEventIsConflictNamingTheState) {
  const std::vector<std::pair<std::string, std::string>> refused{
      {"pricing", "payment.succeeded"},
      {"reserving_inventory", "signal.cancel"},  // cancel only while the order awaits payment
      {"freezing_coupon", "points.freeze.succeeded"},
      {"creating_payment", "inventory.reserve.succeeded"},  // a late duplicate of an earlier reply
      {"compensating", "payment.succeeded"},
      {"awaiting_payment", "inventory.confirm.succeeded"},
      {"confirming_inventory", "signal.cancel"},
      {"awaiting_shipment", "signal.receive"},
      {"recording_shipment", "signal.ship"},
      {"awaiting_receipt", "signal.cancel"},
      {"completed", "signal.receive"},
      {"completed", "timer.auto_confirm"},
      {"compensated", "inventory.release.succeeded"},
      {"failed", "catalog.price.succeeded"},
      {"cancelling", "signal.cancel"},
      {"refunding_payment", "signal.cancel"},
      {"cancelled", "signal.cancel"},
  };
  for (const auto& [state, event] : refused) {
    SCOPED_TRACE(state + " + " + event);
    ExpectRefused(state, Event(event, PaidCallback()), Paid(true, 200));
  }
}

TEST_F(OrderWorkflowTest, UnknownStateIsNotFound) {
  json::object context = Paid();
  auto result = workflow_->Apply("shipped_by_pigeon", Event("signal.receive"), context);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.status().IsNotFound()) << result.status().ToString();
  EXPECT_THAT(result.status().message(), HasSubstr("shipped_by_pigeon"));
}

TEST_F(OrderWorkflowTest, UnknownStateWinsOverUnknownEvent) {
  json::object context = Paid();
  auto result = workflow_->Apply("nowhere", Event("nothing.happened"), context);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.status().IsNotFound()) << result.status().ToString();
}

TEST_F(OrderWorkflowTest, UnknownEventIsConflictNamingStateAndEvent) {
  json::object context = PaymentOrdered();
  const json::object before = context;
  auto result = workflow_->Apply("awaiting_payment", Event("payment.teleported"), context);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.status().IsConflict()) << result.status().ToString();
  EXPECT_THAT(result.status().message(), HasSubstr("'awaiting_payment'"));
  EXPECT_THAT(result.status().message(), HasSubstr("payment.teleported"));
  EXPECT_EQ(J(context), J(before));
}

// ---- Restoring a state does not run its entry action ------------------------------------------------------------

TEST_F(OrderWorkflowTest, RestoringAwaitingPaymentDispatchesOnlyTheTargetsStep) {
  json::object context = PaymentOrdered();
  Transition t = Accepted("awaiting_payment", Event("payment.succeeded", PaidCallback()), context);
  ExpectStep(t, "inventory.confirm", {{"order_id", "order-1"}});  // from confirming_inventory's entry
  EXPECT_THAT(t.set_timers, IsEmpty()) << "awaiting_payment's entry (payment_query timer) ran on restore";
}

TEST_F(OrderWorkflowTest, RestoringAStepStateDoesNotDispatchItsStepAgain) {
  json::object context = Holding(false, 0, {"inventory.release"});
  Transition t = Accepted("creating_payment", Event("payment.create.succeeded", {{"payment_id", "pay-1"}}), context);
  ExpectNoStep(t);  // creating_payment's entry would dispatch payment.create
}

TEST_F(OrderWorkflowTest, RestoringAwaitingReceiptDoesNotRearmAutoConfirm) {
  json::object context = Paid();
  Transition t = Accepted("awaiting_receipt", Event("signal.receive"), context);
  EXPECT_THAT(t.set_timers, IsEmpty());
}

TEST_F(OrderWorkflowTest, RestoredStateIsTheOneAskedForNotTheInitialOne) {
  // pricing (the initial state) accepts catalog.price.succeeded; a machine restored elsewhere must not.
  ExpectRefused("awaiting_shipment", Event("catalog.price.succeeded", {{"total_cents", 1}}), Paid());
}

// ---- Whole paths, state names chained through Transition::to ----------------------------------------------------

//! Feeds `events` from `state`; returns the last state and appends every published routing key.
std::string Walk(const SagaWorkflow& workflow, std::string state,
                 const std::vector<SagaEvent>& events, json::object& context, std::vector<std::string>& published,
                 std::vector<std::string>& steps) {
  for (const SagaEvent& event : events) {
    auto t = workflow.Apply(state, event, context);
    EXPECT_TRUE(t.ok()) << state << " + " << event.name << ": " << t.status().ToString();
    if (!t.ok()) return state;
    for (const DomainEvent& e : t->events) published.push_back(e.routing_key);
    if (t->step) steps.push_back(t->step->step);
    state = t->to;
  }
  return state;
}

TEST_F(OrderWorkflowTest, HappyPathWithCouponAndPointsReachesCompleted) {
  json::object context = Fresh(/*coupon=*/true);
  auto started = workflow_->Start(context);
  ASSERT_TRUE(started.ok());
  std::vector<std::string> published, steps{started->step->step};
  const std::string end = Walk(
      *workflow_, started->to,
      {Event("catalog.price.succeeded", {{"base_cents", 1500}, {"points_used", 100}, {"total_cents", 1200}}),
       Event("inventory.reserve.succeeded"), Event("coupon.freeze.succeeded"), Event("points.freeze.succeeded"),
       Event("payment.create.succeeded", {{"payment_id", "pay-9"}}),
       Event("payment.succeeded", {{"payment_id", "pay-9"}, {"amount_cents", 1200}, {"status", "paid"}}),
       Event("inventory.confirm.succeeded"), Event("coupon.consume.succeeded"), Event("points.consume.succeeded"),
       Event("signal.ship", {{"carrier", "UPS"}, {"tracking_number", "1Z"}}),
       Event("logistics.record_shipment.succeeded"), Event("signal.receive")},
      context, published, steps);
  EXPECT_EQ(end, "completed");
  EXPECT_EQ(published, (std::vector<std::string>{"order.created", "order.paid", "order.shipped", "order.completed"}));
  EXPECT_EQ(steps, (std::vector<std::string>{"catalog.price", "inventory.reserve", "coupon.freeze", "points.freeze",
                                             "payment.create", "inventory.confirm", "coupon.consume", "points.consume",
                                             "logistics.record_shipment"}));
}

TEST_F(OrderWorkflowTest, FailedPaymentOrderUndoesEveryHoldInReverseOrder) {
  json::object context = Priced(/*coupon=*/true, /*points_used=*/100);
  std::vector<std::string> published, steps;
  const std::string end = Walk(
      *workflow_, "reserving_inventory",
      {Event("inventory.reserve.succeeded"), Event("coupon.freeze.succeeded"), Event("points.freeze.succeeded"),
       Event("payment.create.failed", {{"code", "declined"}}), Event("points.unfreeze.succeeded"),
       Event("coupon.unfreeze.succeeded"), Event("inventory.release.succeeded")},
      context, published, steps);
  EXPECT_EQ(end, "compensated");
  EXPECT_EQ(steps, (std::vector<std::string>{"coupon.freeze", "points.freeze", "payment.create", "points.unfreeze",
                                             "coupon.unfreeze", "inventory.release"}));
  EXPECT_EQ(published, (std::vector<std::string>{"order.failed"}));
  EXPECT_EQ(context.at("failure"), json::value(json::object{{"code", "declined"}}));
}

TEST_F(OrderWorkflowTest, ExhaustedQueriesLeaveTheOrderToThePaymentWindow) {
  json::object context = PaymentOrdered();
  std::string state = "awaiting_payment";
  for (int query = 1; query <= 4; ++query) {
    SCOPED_TRACE(query);
    Transition asked = Accepted(state, TimerEvent("payment_query"), context);
    ASSERT_EQ(asked.to, "querying_payment");
    Transition answered = Accepted(asked.to, Event("payment.query.succeeded", {{"status", "pending"}}), context);
    ASSERT_EQ(answered.to, "awaiting_payment");
    state = answered.to;
  }
  ExpectRefused(state, TimerEvent("payment_query"), context);
  Transition closed = Accepted(state, TimerEvent("payment_window"), context);
  EXPECT_EQ(closed.to, "cancelling");
}

// ---- StatusOf ------------------------------------------------------------------------------------------------------

TEST_F(OrderWorkflowTest, StatusOfEveryState) {
  const std::vector<std::pair<std::string, SagaStatus>> expected{
      {"pricing", SagaStatus::kRunning},
      {"reserving_inventory", SagaStatus::kRunning},
      {"freezing_coupon", SagaStatus::kRunning},
      {"freezing_points", SagaStatus::kRunning},
      {"creating_payment", SagaStatus::kRunning},
      {"compensating", SagaStatus::kRunning},
      {"awaiting_payment", SagaStatus::kWaiting},
      {"querying_payment", SagaStatus::kRunning},
      {"confirming_inventory", SagaStatus::kRunning},
      {"consuming_coupon", SagaStatus::kRunning},
      {"consuming_points", SagaStatus::kRunning},
      {"awaiting_shipment", SagaStatus::kWaiting},
      {"recording_shipment", SagaStatus::kRunning},
      {"awaiting_receipt", SagaStatus::kWaiting},
      {"completed", SagaStatus::kCompleted},
      {"compensated", SagaStatus::kCompensated},
      {"failed", SagaStatus::kFailed},
      {"cancelling", SagaStatus::kWaiting},
      {"refunding_payment", SagaStatus::kRunning},
      {"cancelled", SagaStatus::kCompensated},
  };
  for (const auto& [state, status] : expected) {
    SCOPED_TRACE(state);
    auto result = workflow_->StatusOf(state);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(SagaStatusName(*result), SagaStatusName(status));
  }
}

TEST_F(OrderWorkflowTest, StatusOfUnknownStateIsNotFound) {
  auto result = workflow_->StatusOf("paid");
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.status().IsNotFound());
  EXPECT_THAT(result.status().message(), HasSubstr("paid"));
}

// ---- ValidateSignal ------------------------------------------------------------------------------------------------

TEST_F(OrderWorkflowTest, ShipSignalWithCarrierAndTrackingNumberIsValid) {
  Status status = workflow_->ValidateSignal("ship", {{"carrier", "DHL"}, {"tracking_number", "TN-1"}});
  EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST_F(OrderWorkflowTest, ShipSignalWithoutCarrierNamesCarrier) {
  Status status = workflow_->ValidateSignal("ship", {{"tracking_number", "TN-1"}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.field(), "carrier");
}

TEST_F(OrderWorkflowTest, ShipSignalWithoutTrackingNumberNamesTrackingNumber) {
  Status status = workflow_->ValidateSignal("ship", {{"carrier", "DHL"}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.field(), "tracking_number");
}

TEST_F(OrderWorkflowTest, ShipSignalWithEmptyOrNonStringFieldsIsInvalid) {
  Status empty = workflow_->ValidateSignal("ship", {{"carrier", ""}, {"tracking_number", "TN-1"}});
  EXPECT_EQ(empty.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.field(), "carrier");
  Status number = workflow_->ValidateSignal("ship", {{"carrier", "DHL"}, {"tracking_number", 42}});
  EXPECT_EQ(number.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(number.field(), "tracking_number");
}

TEST_F(OrderWorkflowTest, ReceiveAndCancelSignalsNeedNoPayload) {
  Status receive = workflow_->ValidateSignal("receive", {});
  EXPECT_TRUE(receive.ok()) << receive.ToString();
  Status cancel = workflow_->ValidateSignal("cancel", {});
  EXPECT_TRUE(cancel.ok()) << cancel.ToString();
}

TEST_F(OrderWorkflowTest, UnknownSignalIsInvalidArgumentNamingName) {
  Status status = workflow_->ValidateSignal("approve_return", {});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.field(), "name");
  EXPECT_THAT(status.message(), HasSubstr("approve_return"));
}

// ---- Prepare ---------------------------------------------------------------------------------------------------------

TEST_F(OrderWorkflowTest, PrepareGeneratesUuidOrderIdAsBusinessKey) {
  const json::object input{{"user_id", "user-1"}, {"items", OrderItems()}};
  auto plan = workflow_->Prepare(input);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(IsUuid(plan->business_key)) << plan->business_key;
  ASSERT_TRUE(plan->context.contains("order_id"));
  EXPECT_EQ(plan->context.at("order_id"), json::value(plan->business_key));
  EXPECT_EQ(plan->context.at("user_id"), json::value("user-1"));
  EXPECT_EQ(plan->context.at("items"), json::value(OrderItems()));
}

TEST_F(OrderWorkflowTest, PrepareGivesEachOrderItsOwnId) {
  const json::object input{{"user_id", "user-1"}, {"items", OrderItems()}};
  std::set<std::string> keys;
  for (int i = 0; i < 20; ++i) {
    auto plan = workflow_->Prepare(input);
    ASSERT_TRUE(plan.ok());
    keys.insert(plan->business_key);
  }
  EXPECT_EQ(keys.size(), 20u);
}

TEST_F(OrderWorkflowTest, PrepareIgnoresCallerSuppliedOrderId) {
  const json::object input{{"user_id", "user-1"}, {"items", OrderItems()}, {"order_id", "chosen-by-caller"}};
  auto plan = workflow_->Prepare(input);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_NE(plan->business_key, "chosen-by-caller");
  EXPECT_EQ(plan->context.at("order_id"), json::value(plan->business_key));
}

TEST_F(OrderWorkflowTest, PrepareRejectsBadInputNamingTheField) {
  auto no_user = workflow_->Prepare(json::object{{"items", OrderItems()}});
  ASSERT_FALSE(no_user.ok());
  EXPECT_EQ(no_user.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(no_user.status().field(), "user_id");

  json::object bad_quantity{{"user_id", "user-1"},
                            {"items", json::array{json::object{{"sku", "sku-1"}, {"quantity", 0}}}}};
  auto refused = workflow_->Prepare(bad_quantity);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().field(), "items[0].quantity");
}

// ---- SagaStatus helpers (saga_workflow.hpp) --------------------------------------------------------------------------

TEST(SagaStatusTest, NamesAreStableLowerCase) {
  EXPECT_EQ(SagaStatusName(SagaStatus::kRunning), "running");
  EXPECT_EQ(SagaStatusName(SagaStatus::kWaiting), "waiting");
  EXPECT_EQ(SagaStatusName(SagaStatus::kCompleted), "completed");
  EXPECT_EQ(SagaStatusName(SagaStatus::kCompensated), "compensated");
  EXPECT_EQ(SagaStatusName(SagaStatus::kFailed), "failed");
  EXPECT_EQ(SagaStatusName(SagaStatus::kStuck), "stuck");
}

TEST(SagaStatusTest, OnlyFinishedStatusesAreTerminal) {
  EXPECT_TRUE(IsTerminal(SagaStatus::kCompleted));
  EXPECT_TRUE(IsTerminal(SagaStatus::kCompensated));
  EXPECT_TRUE(IsTerminal(SagaStatus::kFailed));
  EXPECT_FALSE(IsTerminal(SagaStatus::kRunning));
  EXPECT_FALSE(IsTerminal(SagaStatus::kWaiting));
}

}  // namespace
}  // namespace sagaflow::workflows
