#pragma once
// A step handler executes one kind of command ("inventory.reserve") against the worker's
// own database, inside a transaction the runtime opened (and will commit together with the
// idempotency record). Handlers must be thread-compatible: one instance per role thread.
//
// What the returned Result means for the saga:
//   value            → reply "succeeded" with the value as the step's result
//   Transient        → reply "retry": nothing was applied, the engine re-sends later
//   any other error  → reply "failed" (code + message): the saga compensates; the failure is
//                      recorded, so the same command id gets the same answer again

#include <memory>
#include <string>
#include <string_view>

#include "common/json.hpp"
#include "common/status.hpp"
#include "common/wire.hpp"
#include "storage/pg_connection.hpp"

namespace sagaflow::workers {

class StepHandler {
 public:
  virtual ~StepHandler() = default;
  virtual Result<json::object> Execute(storage::PgConnection& db, const wire::Command& command) = 0;
};

//! A business refusal with a machine-readable reason ("insufficient_stock").
Status Refused(std::string_view reason, std::string message);
//! The reason code of a Refused status ("insufficient_stock"), else the status code name.
std::string RefusalCode(const Status& status);
//! The message of a Refused status without its reason prefix.
std::string RefusalMessage(const Status& status);

}  // namespace sagaflow::workers
