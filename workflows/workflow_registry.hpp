#pragma once
// The saga types sagad runs, by name. Built once at start; read-only afterwards: thread-safe.

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "workflows/order_steps.hpp"
#include "workflows/saga_workflow.hpp"

namespace sagaflow::workflows {

class WorkflowRegistry {
 public:
  //! A registry with every saga type that ships with sagaflow.
  static WorkflowRegistry WithBuiltins(const order::OrderOptions& order_options);
  void Register(std::unique_ptr<SagaWorkflow> workflow);
  //! nullptr if no saga type has this name.
  const SagaWorkflow* Find(std::string_view type) const;

 private:
  std::map<std::string, std::unique_ptr<SagaWorkflow>, std::less<>> workflows_;
};

}  // namespace sagaflow::workflows
