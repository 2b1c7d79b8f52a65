// The only translation unit that instantiates the order machine.
#include "workflows/order_workflow.hpp"

#include "common/ids.hpp"
#include "workflows/order_machine.hpp"

namespace sagaflow::workflows {
namespace {

using order::OrderMachine;
namespace ms = msm_support;

class OrderWorkflow final : public ms::MachineWorkflow<OrderMachine> {
 public:
  explicit OrderWorkflow(const order::OrderOptions& options) : options_(options) {}

  std::string_view type() const override { return "order"; }

  Result<StartPlan> Prepare(const json::object& input) const override {
    std::string order_id = NewUuid();
    auto context = order::ValidateOrderInput(input, order_id);
    if (!context.ok()) return context.status();
    return StartPlan{std::move(order_id), std::move(context.value())};
  }

  Status ValidateSignal(std::string_view name, const json::object& payload) const override {
    if (name == "ship") return order::ValidateShipSignal(payload);
    if (name == "receive" || name == "cancel") return Status::Ok();
    return Status::InvalidArgument(
        "name", "order sagas have no signal '" + std::string(name) + "' (known: ship, receive, cancel)");
  }

 protected:
  const ms::EventTable<OrderMachine>& Events() const override {
    using namespace order;  // NOLINT: event type names read better unqualified here
    static const ms::EventTable<OrderMachine> kEvents{
        {"catalog.price.succeeded", &ms::Fire<OrderMachine, OrderPriced>},
        {"catalog.price.failed", &ms::Fire<OrderMachine, PricingRefused>},
        {"inventory.reserve.succeeded", &ms::Fire<OrderMachine, InventoryReserved>},
        {"inventory.reserve.failed", &ms::Fire<OrderMachine, InventoryReserveFailed>},
        {"coupon.freeze.succeeded", &ms::Fire<OrderMachine, CouponFrozen>},
        {"coupon.freeze.failed", &ms::Fire<OrderMachine, HoldFailed>},
        {"points.freeze.succeeded", &ms::Fire<OrderMachine, PointsFrozen>},
        {"points.freeze.failed", &ms::Fire<OrderMachine, HoldFailed>},
        {"payment.create.succeeded", &ms::Fire<OrderMachine, PaymentOrderCreated>},
        {"payment.create.failed", &ms::Fire<OrderMachine, HoldFailed>},
        {"payment.succeeded", &ms::Fire<OrderMachine, PaymentReceived>},
        {"timer.payment_query", &ms::Fire<OrderMachine, PaymentQueryDue>},
        {"payment.query.succeeded", &ms::Fire<OrderMachine, PaymentQueried>},
        {"payment.query.failed", &ms::Fire<OrderMachine, PaymentQueryFailed>},
        {"timer.payment_window", &ms::Fire<OrderMachine, PaymentWindowClosed>},
        {"signal.cancel", &ms::Fire<OrderMachine, CancelRequested>},
        {"inventory.confirm.succeeded", &ms::Fire<OrderMachine, InventoryConfirmed>},
        {"coupon.consume.succeeded", &ms::Fire<OrderMachine, CouponConsumed>},
        {"points.consume.succeeded", &ms::Fire<OrderMachine, PointsConsumed>},
        {"signal.ship", &ms::Fire<OrderMachine, ShipmentRequested>},
        {"logistics.record_shipment.succeeded", &ms::Fire<OrderMachine, ShipmentRecorded>},
        {"signal.receive", &ms::Fire<OrderMachine, ReceiptConfirmed>},
        {"timer.auto_confirm", &ms::Fire<OrderMachine, ReceiptConfirmed>},
        {"inventory.release.succeeded", &ms::Fire<OrderMachine, UndoStepDone>},
        {"coupon.unfreeze.succeeded", &ms::Fire<OrderMachine, UndoStepDone>},
        {"points.unfreeze.succeeded", &ms::Fire<OrderMachine, UndoStepDone>},
        {"payment.close.succeeded", &ms::Fire<OrderMachine, UndoStepDone>},
        {"cancellation.completed", &ms::Fire<OrderMachine, CancellationDone>},
        {"payment.refund.succeeded", &ms::Fire<OrderMachine, PaymentRefunded>},
    };
    return kEvents;
  }

  void Configure(OrderMachine& machine) const override { machine.options = &options_; }

 private:
  const order::OrderOptions options_;
};

}  // namespace

std::unique_ptr<SagaWorkflow> MakeOrderWorkflow(const order::OrderOptions& options) {
  return std::make_unique<OrderWorkflow>(options);
}

}  // namespace sagaflow::workflows
