// The order saga's data rules: start-request validation, step payloads, context updates.
#include "workflows/order_steps.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sagaflow::workflows::order {
namespace {

//! Boost.JSON objects are containers to GoogleTest (it would print bytes); values print as JSON.
json::value J(const json::object& obj) { return obj; }

constexpr char kOrderId[] = "0b7e6a52-5a0c-4a5e-9d55-3f1f2a1f0c11";

json::object Item(std::string sku, json::value quantity) {
  return json::object{{"sku", std::move(sku)}, {"quantity", std::move(quantity)}};
}

json::object ValidInput() {
  return json::object{{"user_id", "user-1"}, {"items", json::array{Item("sku-1", 2), Item("sku-2", 1)}}};
}

//! Validates `input` and returns the field the InvalidArgument names ("<ok>" if accepted).
std::string RejectedField(const json::object& input) {
  auto result = ValidateOrderInput(input, kOrderId);
  if (result.ok()) return "<ok>";
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << result.status().ToString();
  return result.status().field();
}

json::object WithItems(json::array items) {
  json::object input = ValidInput();
  input["items"] = std::move(items);
  return input;
}

json::object With(std::string_view key, json::value value) {
  json::object input = ValidInput();
  input[key] = std::move(value);
  return input;
}

// ---- ValidateOrderInput ----------------------------------------------------------------------------------

TEST(ValidateOrderInputTest, MinimalInputBecomesContextWithOrderId) {
  auto result = ValidateOrderInput(ValidInput(), kOrderId);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  json::object expected = ValidInput();
  expected["order_id"] = kOrderId;
  EXPECT_EQ(J(*result), J(expected));
}

TEST(ValidateOrderInputTest, KeepsOptionalFields) {
  json::object input = ValidInput();
  input["coupon_id"] = "WELCOME10";
  input["points"] = 300;
  input["address"] = json::object{{"city", "Berlin"}, {"zip", "10115"}};
  auto result = ValidateOrderInput(input, kOrderId);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->at("coupon_id"), json::value("WELCOME10"));
  EXPECT_EQ(result->at("points"), json::value(300));
  EXPECT_EQ(result->at("address"), json::value(json::object{{"city", "Berlin"}, {"zip", "10115"}}));
  EXPECT_EQ(result->at("user_id"), json::value("user-1"));
  EXPECT_EQ(result->at("order_id"), json::value(kOrderId));
}

TEST(ValidateOrderInputTest, ZeroPointsAreAccepted) { EXPECT_EQ(RejectedField(With("points", 0)), "<ok>"); }

TEST(ValidateOrderInputTest, ItemsKeepOnlySkuAndQuantity) {
  json::object item = Item("sku-1", 3);
  item["price_cents"] = 1;  // the caller does not set prices
  auto result = ValidateOrderInput(WithItems(json::array{item}), kOrderId);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->at("items"), json::value(json::array{Item("sku-1", 3)}));
}

TEST(ValidateOrderInputTest, GivenOrderIdReplacesCallerOrderId) {
  auto result = ValidateOrderInput(With("order_id", "mine"), kOrderId);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->at("order_id"), json::value(kOrderId));
}

TEST(ValidateOrderInputTest, UserIdMissingEmptyOrNotStringNamesUserId) {
  json::object missing = ValidInput();
  missing.erase("user_id");
  EXPECT_EQ(RejectedField(missing), "user_id");
  EXPECT_EQ(RejectedField(With("user_id", "")), "user_id");
  EXPECT_EQ(RejectedField(With("user_id", 17)), "user_id");
}

TEST(ValidateOrderInputTest, ItemsMissingNotArrayOrEmptyNamesItems) {
  json::object missing = ValidInput();
  missing.erase("items");
  EXPECT_EQ(RejectedField(missing), "items");
  EXPECT_EQ(RejectedField(With("items", json::object{{"sku", "x"}})), "items");
  EXPECT_EQ(RejectedField(WithItems(json::array{})), "items");
}

TEST(ValidateOrderInputTest, MoreThanAHundredLinesNamesItems) {
  json::array items;
  for (int i = 0; i < 100; ++i) items.push_back(Item("sku-" + std::to_string(i), 1));
  EXPECT_EQ(RejectedField(WithItems(items)), "<ok>");
  items.push_back(Item("sku-100", 1));
  EXPECT_EQ(RejectedField(WithItems(items)), "items");
}

TEST(ValidateOrderInputTest, ItemThatIsNotAnObjectNamesItsIndex) {
  EXPECT_EQ(RejectedField(WithItems(json::array{Item("sku-1", 1), "sku-2"})), "items[1]");
}

TEST(ValidateOrderInputTest, SkuMissingOrEmptyNamesItemSku) {
  json::object no_sku{{"quantity", 1}};
  EXPECT_EQ(RejectedField(WithItems(json::array{Item("sku-1", 1), no_sku})), "items[1].sku");
  EXPECT_EQ(RejectedField(WithItems(json::array{Item("", 1)})), "items[0].sku");
}

TEST(ValidateOrderInputTest, ZeroQuantityNamesItemQuantity) {
  EXPECT_EQ(RejectedField(WithItems(json::array{Item("sku-1", 0)})), "items[0].quantity");
}

TEST(ValidateOrderInputTest, NegativeQuantityNamesItemQuantity) {
  EXPECT_EQ(RejectedField(WithItems(json::array{Item("sku-1", -3)})), "items[0].quantity");
}

TEST(ValidateOrderInputTest, NonIntegerQuantityNamesItemQuantity) {
  EXPECT_EQ(RejectedField(WithItems(json::array{Item("sku-1", 1.5)})), "items[0].quantity");
  EXPECT_EQ(RejectedField(WithItems(json::array{Item("sku-1", "2")})), "items[0].quantity");
  json::object no_quantity{{"sku", "sku-1"}};
  EXPECT_EQ(RejectedField(WithItems(json::array{no_quantity})), "items[0].quantity");
}

TEST(ValidateOrderInputTest, QuantityAboveTenThousandNamesItemQuantity) {
  EXPECT_EQ(RejectedField(WithItems(json::array{Item("sku-1", 10'000)})), "<ok>");
  EXPECT_EQ(RejectedField(WithItems(json::array{Item("sku-1", 10'001)})), "items[0].quantity");
}

TEST(ValidateOrderInputTest, BadQuantityInLaterItemNamesThatItem) {
  EXPECT_EQ(RejectedField(WithItems(json::array{Item("sku-1", 1), Item("sku-2", 1), Item("sku-3", 0)})),
            "items[2].quantity");
}

TEST(ValidateOrderInputTest, NegativePointsNamePoints) { EXPECT_EQ(RejectedField(With("points", -1)), "points"); }

TEST(ValidateOrderInputTest, NonIntegerPointsNamePoints) { EXPECT_EQ(RejectedField(With("points", "100")), "points"); }

TEST(ValidateOrderInputTest, NonStringCouponNamesCouponId) {
  EXPECT_EQ(RejectedField(With("coupon_id", 12)), "coupon_id");
}

TEST(ValidateOrderInputTest, NonObjectAddressNamesAddress) {
  EXPECT_EQ(RejectedField(With("address", "Main street 1")), "address");
}

// ---- ValidateShipSignal --------------------------------------------------------------------------------------

TEST(ValidateShipSignalTest, NeedsNonEmptyCarrierAndTrackingNumber) {
  EXPECT_TRUE(ValidateShipSignal({{"carrier", "DHL"}, {"tracking_number", "TN-1"}}).ok());
  EXPECT_EQ(ValidateShipSignal({{"tracking_number", "TN-1"}}).field(), "carrier");
  EXPECT_EQ(ValidateShipSignal({{"carrier", "DHL"}, {"tracking_number", ""}}).field(), "tracking_number");
}

// ---- Payload builders ---------------------------------------------------------------------------------------

json::object Context() {
  return json::object{{"order_id", "order-1"},
                      {"user_id", "user-1"},
                      {"items", json::array{Item("sku-1", 2)}},
                      {"coupon_id", "C1"},
                      {"points", 300},
                      {"price", json::object{{"base_cents", 3000},
                                             {"promotion_cents", 200},
                                             {"coupon_cents", 300},
                                             {"points_used", 250},
                                             {"total_cents", 2500}}},
                      {"amount_cents", 2500},
                      {"payment", json::object{{"payment_id", "pay-1"}}}};
}

json::object Minimal() { return json::object{{"order_id", "order-1"}, {"items", json::array{Item("sku-1", 2)}}}; }

TEST(OrderPayloadTest, PricePayloadHasOrderUserItemsCouponAndPoints) {
  EXPECT_EQ(J(PricePayload(Context())), J({{"order_id", "order-1"},
                                           {"user_id", "user-1"},
                                           {"items", json::array{Item("sku-1", 2)}},
                                           {"coupon_id", "C1"},
                                           {"points", 300}}));
}

TEST(OrderPayloadTest, PricePayloadDefaultsAbsentBenefits) {
  EXPECT_EQ(J(PricePayload(Minimal())), J({{"order_id", "order-1"},
                                           {"user_id", nullptr},
                                           {"items", json::array{Item("sku-1", 2)}},
                                           {"coupon_id", ""},
                                           {"points", 0}}));
}

TEST(OrderPayloadTest, ReservePayloadHasOrderIdAndItems) {
  EXPECT_EQ(J(ReservePayload(Context())), J({{"order_id", "order-1"}, {"items", json::array{Item("sku-1", 2)}}}));
}

TEST(OrderPayloadTest, CouponFreezePayloadSpendsBaseMinusPromotion) {
  EXPECT_EQ(J(CouponFreezePayload(Context())),
            J({{"order_id", "order-1"}, {"user_id", "user-1"}, {"coupon_id", "C1"}, {"spend_cents", 2800}}));
}

TEST(OrderPayloadTest, PointsFreezePayloadFreezesThePointsPricingUsed) {
  EXPECT_EQ(J(PointsFreezePayload(Context())), J({{"order_id", "order-1"}, {"user_id", "user-1"}, {"points", 250}}));
}

TEST(OrderPayloadTest, CreatePaymentPayloadHasOrderIdAndAmount) {
  EXPECT_EQ(J(CreatePaymentPayload(Context())), J({{"order_id", "order-1"}, {"amount_cents", 2500}}));
}

TEST(OrderPayloadTest, CreatePaymentPayloadWithoutAmountSaysZero) {
  EXPECT_EQ(J(CreatePaymentPayload(Minimal())), J({{"order_id", "order-1"}, {"amount_cents", 0}}));
}

TEST(OrderPayloadTest, PaymentQueryPayloadNamesThePayment) {
  EXPECT_EQ(J(PaymentQueryPayload(Context())), J({{"order_id", "order-1"}, {"payment_id", "pay-1"}}));
  EXPECT_EQ(J(PaymentQueryPayload(Minimal())), J({{"order_id", "order-1"}, {"payment_id", ""}}));
}

TEST(OrderPayloadTest, RefundPayloadRefundsTheAmountPaid) {
  json::object context = Context();
  context["payment"] = json::object{{"payment_id", "pay-1"}, {"amount_cents", 2400}, {"status", "paid"}};
  EXPECT_EQ(J(RefundPayload(context)), J({{"order_id", "order-1"}, {"payment_id", "pay-1"}, {"amount_cents", 2400}}));
}

TEST(OrderPayloadTest, RefundPayloadFallsBackToTheOrderAmount) {
  EXPECT_EQ(J(RefundPayload(Context())), J({{"order_id", "order-1"}, {"payment_id", "pay-1"}, {"amount_cents", 2500}}));
}

TEST(OrderPayloadTest, OrderOnlyPayloadHasJustTheOrderId) {
  EXPECT_EQ(J(OrderOnlyPayload(Context())), J({{"order_id", "order-1"}}));
}

TEST(OrderPayloadTest, RecordShipmentPayloadCarriesShipmentAndAddress) {
  json::object context = Context();
  context["shipment"] = json::object{{"carrier", "DHL"}, {"tracking_number", "TN-1"}, {"note", "fragile"}};
  context["address"] = json::object{{"city", "Berlin"}};
  EXPECT_EQ(J(RecordShipmentPayload(context)), J({{"order_id", "order-1"},
                                                  {"carrier", "DHL"},
                                                  {"tracking_number", "TN-1"},
                                                  {"address", json::object{{"city", "Berlin"}}}}));
}

TEST(OrderPayloadTest, RecordShipmentPayloadWithoutShipmentHasEmptyCarrierAndTracking) {
  EXPECT_EQ(J(RecordShipmentPayload(Context())), J({{"order_id", "order-1"}, {"carrier", ""}, {"tracking_number", ""}}));
}

TEST(OrderPayloadTest, RecordShipmentPayloadFillsMissingShipmentFieldsWithEmptyStrings) {
  json::object context = Context();
  context["shipment"] = json::object{{"carrier", "DHL"}};
  EXPECT_EQ(J(RecordShipmentPayload(context)),
            J({{"order_id", "order-1"}, {"carrier", "DHL"}, {"tracking_number", ""}}));
}

TEST(OrderPayloadTest, CancellationInputNamesTheHoldsToUndo) {
  json::object context = Context();
  context["cancel_reason"] = "payment_timeout";
  EXPECT_EQ(J(CancellationInput(context)), J({{"order_id", "order-1"},
                                              {"user_id", "user-1"},
                                              {"reason", "payment_timeout"},
                                              {"payment_id", "pay-1"},
                                              {"coupon", true},
                                              {"points", true}}));
}

TEST(OrderPayloadTest, CancellationInputDefaultsToUserReasonAndNoHolds) {
  EXPECT_EQ(J(CancellationInput(Minimal())), J({{"order_id", "order-1"},
                                                {"user_id", nullptr},
                                                {"reason", "user"},
                                                {"payment_id", ""},
                                                {"coupon", false},
                                                {"points", false}}));
}

// ---- Facts for guards ---------------------------------------------------------------------------------------

TEST(OrderFactsTest, UsesCouponOnlyWithANonEmptyCouponId) {
  EXPECT_TRUE(UsesCoupon(Context()));
  EXPECT_FALSE(UsesCoupon(Minimal()));
  EXPECT_FALSE(UsesCoupon({{"coupon_id", ""}}));
}

TEST(OrderFactsTest, UsesPointsOnlyWhenPricingSpentSome) {
  EXPECT_TRUE(UsesPoints(Context()));
  EXPECT_FALSE(UsesPoints({{"points", 300}}));  // asked for, but pricing has not spent any yet
  EXPECT_FALSE(UsesPoints({{"price", json::object{{"points_used", 0}}}}));
}

TEST(OrderFactsTest, AmountMatchesComparesPaymentWithOrderTotal) {
  EXPECT_TRUE(AmountMatches(Context(), {{"amount_cents", 2500}}));
  EXPECT_FALSE(AmountMatches(Context(), {{"amount_cents", 2499}}));
  EXPECT_FALSE(AmountMatches(Context(), {{"amount_cents", "2500"}}));
  EXPECT_FALSE(AmountMatches(Context(), {}));
  EXPECT_FALSE(AmountMatches(Minimal(), {{"amount_cents", 0}}));  // no total yet
}

TEST(OrderFactsTest, HasPaymentToRefundWhenPaidAndNotYetRefunded) {
  json::object context = Context();
  EXPECT_FALSE(HasPaymentToRefund(context));
  context["payment"].as_object()["status"] = "paid";
  EXPECT_TRUE(HasPaymentToRefund(context));
  context["refund"] = json::object{{"refund_id", "rf-1"}};
  EXPECT_FALSE(HasPaymentToRefund(context));
}

// ---- Context updates ----------------------------------------------------------------------------------------

TEST(OrderContextTest, RememberCreatesTheSection) {
  json::object context{{"order_id", "order-1"}};
  Remember(context, "payment", {{"payment_id", "pay-1"}});
  EXPECT_EQ(context.at("payment"), json::value(json::object{{"payment_id", "pay-1"}}));
}

TEST(OrderContextTest, RememberMergesOverExistingSection) {
  json::object context{{"payment", json::object{{"payment_id", "pay-1"}, {"status", "created"}}}};
  Remember(context, "payment", {{"status", "paid"}, {"transaction_id", "tx-1"}});
  EXPECT_EQ(context.at("payment"),
            json::value(json::object{{"payment_id", "pay-1"}, {"status", "paid"}, {"transaction_id", "tx-1"}}));
}

TEST(OrderContextTest, RememberReplacesANonObjectSection) {
  json::object context{{"shipment", "pending"}};
  Remember(context, "shipment", {{"carrier", "DHL"}});
  EXPECT_EQ(context.at("shipment"), json::value(json::object{{"carrier", "DHL"}}));
}

TEST(OrderContextTest, RememberFailureStoresTheFailure) {
  json::object context{{"order_id", "order-1"}, {"failure", json::object{{"code", "old"}}}};
  RememberFailure(context, {{"step", "payment.create"}, {"code", "declined"}, {"message", "card"}});
  EXPECT_EQ(context.at("failure"),
            json::value(json::object{{"step", "payment.create"}, {"code", "declined"}, {"message", "card"}}));
  EXPECT_EQ(context.at("order_id"), json::value("order-1"));
}

TEST(OrderContextTest, UndoIsLastInFirstOut) {
  json::object context{{"order_id", "order-1"}};
  EXPECT_FALSE(HasUndo(context));
  PushUndo(context, "inventory.release");
  PushUndo(context, "coupon.unfreeze");
  PushUndo(context, "points.unfreeze");
  EXPECT_TRUE(HasUndo(context));
  EXPECT_EQ(PopUndo(context), "points.unfreeze");
  EXPECT_EQ(PopUndo(context), "coupon.unfreeze");
  EXPECT_TRUE(HasUndo(context));
  EXPECT_EQ(PopUndo(context), "inventory.release");
  EXPECT_FALSE(HasUndo(context));
}

TEST(OrderContextTest, PopUndoOnEmptyOrMissingListIsEmpty) {
  json::object context{{"order_id", "order-1"}};
  EXPECT_EQ(PopUndo(context), "");
  context["undo"] = json::array{};
  EXPECT_EQ(PopUndo(context), "");
  context["undo"] = "inventory.release";  // not a list
  EXPECT_FALSE(HasUndo(context));
  EXPECT_EQ(PopUndo(context), "");
}

TEST(OrderContextTest, UndoIsStoredInTheContext) {
  json::object context;
  PushUndo(context, "inventory.release");
  EXPECT_EQ(context.at("undo"), json::value(json::array{"inventory.release"}));
}

TEST(OrderContextTest, OrderEventBodyHasOrderUserAmountAndState) {
  EXPECT_EQ(J(OrderEventBody(Context(), "awaiting_payment")), J({{"order_id", "order-1"},
                                                                 {"state", "awaiting_payment"},
                                                                 {"user_id", "user-1"},
                                                                 {"amount_cents", 2500}}));
}

TEST(OrderContextTest, OrderEventBodyOmitsUnknownUserAndAmount) {
  EXPECT_EQ(J(OrderEventBody({{"order_id", "order-1"}}, "compensated")),
            J({{"order_id", "order-1"}, {"state", "compensated"}}));
}

}  // namespace
}  // namespace sagaflow::workflows::order
