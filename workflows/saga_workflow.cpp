#include "workflows/saga_workflow.hpp"

namespace sagaflow::workflows {

std::string_view SagaStatusName(SagaStatus status) {
  switch (status) {
    case SagaStatus::kRunning: return "running";
    case SagaStatus::kWaiting: return "waiting";
    case SagaStatus::kCompleted: return "completed";
    case SagaStatus::kCompensated: return "compensated";
    case SagaStatus::kFailed: return "failed";
    case SagaStatus::kStuck: return "stuck";
  }
  return "unknown";
}

bool IsTerminal(SagaStatus status) {
  return status == SagaStatus::kCompleted || status == SagaStatus::kCompensated || status == SagaStatus::kFailed;
}

}  // namespace sagaflow::workflows
