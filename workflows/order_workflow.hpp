#pragma once
// The "order" saga type: reserve inventory → create payment order → await the payment
// callback → confirm inventory → await the merchant's ship signal → record the shipment →
// await the user's receipt → completed. The table is in order_machine.hpp. Thread-safe.

#include "workflows/saga_workflow.hpp"

namespace sagaflow::workflows {

class OrderWorkflow final : public SagaWorkflow {
 public:
  std::string_view type() const override { return "order"; }
  Result<StartPlan> Prepare(const json::object& input) const override;
  Result<Transition> Start(json::object& context) const override;
  Result<Transition> Apply(std::string_view state, const SagaEvent& event, json::object& context) const override;
  Status ValidateSignal(std::string_view name, const json::object& payload) const override;
  Result<SagaStatus> StatusOf(std::string_view state) const override;
};

}  // namespace sagaflow::workflows
