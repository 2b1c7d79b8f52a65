// The only translation unit that instantiates the cancellation machine.
#include "workflows/cancellation_workflow.hpp"

#include "workflows/cancellation_machine.hpp"

namespace sagaflow::workflows {
namespace {

using cancellation::CancellationMachine;
namespace ms = msm_support;

class CancellationWorkflow final : public ms::MachineWorkflow<CancellationMachine> {
 public:
  std::string_view type() const override { return "cancellation"; }

  Result<StartPlan> Prepare(const json::object& input) const override {
    auto order_id = GetString(input, "order_id");
    if (!order_id.ok()) return order_id.status();
    if (order_id->empty()) return Status::InvalidArgument("order_id", "must not be empty");
    return StartPlan{order_id.value(), input};
  }

  Status ValidateSignal(std::string_view name, const json::object&) const override {
    return Status::InvalidArgument("name", "cancellation sagas take no signals ('" + std::string(name) + "')");
  }

 protected:
  const ms::EventTable<CancellationMachine>& Events() const override {
    using namespace cancellation;  // NOLINT: event type names read better unqualified here
    static const ms::EventTable<CancellationMachine> kEvents{
        {"payment.close.succeeded", &ms::Fire<CancellationMachine, PaymentClosed>},
        {"payment.close.failed", &ms::Fire<CancellationMachine, PaymentCloseRefused>},
        {"inventory.release.succeeded", &ms::Fire<CancellationMachine, InventoryReleased>},
        {"coupon.unfreeze.succeeded", &ms::Fire<CancellationMachine, CouponUnfrozen>},
        {"points.unfreeze.succeeded", &ms::Fire<CancellationMachine, PointsUnfrozen>},
    };
    return kEvents;
  }
};

}  // namespace

std::unique_ptr<SagaWorkflow> MakeCancellationWorkflow() { return std::make_unique<CancellationWorkflow>(); }

}  // namespace sagaflow::workflows
