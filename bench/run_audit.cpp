#include "bench/run_audit.hpp"

#include <utility>

namespace sagaflow::bench {
namespace {

struct Check {
  const char* what;   //!< the invariant, as a violation names it
  const char* sql;    //!< one row, one bigint column
  std::int64_t expected;
};

}  // namespace

Result<AuditResult> AuditRun(storage::PgConnection& db, const AuditExpectation& expected) {
  const std::int64_t orders = expected.orders;
  const Check checks[] = {
      {"order sagas completed", "SELECT count(*) FROM sagaflow.sagas WHERE type = 'order' AND status = 'completed'",
       orders},
      {"sagas that are not completed orders",
       "SELECT count(*) FROM sagaflow.sagas WHERE type <> 'order' OR status <> 'completed'", 0},
      {"units sold", "SELECT coalesce(sum(sold), 0) FROM workers.products", orders},
      {"units still reserved", "SELECT coalesce(sum(reserved), 0) FROM workers.products", 0},
      {"units available + sold", "SELECT coalesce(sum(available + sold), 0) FROM workers.products",
       expected.stock * expected.products},
      {"confirmed reservations", "SELECT count(*) FROM workers.reservations WHERE status = 'confirmed'", orders},
      {"reservations not confirmed", "SELECT count(*) FROM workers.reservations WHERE status <> 'confirmed'", 0},
      {"payments", "SELECT count(*) FROM workers.payments", orders},
      {"shipments", "SELECT count(*) FROM workers.shipments", orders},
  };
  AuditResult result;
  for (const Check& check : checks) {
    auto rows = db.Exec(check.sql);
    if (!rows.ok()) return rows.status();
    const std::int64_t found = rows->GetInt(0, 0);
    if (found != check.expected) {
      result.violations.push_back(std::string(check.what) + ": " + std::to_string(found) + ", expected " +
                                  std::to_string(check.expected));
    }
  }
  return result;
}

}  // namespace sagaflow::bench
