#pragma once
// After a run, the bench database must show that every order took effect exactly once:
// nothing lost, nothing applied twice, whatever crashed on the way (`saga-bench --chaos`).
// Read from the tables the engine and the workers write, not from what the bench saw.

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "storage/pg_connection.hpp"

namespace sagaflow::bench {

struct AuditExpectation {
  int orders = 0;               //!< orders the bench placed, each one unit of one product
  std::int64_t stock = 0;       //!< units of every product before the run
  int products = 0;
};

//! What was checked and, for each check that failed, what the tables hold instead.
struct AuditResult {
  std::vector<std::string> violations;
  bool ok() const { return violations.empty(); }
};

//! Checks, for a run in which every order was driven to completed: every order saga is
//! completed and no other saga ran (a cancellation would mean a payment went missing); the
//! stock moved by exactly one unit per order (sold), with nothing left reserved and nothing
//! created or lost; each order has one confirmed reservation, one payment and one shipment.
Result<AuditResult> AuditRun(storage::PgConnection& db, const AuditExpectation& expected);

}  // namespace sagaflow::bench
