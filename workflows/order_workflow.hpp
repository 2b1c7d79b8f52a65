#pragma once
// The "order" saga type: price → reserve inventory → freeze coupon → freeze points → create
// the payment order → await payment (callback, active query, payment window) → confirm
// inventory → consume coupon and points → await the merchant's ship signal → record the
// shipment → await receipt (or auto-confirm) → completed. Cancellation runs as a child
// "cancellation" saga. The table is in order_machine.hpp. Thread-safe.

#include <memory>

#include "workflows/order_steps.hpp"
#include "workflows/saga_workflow.hpp"

namespace sagaflow::workflows {

//! The order workflow with these timers (defined in order_workflow.cpp, with its machine).
std::unique_ptr<SagaWorkflow> MakeOrderWorkflow(const order::OrderOptions& options);

}  // namespace sagaflow::workflows
