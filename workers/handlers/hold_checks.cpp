#include "workers/handlers/hold_checks.hpp"

#include "workers/step_handler.hpp"

namespace sagaflow::workers {

Status RefuseIfHoldsAre(storage::PgConnection& db, std::string_view table, const std::string& order_id,
                        const std::string& conflicting, const std::string& code) {
  // `table` is one of our own table names, never input.
  auto rows = db.Exec("SELECT count(*) FROM workers." + std::string(table) + " WHERE order_id = $1 AND status = $2",
                      {order_id, conflicting});
  if (!rows.ok()) return rows.status();
  if (rows->GetInt(0, 0) == 0) return Status::Ok();
  return Refused(code, std::string(table) + " of order " + order_id + " are already " + conflicting);
}

}  // namespace sagaflow::workers
