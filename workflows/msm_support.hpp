#pragma once
// Glue between Boost.MSM machines and the engine's SagaWorkflow interface:
//  - SagaFrontEnd: base of every front-end; actions write their effects through it.
//  - SagaState<status>: a state that knows its saga status; each also declares `name`.
//  - StateTable<Machine>: state name <-> MSM id, built from Machine::state_list. Rows store
//    names, never ids: ids follow the order of the transition table and change with it.
//  - RestoreState: puts a fresh machine into a stored state without replaying events and
//    without running that state's entry action (MSM 1.81 has no public setter; its
//    serialize() writes m_states through any archive, so a tiny loader archive does it).
// Include only from a workflow's single translation unit: MSM is expensive to compile.

#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>
#include <boost/mpl/for_each.hpp>
#include <boost/mpl/vector/vector50.hpp>
#include <boost/serialization/base_object.hpp>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "workflows/saga_workflow.hpp"

namespace sagaflow::workflows::msm_support {

//! Events carry the payload of the SagaEvent that triggered them.
struct EventBase {
  const json::object* payload;
};

template <class Derived>
struct SagaFrontEnd : boost::msm::front::state_machine_def<Derived> {
  //! Set by the workflow for the duration of one process_event call.
  json::object* context = nullptr;
  Transition* out = nullptr;

  void Dispatch(std::string step, json::object payload) { out->step = StepDispatch{std::move(step), std::move(payload)}; }
  void SetTimer(std::string name, std::chrono::milliseconds delay) {
    out->set_timers.push_back(TimerRequest{std::move(name), delay, {}});
  }
  void CancelTimer(std::string name) { out->cancel_timers.push_back(std::move(name)); }
  void Publish(std::string routing_key, json::object body) {
    out->events.push_back(DomainEvent{std::move(routing_key), std::move(body)});
  }
  void StartChild(std::string type, json::object input) {
    out->start_child = ChildSagaRequest{std::move(type), std::move(input)};
  }

  // Refusal is reported through process_event's return value; never assert, never drop silently.
  template <class Fsm, class Event>
  void no_transition(Event const&, Fsm&, int) {}
  // Rethrow so the engine rolls the whole transaction back (MSM would swallow it otherwise).
  template <class Fsm, class Event>
  void exception_caught(Event const&, Fsm&, std::exception&) {
    throw;
  }
};

template <SagaStatus kStatus>
struct SagaState : boost::msm::front::state<> {
  static constexpr SagaStatus status = kStatus;
};

//! A state that dispatches `step` on entry, with the payload `payload_fn(context)` builds.
#define SAGAFLOW_STEP_STATE(Type, state_name, step, payload_fn)                       \
  struct Type : ::sagaflow::workflows::msm_support::SagaState<SagaStatus::kRunning> { \
    static constexpr std::string_view name = state_name;                              \
    template <class Event, class Machine>                                             \
    void on_entry(Event const&, Machine& fsm) {                                       \
      fsm.Dispatch(step, payload_fn(*fsm.context));                                   \
    }                                                                                 \
  }
//! A state that only waits (or ends the saga) with this status.
#define SAGAFLOW_PLAIN_STATE(Type, state_name, saga_status)                  \
  struct Type : ::sagaflow::workflows::msm_support::SagaState<saga_status> { \
    static constexpr std::string_view name = state_name;                     \
  }

//! Archive-like loader: ignores everything MSM's serialize() offers except m_states.
struct StateIdLoader {
  using is_loading = boost::mpl::true_;
  using is_saving = boost::mpl::false_;
  int state_id;
  template <class T>
  StateIdLoader& operator&(T&) {
    return *this;
  }
  template <std::size_t N>
  StateIdLoader& operator&(int (&states)[N]) {
    static_assert(N == 1, "saga machines have one region");
    states[0] = state_id;
    return *this;
  }
};

template <class Machine>
class StateTable {
 public:
  static const StateTable& Instance() {
    static const StateTable table;
    return table;
  }
  //! -1 if `name` is not a state of Machine.
  int IdOf(std::string_view name) const {
    auto it = id_by_name_.find(name);
    return it == id_by_name_.end() ? -1 : it->second;
  }
  std::string_view NameOf(int id) const { return names_[static_cast<std::size_t>(id)]; }
  SagaStatus StatusOf(int id) const { return statuses_[static_cast<std::size_t>(id)]; }

 private:
  StateTable() {
    constexpr int kCount = boost::mpl::size<typename Machine::state_list>::value;
    names_.resize(kCount);
    statuses_.resize(kCount);
    boost::mpl::for_each<typename Machine::state_list, boost::mpl::make_identity<boost::mpl::placeholders::_1>>(
        [this](auto tag) {
          using State = typename decltype(tag)::type;
          const int id = boost::msm::back::get_state_id<typename Machine::stt, State>::type::value;
          names_[static_cast<std::size_t>(id)] = State::name;
          statuses_[static_cast<std::size_t>(id)] = State::status;
          id_by_name_.emplace(State::name, id);
        });
  }
  std::vector<std::string_view> names_;
  std::vector<SagaStatus> statuses_;
  std::unordered_map<std::string_view, int> id_by_name_;
};

template <class Machine>
void RestoreState(Machine& machine, int state_id) {
  StateIdLoader loader{state_id};
  machine.serialize(loader, 0);
}

//! Maps event names to typed process_event calls for one machine.
template <class Machine>
using EventTable = std::unordered_map<std::string_view, boost::msm::back::HandledEnum (*)(Machine&, const json::object*)>;

template <class Machine, class Event>
boost::msm::back::HandledEnum Fire(Machine& machine, const json::object* payload) {
  return machine.process_event(Event{{payload}});
}

//! Starts `machine` (a fresh back-end) in its initial state, running that state's entry.
template <class Machine>
Result<Transition> StartMachine(Machine& machine, json::object& context) {
  const auto& table = StateTable<Machine>::Instance();
  Transition transition;
  machine.context = &context;
  machine.out = &transition;
  machine.start();
  const int id = machine.current_state()[0];
  transition.to = std::string(table.NameOf(id));
  transition.status = table.StatusOf(id);
  return transition;
}

//! Restores `machine` (a fresh back-end) at `state` and feeds the named event.
template <class Machine>
Result<Transition> ApplyToMachine(Machine& machine, const EventTable<Machine>& events, std::string_view state,
                                  const SagaEvent& event, json::object& context) {
  const auto& table = StateTable<Machine>::Instance();
  const int id = table.IdOf(state);
  if (id < 0) return Status::NotFound("unknown state '" + std::string(state) + "'");
  auto handler = events.find(event.name);
  if (handler == events.end()) {
    return Status::Conflict("state '" + std::string(state) + "' does not accept event '" + event.name + "'");
  }
  RestoreState(machine, id);
  Transition transition;
  transition.from = std::string(state);
  machine.context = &context;
  machine.out = &transition;
  if (handler->second(machine, &event.payload) != boost::msm::back::HANDLED_TRUE) {
    return Status::Conflict("state '" + std::string(state) + "' does not accept event '" + event.name + "'");
  }
  const int next = machine.current_state()[0];
  transition.to = std::string(table.NameOf(next));
  transition.status = table.StatusOf(next);
  return transition;
}

//! A SagaWorkflow backed by one MSM machine: Start, Apply and StatusOf come from the
//! machine; the saga type supplies its event names (and options, through Configure).
template <class Machine>
class MachineWorkflow : public SagaWorkflow {
 public:
  Result<Transition> Start(json::object& context) const override {
    Machine machine;
    Configure(machine);
    return StartMachine(machine, context);
  }
  Result<Transition> Apply(std::string_view state, const SagaEvent& event, json::object& context) const override {
    Machine machine;
    Configure(machine);
    return ApplyToMachine(machine, Events(), state, event, context);
  }
  Result<SagaStatus> StatusOf(std::string_view state) const override {
    const auto& table = StateTable<Machine>::Instance();
    const int id = table.IdOf(state);
    if (id < 0) return Status::NotFound("unknown state '" + std::string(state) + "'");
    return table.StatusOf(id);
  }

 protected:
  //! Event name → typed event of this machine.
  virtual const EventTable<Machine>& Events() const = 0;
  //! Hands the machine what its actions need besides the context (options).
  virtual void Configure(Machine&) const {}
};

}  // namespace sagaflow::workflows::msm_support
