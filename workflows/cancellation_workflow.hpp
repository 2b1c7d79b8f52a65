#pragma once
// The "cancellation" saga type (table in cancellation_machine.hpp). Started by an order
// saga as its child, keyed by the order id. Thread-safe.

#include <memory>

#include "workflows/saga_workflow.hpp"

namespace sagaflow::workflows {

//! The cancellation workflow (defined in cancellation_workflow.cpp, with its machine).
std::unique_ptr<SagaWorkflow> MakeCancellationWorkflow();

}  // namespace sagaflow::workflows
