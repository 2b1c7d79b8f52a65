#include "workers/handlers/hold_checks.hpp"

#include "workers/step_handler.hpp"

namespace sagaflow::workers {

Status RefuseIfHoldsAre(storage::PgConnection& db, std::string_view table, const std::string& order_id,
                        const std::string& conflicting, const std::string& code, std::string_view fence) {
  // `table` is one of our own table names, never input.
  auto rows = db.Exec("SELECT count(*) FROM workers." + std::string(table) + " WHERE order_id = $1 AND status = $2",
                      {order_id, conflicting});
  if (!rows.ok()) return rows.status();
  if (rows->GetInt(0, 0) > 0) {
    return Refused(code, std::string(table) + " of order " + order_id + " are already " + conflicting);
  }
  if (fence.empty()) return Status::Ok();
  return db
      .Exec("INSERT INTO workers.hold_fences (order_id, hold) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            {order_id, std::string(fence)})
      .status();
}

Status RefuseIfFenced(storage::PgConnection& db, std::string_view hold, const std::string& order_id) {
  auto rows = db.Exec("SELECT " + FencedSql(hold, 1), {order_id});
  if (!rows.ok()) return rows.status();
  if (rows->Get(0, 0) != "t") return Status::Ok();
  return Refused("cancelled_before_hold",
                 "the " + std::string(hold) + " hold of order " + order_id + " was cancelled before it was taken");
}

std::string FencedSql(std::string_view hold, int order_param) {
  // `hold` is one of our own names, never input.
  return "EXISTS (SELECT 1 FROM workers.hold_fences WHERE order_id = $" + std::to_string(order_param) + " AND hold = '" +
         std::string(hold) + "')";
}

}  // namespace sagaflow::workers
