// The only translation unit that instantiates the order machine.
#include "workflows/order_workflow.hpp"

#include "common/ids.hpp"
#include "workflows/order_machine.hpp"

namespace sagaflow::workflows {
namespace ms = msm_support;
namespace {

using order::OrderMachine;

const ms::EventTable<OrderMachine>& Events() {
  using namespace order;  // NOLINT: event type names read better unqualified here
  static const ms::EventTable<OrderMachine> kEvents{
      {"inventory.reserve.succeeded", &ms::Fire<OrderMachine, InventoryReserved>},
      {"inventory.reserve.failed", &ms::Fire<OrderMachine, InventoryReserveFailed>},
      {"payment.create.succeeded", &ms::Fire<OrderMachine, PaymentOrderCreated>},
      {"payment.create.failed", &ms::Fire<OrderMachine, PaymentOrderFailed>},
      {"payment.succeeded", &ms::Fire<OrderMachine, PaymentReceived>},
      {"inventory.confirm.succeeded", &ms::Fire<OrderMachine, InventoryConfirmed>},
      {"signal.ship", &ms::Fire<OrderMachine, ShipmentRequested>},
      {"logistics.record_shipment.succeeded", &ms::Fire<OrderMachine, ShipmentRecorded>},
      {"signal.receive", &ms::Fire<OrderMachine, ReceiptConfirmed>},
      {"inventory.release.succeeded", &ms::Fire<OrderMachine, InventoryReleased>},
  };
  return kEvents;
}

}  // namespace

Result<StartPlan> OrderWorkflow::Prepare(const json::object& input) const {
  std::string order_id = NewUuid();
  auto context = order::ValidateOrderInput(input, order_id);
  if (!context.ok()) return context.status();
  return StartPlan{std::move(order_id), std::move(context.value())};
}

Result<Transition> OrderWorkflow::Start(json::object& context) const {
  OrderMachine machine;
  return ms::StartMachine(machine, context);
}

Result<Transition> OrderWorkflow::Apply(std::string_view state, const SagaEvent& event, json::object& context) const {
  OrderMachine machine;
  return ms::ApplyToMachine(machine, Events(), state, event, context);
}

Status OrderWorkflow::ValidateSignal(std::string_view name, const json::object& payload) const {
  if (name == "ship") return order::ValidateShipSignal(payload);
  if (name == "receive") return Status::Ok();
  return Status::InvalidArgument("name", "order sagas have no signal '" + std::string(name) + "' (known: ship, receive)");
}

Result<SagaStatus> OrderWorkflow::StatusOf(std::string_view state) const {
  const auto& table = ms::StateTable<OrderMachine>::Instance();
  const int id = table.IdOf(state);
  if (id < 0) return Status::NotFound("unknown state '" + std::string(state) + "'");
  return table.StatusOf(id);
}

}  // namespace sagaflow::workflows
