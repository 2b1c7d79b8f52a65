#pragma once
// The order saga as a Boost.MSM machine (DESIGN.md "Domain rules", forward flow).
// Step states dispatch their step on entry; actions only record facts in the context and
// emit domain events; every forward step that holds something pushes its compensation onto
// context.undo, and `compensating` pops and runs them in reverse order. Cancellation (by the
// user, or when the payment window closes) runs as a child saga of type "cancellation".
// Included only by order_workflow.cpp (MSM is costly to compile).

#include "workflows/msm_support.hpp"
#include "workflows/order_steps.hpp"

namespace sagaflow::workflows::order {

namespace ms = msm_support;
using boost::msm::front::none;
using boost::msm::front::Row;

// ---- Events: facts, in past tense -------------------------------------------------------
struct OrderPriced : ms::EventBase {};
struct PricingRefused : ms::EventBase {};
struct InventoryReserved : ms::EventBase {};
struct InventoryReserveFailed : ms::EventBase {};
struct CouponFrozen : ms::EventBase {};
struct PointsFrozen : ms::EventBase {};
struct HoldFailed : ms::EventBase {};  //!< coupon or points freeze, or payment order, refused
struct PaymentOrderCreated : ms::EventBase {};
struct PaymentReceived : ms::EventBase {};
struct PaymentQueryDue : ms::EventBase {};
struct PaymentQueried : ms::EventBase {};
struct PaymentQueryFailed : ms::EventBase {};
struct PaymentWindowClosed : ms::EventBase {};
struct CancelRequested : ms::EventBase {};
struct InventoryConfirmed : ms::EventBase {};
struct CouponConsumed : ms::EventBase {};
struct PointsConsumed : ms::EventBase {};
struct ShipmentRequested : ms::EventBase {};
struct ShipmentRecorded : ms::EventBase {};
struct ReceiptConfirmed : ms::EventBase {};  //!< by the user, or by the auto-confirm timer
struct UndoStepDone : ms::EventBase {};
struct CancellationDone : ms::EventBase {};
struct PaymentRefunded : ms::EventBase {};

// ---- The front-end: what actions and states may use -----------------------------------------
struct OrderMachineDef;
using Fsm = boost::msm::back::state_machine<OrderMachineDef>;

// ---- States ------------------------------------------------------------------------------
SAGAFLOW_STEP_STATE(Pricing, "pricing", "catalog.price", PricePayload);
SAGAFLOW_STEP_STATE(ReservingInventory, "reserving_inventory", "inventory.reserve", ReservePayload);
SAGAFLOW_STEP_STATE(FreezingCoupon, "freezing_coupon", "coupon.freeze", CouponFreezePayload);
SAGAFLOW_STEP_STATE(FreezingPoints, "freezing_points", "points.freeze", PointsFreezePayload);
SAGAFLOW_STEP_STATE(CreatingPayment, "creating_payment", "payment.create", CreatePaymentPayload);
SAGAFLOW_STEP_STATE(QueryingPayment, "querying_payment", "payment.query", PaymentQueryPayload);
SAGAFLOW_STEP_STATE(ConfirmingInventory, "confirming_inventory", "inventory.confirm", OrderOnlyPayload);
SAGAFLOW_STEP_STATE(ConsumingCoupon, "consuming_coupon", "coupon.consume", OrderOnlyPayload);
SAGAFLOW_STEP_STATE(ConsumingPoints, "consuming_points", "points.consume", OrderOnlyPayload);
SAGAFLOW_STEP_STATE(RecordingShipment, "recording_shipment", "logistics.record_shipment", RecordShipmentPayload);
SAGAFLOW_STEP_STATE(RefundingPayment, "refunding_payment", "payment.refund", RefundPayload);
SAGAFLOW_PLAIN_STATE(AwaitingShipment, "awaiting_shipment", SagaStatus::kWaiting);
SAGAFLOW_PLAIN_STATE(Completed, "completed", SagaStatus::kCompleted);
SAGAFLOW_PLAIN_STATE(Compensated, "compensated", SagaStatus::kCompensated);
SAGAFLOW_PLAIN_STATE(Cancelled, "cancelled", SagaStatus::kCompensated);
SAGAFLOW_PLAIN_STATE(Failed, "failed", SagaStatus::kFailed);


//! Waits for the callback; asks the channel every payment_query_interval meanwhile, for
//! payment_query_max at most.
struct AwaitingPayment : ms::SagaState<SagaStatus::kWaiting> {
  static constexpr std::string_view name = "awaiting_payment";
  template <class Event, class Machine>
  void on_entry(Event const&, Machine& fsm) {
    if (PaymentQueriesLeft(*fsm.context, *fsm.options)) {
      fsm.SetTimer("payment_query", fsm.options->payment_query_interval);
    }
  }
};
//! Shipped: waits for the user, or auto-confirms after auto_confirm_after.
struct AwaitingReceipt : ms::SagaState<SagaStatus::kWaiting> {
  static constexpr std::string_view name = "awaiting_receipt";
  template <class Event, class Machine>
  void on_entry(Event const&, Machine& fsm) {
    fsm.SetTimer("auto_confirm", fsm.options->auto_confirm_after);
  }
};
//! Runs the next compensation from context.undo (the last hold taken is undone first).
struct Compensating : ms::SagaState<SagaStatus::kRunning> {
  static constexpr std::string_view name = "compensating";
  template <class Event, class Machine>
  void on_entry(Event const&, Machine& fsm) {
    fsm.Dispatch(PopUndo(*fsm.context), OrderOnlyPayload(*fsm.context));
  }
};
//! The cancellation saga runs; this order waits for it to end.
struct Cancelling : ms::SagaState<SagaStatus::kWaiting> {
  static constexpr std::string_view name = "cancelling";
  template <class Event, class Machine>
  void on_entry(Event const&, Machine& fsm) {
    fsm.StartChild("cancellation", CancellationInput(*fsm.context));
  }
};

// ---- Actions --------------------------------------------------------------------------------
#define SAGAFLOW_ACTION(Type, body)                                                   \
  struct Type {                                                                       \
    template <class Event, class Machine, class Source, class Target>                 \
    void operator()(Event const& event, Machine& fsm, Source&, Target&) const {       \
      json::object& context = *fsm.context;                                           \
      const json::object& payload = *event.payload;                                   \
      (void)payload;                                                                  \
      body;                                                                           \
    }                                                                                 \
  }
#define SAGAFLOW_GUARD(Type, expression)                                              \
  struct Type {                                                                       \
    template <class Event, class Machine, class Source, class Target>                 \
    bool operator()(Event const& event, Machine& fsm, Source&, Target&) const {       \
      const json::object& context = *fsm.context;                                     \
      const json::object& payload = *event.payload;                                   \
      (void)context;                                                                  \
      (void)payload;                                                                  \
      return expression;                                                              \
    }                                                                                 \
  }

SAGAFLOW_ACTION(RecordPrice, Remember(context, "price", payload);
                context["amount_cents"] = IntOr(payload, "total_cents", 0));
//! A step failed after holds were taken: they are undone, and so is the failed step's own
//! hold if it may have been taken (its outcome unknown).
SAGAFLOW_ACTION(RecordFailure, RememberFailure(context, payload); PushUndoOfUncertainHold(context, payload));
//! A refusal that ends the order at once (nothing held yet): record it and tell the world.
SAGAFLOW_ACTION(RecordRefusal, RememberFailure(context, payload);
                fsm.Publish("order.failed", EnterOrderState(context, "failed")));
SAGAFLOW_ACTION(RecordReservation, Remember(context, "reservation", payload); PushUndo(context, "inventory.release"));
SAGAFLOW_ACTION(RecordCoupon, PushUndo(context, "coupon.unfreeze"));
SAGAFLOW_ACTION(RecordPoints, PushUndo(context, "points.unfreeze"));
SAGAFLOW_ACTION(RecordPaymentOrder, Remember(context, "payment", payload);
                fsm.SetTimer("payment_window", fsm.options->payment_window);
                fsm.Publish("order.created", EnterOrderState(context, "created")));
SAGAFLOW_ACTION(RecordPayment, Remember(context, "payment", payload); context.erase("undo");
                fsm.CancelTimer("payment_window"); fsm.CancelTimer("payment_query"));
//! Stock deducted, coupon and points consumed: the order is paid and ready to ship.
SAGAFLOW_ACTION(AnnouncePaid, fsm.Publish("order.paid", EnterOrderState(context, "paid")));
SAGAFLOW_ACTION(RecordFreeOrder, Remember(context, "payment", payload); context.erase("undo");
                fsm.Publish("order.created", EnterOrderState(context, "created")));
SAGAFLOW_ACTION(CountQuery, context["payment_queries"] = IntOr(context, "payment_queries", 0) + 1);
SAGAFLOW_ACTION(CancelForTimeout, context["cancel_reason"] = "payment_timeout"; fsm.CancelTimer("payment_query"));
SAGAFLOW_ACTION(CancelForUser, context["cancel_reason"] = "user"; fsm.CancelTimer("payment_window");
                fsm.CancelTimer("payment_query"));
SAGAFLOW_ACTION(RecordShipmentRequest, Remember(context, "shipment", payload));
SAGAFLOW_ACTION(RecordShipment, Remember(context, "shipment", payload);
                fsm.Publish("order.shipped", EnterOrderState(context, "shipped")));
SAGAFLOW_ACTION(RecordCompletion, context["received"] = payload.contains("timer") ? json::value("auto") : json::value("user");
                fsm.CancelTimer("auto_confirm"); fsm.Publish("order.completed", EnterOrderState(context, "completed")));
SAGAFLOW_ACTION(RecordCompensation, fsm.Publish("order.failed", EnterOrderState(context, "failed")));
SAGAFLOW_ACTION(RecordCancellation, if (StringOr(payload, "payment_status") == "paid") {
                  Remember(context, "payment", json::object{{"status", "paid"}});
                } fsm.Publish("order.cancelled", EnterOrderState(context, "cancelled")));
//! A payment for an order that is (being) cancelled: kept, to be refunded, never applied.
SAGAFLOW_ACTION(RecordLatePayment, Remember(context, "payment", payload); context["late_payment"] = payload);
SAGAFLOW_ACTION(RecordRefund, context["refund"] = payload;
                fsm.Publish("order.refunded", OrderEventBody(context, "cancelled")));

SAGAFLOW_GUARD(CouponNext, UsesCoupon(context));
SAGAFLOW_GUARD(PointsNext, !UsesCoupon(context) && UsesPoints(context));
SAGAFLOW_GUARD(NoBenefits, !UsesCoupon(context) && !UsesPoints(context));
SAGAFLOW_GUARD(PointsUsed, UsesPoints(context));
SAGAFLOW_GUARD(NoPointsUsed, !UsesPoints(context));
SAGAFLOW_GUARD(PaidInFull, AmountMatches(context, payload));
//! Discounts covered everything: the payment worker answers "paid" without a payment order.
SAGAFLOW_GUARD(NothingToPay, StringOr(payload, "status") == "paid");
SAGAFLOW_GUARD(PaymentDue, StringOr(payload, "status") != "paid");
SAGAFLOW_GUARD(QueryFoundPayment, StringOr(payload, "status") == "paid" && AmountMatches(context, payload));
SAGAFLOW_GUARD(QueryFoundNothing, StringOr(payload, "status") != "paid");
SAGAFLOW_GUARD(QueriesLeft, PaymentQueriesLeft(context, *fsm.options));
SAGAFLOW_GUARD(TookNothing, !OutcomeUnknown(payload));
SAGAFLOW_GUARD(MayHaveTakenStock, OutcomeUnknown(payload));
SAGAFLOW_GUARD(MoreToUndo, HasUndo(context));
SAGAFLOW_GUARD(NothingToUndo, !HasUndo(context));
SAGAFLOW_GUARD(MustRefund, HasPaymentToRefund(context) || StringOr(payload, "payment_status") == "paid");
SAGAFLOW_GUARD(NothingToRefund, !HasPaymentToRefund(context) && StringOr(payload, "payment_status") != "paid");

#undef SAGAFLOW_ACTION
#undef SAGAFLOW_GUARD

// ---- The machine ----------------------------------------------------------------------------
struct OrderMachineDef : ms::SagaFrontEnd<OrderMachineDef> {
  using initial_state = Pricing;
  const OrderOptions* options = nullptr;

  // clang-format off
  struct transition_table : boost::mpl::vector41<
    //  Start                Event                Next                 Action                  Guard
    Row<Pricing,             OrderPriced,         ReservingInventory,  RecordPrice,            none>,
    Row<Pricing,             PricingRefused,      Failed,              RecordRefusal,          none>,
    // ---- holds: inventory, coupon, points; any refusal unwinds the ones taken ---------------
    Row<ReservingInventory,  InventoryReserved,   FreezingCoupon,      RecordReservation,      CouponNext>,
    Row<ReservingInventory,  InventoryReserved,   FreezingPoints,      RecordReservation,      PointsNext>,
    Row<ReservingInventory,  InventoryReserved,   CreatingPayment,     RecordReservation,      NoBenefits>,
    Row<ReservingInventory,  InventoryReserveFailed, Compensated,      RecordRefusal,          TookNothing>,
    Row<ReservingInventory,  InventoryReserveFailed, Compensating,     RecordFailure,          MayHaveTakenStock>,
    Row<FreezingCoupon,      CouponFrozen,        FreezingPoints,      RecordCoupon,           PointsUsed>,
    Row<FreezingCoupon,      CouponFrozen,        CreatingPayment,     RecordCoupon,           NoPointsUsed>,
    Row<FreezingCoupon,      HoldFailed,          Compensating,        RecordFailure,          none>,
    Row<FreezingPoints,      PointsFrozen,        CreatingPayment,     RecordPoints,           none>,
    Row<FreezingPoints,      HoldFailed,          Compensating,        RecordFailure,          none>,
    Row<CreatingPayment,     PaymentOrderCreated, AwaitingPayment,     RecordPaymentOrder,     PaymentDue>,
    Row<CreatingPayment,     PaymentOrderCreated, ConfirmingInventory, RecordFreeOrder,        NothingToPay>,
    Row<CreatingPayment,     HoldFailed,          Compensating,        RecordFailure,          none>,
    Row<Compensating,        UndoStepDone,        Compensating,        none,                   MoreToUndo>,
    Row<Compensating,        UndoStepDone,        Compensated,         RecordCompensation,     NothingToUndo>,
    // ---- payment: callback, active query, window, user cancel -------------------------------
    Row<AwaitingPayment,     PaymentReceived,     ConfirmingInventory, RecordPayment,          PaidInFull>,
    Row<AwaitingPayment,     PaymentQueryDue,     QueryingPayment,     CountQuery,             QueriesLeft>,
    Row<AwaitingPayment,     PaymentWindowClosed, Cancelling,          CancelForTimeout,       none>,
    Row<AwaitingPayment,     CancelRequested,     Cancelling,          CancelForUser,          none>,
    Row<QueryingPayment,     PaymentQueried,      ConfirmingInventory, RecordPayment,          QueryFoundPayment>,
    Row<QueryingPayment,     PaymentQueried,      AwaitingPayment,     none,                   QueryFoundNothing>,
    Row<QueryingPayment,     PaymentQueryFailed,  AwaitingPayment,     none,                   none>,
    Row<QueryingPayment,     PaymentReceived,     ConfirmingInventory, RecordPayment,          PaidInFull>,
    Row<QueryingPayment,     PaymentWindowClosed, Cancelling,          CancelForTimeout,       none>,
    Row<QueryingPayment,     CancelRequested,     Cancelling,          CancelForUser,          none>,
    // ---- paid: make the holds permanent, then fulfil ------------------------------------------
    Row<ConfirmingInventory, InventoryConfirmed,  ConsumingCoupon,     none,                   CouponNext>,
    Row<ConfirmingInventory, InventoryConfirmed,  ConsumingPoints,     none,                   PointsNext>,
    Row<ConfirmingInventory, InventoryConfirmed,  AwaitingShipment,    AnnouncePaid,           NoBenefits>,
    Row<ConsumingCoupon,     CouponConsumed,      ConsumingPoints,     none,                   PointsUsed>,
    Row<ConsumingCoupon,     CouponConsumed,      AwaitingShipment,    AnnouncePaid,           NoPointsUsed>,
    Row<ConsumingPoints,     PointsConsumed,      AwaitingShipment,    AnnouncePaid,           none>,
    Row<AwaitingShipment,    ShipmentRequested,   RecordingShipment,   RecordShipmentRequest,  none>,
    Row<RecordingShipment,   ShipmentRecorded,    AwaitingReceipt,     RecordShipment,         none>,
    Row<AwaitingReceipt,     ReceiptConfirmed,    Completed,           RecordCompletion,       none>,
    // ---- cancellation; a payment that arrives after it is refunded, never applied ------------
    Row<Cancelling,          PaymentReceived,     none,                RecordLatePayment,      none>,  // internal
    Row<Cancelling,          CancellationDone,    Cancelled,           RecordCancellation,     NothingToRefund>,
    Row<Cancelling,          CancellationDone,    RefundingPayment,    RecordCancellation,     MustRefund>,
    Row<Cancelled,           PaymentReceived,     RefundingPayment,    RecordLatePayment,      none>,
    Row<RefundingPayment,    PaymentRefunded,     Cancelled,           RecordRefund,           none>
  > {};
  // clang-format on
};

using OrderMachine = Fsm;

}  // namespace sagaflow::workflows::order
