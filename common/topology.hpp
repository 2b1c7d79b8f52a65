#pragma once
// Which worker role executes which step. Both sagad and the workers declare the whole
// topology at start, so a command published before its worker ever ran still has a queue
// to wait in (an unroutable message would be confirmed by the broker and silently lost).

#include <string_view>
#include <vector>

namespace sagaflow::wire {

struct WorkerRole {
  std::string_view name;                //!< "inventory"
  std::vector<std::string_view> steps;  //!< routing keys its queue is bound to
};

//! Every role that ships with sagaflow.
const std::vector<WorkerRole>& WorkerRoles();
//! nullptr if no role has this name.
const WorkerRole* FindWorkerRole(std::string_view name);

}  // namespace sagaflow::wire
