#pragma once
// What the engine needs from a saga definition. A workflow is a pure function of
// (state, event, context): it decides the next state and which step, timers and domain
// events follow, and never does I/O. The engine persists the result in one transaction.
// Implementations are immutable after construction: thread-safe.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"
#include "common/status.hpp"

namespace sagaflow::workflows {

//! The `code` of a `<step>.failed` event the engine raises itself when it stops sending a
//! step: `max_attempts` sends without a reply, or `retry` answers to all of them.
inline constexpr std::string_view kRetriesExhausted = "retries_exhausted";

//! The externally visible status of a saga, derived from its state.
enum class SagaStatus {
  kRunning,      //!< a step is in flight
  kWaiting,      //!< waiting for a signal, a callback or a timer
  kCompleted,    //!< finished forward
  kCompensated,  //!< rolled back: every effect that was applied has been undone
  kFailed,       //!< ended without effects to undo
  kStuck,        //!< parked for an operator (compensation exhausted its retries)
};
std::string_view SagaStatusName(SagaStatus status);
bool IsTerminal(SagaStatus status);

//! One fact fed to a machine: "<step>.succeeded" / "<step>.failed" (replies),
//! "signal.<name>" (HTTP signals), "payment.succeeded" (verified callback), "timer.<name>".
struct SagaEvent {
  std::string name;
  json::object payload;
};

//! A step to dispatch to a worker; routing key = step ("inventory.reserve").
struct StepDispatch {
  std::string step;
  json::object payload;
};

struct TimerRequest {
  std::string name;
  std::chrono::milliseconds delay{0};
  json::object payload;
};

//! A domain event for the order.events exchange ("order.paid").
struct DomainEvent {
  std::string routing_key;
  json::object body;
};

//! A saga started by another one in the same transaction (an order starts its cancellation).
//! When the child ends, the engine feeds the parent "<child type>.<child status>"
//! ("cancellation.completed") with the child's context as payload.
struct ChildSagaRequest {
  std::string type;
  json::object input;
};

//! What one accepted event did.
struct Transition {
  std::string from;
  std::string to;
  SagaStatus status = SagaStatus::kRunning;
  //! At most one step is in flight per saga; a new one replaces the pending one.
  std::optional<StepDispatch> step;
  std::vector<TimerRequest> set_timers;
  std::vector<std::string> cancel_timers;
  std::vector<DomainEvent> events;
  std::optional<ChildSagaRequest> start_child;
};

//! A validated start request: the saga's business key (e.g. a new order id) and first context.
struct StartPlan {
  std::string business_key;
  json::object context;
};

class SagaWorkflow {
 public:
  virtual ~SagaWorkflow() = default;
  //! The saga type name used in URLs and rows ("order").
  virtual std::string_view type() const = 0;
  //! Checks a start request (InvalidArgument naming the field) and plans the new saga.
  virtual Result<StartPlan> Prepare(const json::object& input) const = 0;
  //! Enters the initial state of a fresh saga (its entry dispatches the first step).
  virtual Result<Transition> Start(json::object& context) const = 0;
  //! Restores a machine at `state`, feeds `event`. Conflict naming the state if refused;
  //! NotFound if `state` is not a state of this machine.
  virtual Result<Transition> Apply(std::string_view state, const SagaEvent& event, json::object& context) const = 0;
  //! Checks a signal before it is fed: InvalidArgument naming "name" if this saga type has
  //! no such signal (400 at the API, not 409), or naming the payload field at fault.
  virtual Status ValidateSignal(std::string_view name, const json::object& payload) const = 0;
  //! Status of a state name (for rows written before the machine changed).
  virtual Result<SagaStatus> StatusOf(std::string_view state) const = 0;
};

}  // namespace sagaflow::workflows
