#pragma once
// The order saga as a Boost.MSM machine (forward flow of DESIGN.md "Domain rules").
// States dispatch their step on entry; actions only record facts in the context and emit
// domain events. Included only by order_workflow.cpp (MSM is costly to compile).

#include "workflows/msm_support.hpp"
#include "workflows/order_steps.hpp"

namespace sagaflow::workflows::order {

namespace ms = msm_support;
using boost::msm::front::none;
using boost::msm::front::Row;

// ---- Events: facts, in past tense -------------------------------------------------------
struct InventoryReserved : ms::EventBase {};
struct InventoryReserveFailed : ms::EventBase {};
struct PaymentOrderCreated : ms::EventBase {};
struct PaymentOrderFailed : ms::EventBase {};
struct PaymentReceived : ms::EventBase {};
struct InventoryConfirmed : ms::EventBase {};
struct ShipmentRequested : ms::EventBase {};
struct ShipmentRecorded : ms::EventBase {};
struct ReceiptConfirmed : ms::EventBase {};
struct InventoryReleased : ms::EventBase {};

// ---- States ------------------------------------------------------------------------------
#define SAGAFLOW_STEP_STATE(Type, state_name, step, payload_fn)           \
  struct Type : ms::SagaState<SagaStatus::kRunning> {                     \
    static constexpr std::string_view name = state_name;                  \
    template <class Event, class Fsm>                                     \
    void on_entry(Event const&, Fsm& fsm) {                               \
      fsm.Dispatch(step, payload_fn(*fsm.context));                       \
    }                                                                     \
  }
#define SAGAFLOW_PLAIN_STATE(Type, state_name, saga_status)               \
  struct Type : ms::SagaState<saga_status> {                              \
    static constexpr std::string_view name = state_name;                  \
  }

SAGAFLOW_STEP_STATE(ReservingInventory, "reserving_inventory", "inventory.reserve", ReservePayload);
SAGAFLOW_STEP_STATE(CreatingPayment, "creating_payment", "payment.create", CreatePaymentPayload);
SAGAFLOW_PLAIN_STATE(AwaitingPayment, "awaiting_payment", SagaStatus::kWaiting);
SAGAFLOW_STEP_STATE(ConfirmingInventory, "confirming_inventory", "inventory.confirm", OrderOnlyPayload);
SAGAFLOW_PLAIN_STATE(AwaitingShipment, "awaiting_shipment", SagaStatus::kWaiting);
SAGAFLOW_STEP_STATE(RecordingShipment, "recording_shipment", "logistics.record_shipment", RecordShipmentPayload);
SAGAFLOW_PLAIN_STATE(AwaitingReceipt, "awaiting_receipt", SagaStatus::kWaiting);
SAGAFLOW_PLAIN_STATE(Completed, "completed", SagaStatus::kCompleted);
SAGAFLOW_STEP_STATE(ReleasingInventory, "releasing_inventory", "inventory.release", OrderOnlyPayload);
SAGAFLOW_PLAIN_STATE(Compensated, "compensated", SagaStatus::kCompensated);

#undef SAGAFLOW_STEP_STATE
#undef SAGAFLOW_PLAIN_STATE

// ---- Actions and guards --------------------------------------------------------------------
//! context[Section] = event payload (merged).
template <const char* Section>
struct RememberAs {
  template <class Event, class Fsm, class Source, class Target>
  void operator()(Event const& event, Fsm& fsm, Source&, Target&) const {
    Remember(*fsm.context, Section, *event.payload);
  }
};
inline constexpr char kReservation[] = "reservation";
inline constexpr char kPayment[] = "payment";
inline constexpr char kShipment[] = "shipment";

struct RecordReservation {
  template <class Event, class Fsm, class Source, class Target>
  void operator()(Event const& event, Fsm& fsm, Source&, Target&) const {
    (*fsm.context)["amount_cents"] = IntOr(*event.payload, "amount_cents", 0);
    Remember(*fsm.context, kReservation, *event.payload);
  }
};
struct RecordFailure {
  template <class Event, class Fsm, class Source, class Target>
  void operator()(Event const& event, Fsm& fsm, Source&, Target&) const {
    RememberFailure(*fsm.context, *event.payload);
  }
};
//! Records the fact, then publishes the domain event `order.<kEvent>` to order.events.
template <class Record, const char* kEvent>
struct AndPublish {
  template <class Event, class Fsm, class Source, class Target>
  void operator()(Event const& event, Fsm& fsm, Source& source, Target& target) const {
    Record{}(event, fsm, source, target);
    fsm.Publish("order." + std::string(kEvent), OrderEventBody(*fsm.context, Target::name));
  }
};
inline constexpr char kCreated[] = "created";
inline constexpr char kPaid[] = "paid";
inline constexpr char kShipped[] = "shipped";
inline constexpr char kCompleted[] = "completed";
inline constexpr char kFailed[] = "failed";
struct Nothing {
  template <class Event, class Fsm, class Source, class Target>
  void operator()(Event const&, Fsm&, Source&, Target&) const {}
};
//! The channel's amount must equal the order's amount, or the payment is not this order's.
struct AmountMatches {
  template <class Event, class Fsm, class Source, class Target>
  bool operator()(Event const& event, Fsm& fsm, Source&, Target&) const {
    return IntOr(*event.payload, "amount_cents", -1) == IntOr(*fsm.context, "amount_cents", -2);
  }
};

// ---- The machine ----------------------------------------------------------------------------
struct OrderMachineDef : ms::SagaFrontEnd<OrderMachineDef> {
  using initial_state = ReservingInventory;

  // clang-format off
  struct transition_table : boost::mpl::vector<
    //  Start                Event                 Next                 Action                                Guard
    Row<ReservingInventory,  InventoryReserved,    CreatingPayment,     RecordReservation,                    none>,
    Row<ReservingInventory,  InventoryReserveFailed, Compensated,       AndPublish<RecordFailure, kFailed>,   none>,
    // --------------------------------------------------------------------------------------------------------
    Row<CreatingPayment,     PaymentOrderCreated,  AwaitingPayment,     AndPublish<RememberAs<kPayment>, kCreated>, none>,
    Row<CreatingPayment,     PaymentOrderFailed,   ReleasingInventory,  RecordFailure,                        none>,
    // --------------------------------------------------------------------------------------------------------
    Row<AwaitingPayment,     PaymentReceived,      ConfirmingInventory, AndPublish<RememberAs<kPayment>, kPaid>, AmountMatches>,
    Row<ConfirmingInventory, InventoryConfirmed,   AwaitingShipment,    Nothing,                              none>,
    Row<AwaitingShipment,    ShipmentRequested,    RecordingShipment,   RememberAs<kShipment>,                none>,
    Row<RecordingShipment,   ShipmentRecorded,     AwaitingReceipt,     AndPublish<RememberAs<kShipment>, kShipped>, none>,
    Row<AwaitingReceipt,     ReceiptConfirmed,     Completed,           AndPublish<Nothing, kCompleted>,      none>,
    // --------------------------------------------------------------------------------------------------------
    Row<ReleasingInventory,  InventoryReleased,    Compensated,         AndPublish<Nothing, kFailed>,         none>
  > {};
  // clang-format on
};

using OrderMachine = boost::msm::back::state_machine<OrderMachineDef>;

}  // namespace sagaflow::workflows::order
