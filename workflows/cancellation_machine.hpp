#pragma once
// The cancellation saga (reverse flow of an unpaid order): close the payment order at the
// channel, release the inventory (TCC cancel), unfreeze the coupon, unfreeze the points.
// Started by an order saga (user cancel, or its payment window closing); when it ends the
// engine tells the order ("cancellation.completed"). A close the channel refuses because
// the payment went through is recorded (payment_status "paid"): the order then refunds it.
// Included only by cancellation_workflow.cpp.

#include "workflows/msm_support.hpp"

namespace sagaflow::workflows::cancellation {

namespace ms = msm_support;
using boost::msm::front::none;
using boost::msm::front::Row;

struct PaymentClosed : ms::EventBase {};
struct PaymentCloseRefused : ms::EventBase {};
struct InventoryReleased : ms::EventBase {};
struct CouponUnfrozen : ms::EventBase {};
struct PointsUnfrozen : ms::EventBase {};

inline json::object OrderPayload(const json::object& context) { return {{"order_id", context.at("order_id")}}; }
inline json::object ClosePayload(const json::object& context) {
  return {{"order_id", context.at("order_id")}, {"payment_id", StringOr(context, "payment_id")}};
}
inline bool Holds(const json::object& context, std::string_view what) {
  auto it = context.find(what);
  return it != context.end() && it->value().is_bool() && it->value().as_bool();
}

SAGAFLOW_STEP_STATE(ClosingPayment, "closing_payment", "payment.close", ClosePayload);
SAGAFLOW_STEP_STATE(ReleasingInventory, "releasing_inventory", "inventory.release", OrderPayload);
SAGAFLOW_STEP_STATE(UnfreezingCoupon, "unfreezing_coupon", "coupon.unfreeze", OrderPayload);
SAGAFLOW_STEP_STATE(UnfreezingPoints, "unfreezing_points", "points.unfreeze", OrderPayload);
SAGAFLOW_PLAIN_STATE(Done, "completed", SagaStatus::kCompleted);

struct RecordClosed {
  template <class Event, class Machine, class Source, class Target>
  void operator()(Event const&, Machine& fsm, Source&, Target&) const {
    (*fsm.context)["payment_status"] = "closed";
  }
};
//! The channel refuses to close a paid payment (409): the order must refund it.
struct RecordCloseRefusal {
  template <class Event, class Machine, class Source, class Target>
  void operator()(Event const& event, Machine& fsm, Source&, Target&) const {
    const bool paid = StringOr(*event.payload, "code") == "payment_conflict";
    (*fsm.context)["payment_status"] = paid ? "paid" : "unknown";
    (*fsm.context)["close_refusal"] = *event.payload;
  }
};
struct CouponHeld {
  template <class Event, class Machine, class Source, class Target>
  bool operator()(Event const&, Machine& fsm, Source&, Target&) const { return Holds(*fsm.context, "coupon"); }
};
struct OnlyPointsHeld {
  template <class Event, class Machine, class Source, class Target>
  bool operator()(Event const&, Machine& fsm, Source&, Target&) const {
    return !Holds(*fsm.context, "coupon") && Holds(*fsm.context, "points");
  }
};
struct PointsHeld {
  template <class Event, class Machine, class Source, class Target>
  bool operator()(Event const&, Machine& fsm, Source&, Target&) const { return Holds(*fsm.context, "points"); }
};
struct NothingHeld {
  template <class Event, class Machine, class Source, class Target>
  bool operator()(Event const&, Machine& fsm, Source&, Target&) const {
    return !Holds(*fsm.context, "coupon") && !Holds(*fsm.context, "points");
  }
};
struct NoPointsHeld {
  template <class Event, class Machine, class Source, class Target>
  bool operator()(Event const&, Machine& fsm, Source&, Target&) const { return !Holds(*fsm.context, "points"); }
};

struct CancellationMachineDef : ms::SagaFrontEnd<CancellationMachineDef> {
  using initial_state = ClosingPayment;

  // clang-format off
  struct transition_table : boost::mpl::vector<
    //  Start               Event                Next                Action              Guard
    Row<ClosingPayment,     PaymentClosed,       ReleasingInventory, RecordClosed,       none>,
    Row<ClosingPayment,     PaymentCloseRefused, ReleasingInventory, RecordCloseRefusal, none>,
    Row<ReleasingInventory, InventoryReleased,   UnfreezingCoupon,   none,               CouponHeld>,
    Row<ReleasingInventory, InventoryReleased,   UnfreezingPoints,   none,               OnlyPointsHeld>,
    Row<ReleasingInventory, InventoryReleased,   Done,               none,               NothingHeld>,
    Row<UnfreezingCoupon,   CouponUnfrozen,      UnfreezingPoints,   none,               PointsHeld>,
    Row<UnfreezingCoupon,   CouponUnfrozen,      Done,               none,               NoPointsHeld>,
    Row<UnfreezingPoints,   PointsUnfrozen,      Done,               none,               none>
  > {};
  // clang-format on
};

using CancellationMachine = boost::msm::back::state_machine<CancellationMachineDef>;

}  // namespace sagaflow::workflows::cancellation
