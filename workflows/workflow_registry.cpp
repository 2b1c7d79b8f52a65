#include "workflows/workflow_registry.hpp"

#include "workflows/order_workflow.hpp"

namespace sagaflow::workflows {

WorkflowRegistry WorkflowRegistry::WithBuiltins() {
  WorkflowRegistry registry;
  registry.Register(std::make_unique<OrderWorkflow>());
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
