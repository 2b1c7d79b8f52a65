#include "workflows/workflow_registry.hpp"

#include "workflows/cancellation_workflow.hpp"
#include "workflows/order_workflow.hpp"

namespace sagaflow::workflows {

WorkflowRegistry WorkflowRegistry::WithBuiltins(const order::OrderOptions& order_options) {
  WorkflowRegistry registry;
  registry.Register(MakeOrderWorkflow(order_options));
  registry.Register(MakeCancellationWorkflow());
  return registry;
}

void WorkflowRegistry::Register(std::unique_ptr<SagaWorkflow> workflow) {
  std::string name(workflow->type());
  workflows_[name] = std::move(workflow);
}

const SagaWorkflow* WorkflowRegistry::Find(std::string_view type) const {
  auto it = workflows_.find(type);
  return it == workflows_.end() ? nullptr : it->second.get();
}

}  // namespace sagaflow::workflows
