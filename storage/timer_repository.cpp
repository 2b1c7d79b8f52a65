#include "storage/timer_repository.hpp"

#include <algorithm>

namespace sagaflow::storage {

void TimerRepository::Schedule(const std::string& saga_id, const std::string& name,
                               std::chrono::milliseconds delay, const json::object& payload) {
  conn_.Defer(
      "INSERT INTO sagaflow.timers (saga_id, name, fire_at, payload)"
      " VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3::double precision / 1000), $4::jsonb)"
      " ON CONFLICT (saga_id, name) DO UPDATE SET fire_at = EXCLUDED.fire_at, payload = EXCLUDED.payload",
      {saga_id, name, std::to_string(delay.count()), ToJson(payload)});
}

void TimerRepository::Arm(const std::string& saga_id, const std::string& name, std::chrono::milliseconds delay) {
  conn_.Defer(
      "INSERT INTO sagaflow.timers (saga_id, name, fire_at)"
      " VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3::double precision / 1000))"
      " ON CONFLICT (saga_id, name) DO NOTHING",
      {saga_id, name, std::to_string(delay.count())});
}

void TimerRepository::Cancel(const std::string& saga_id, const std::string& name) {
  conn_.Defer("DELETE FROM sagaflow.timers WHERE saga_id = $1 AND name = $2", {saga_id, name});
}

void TimerRepository::Cancel(const std::string& saga_id, const std::vector<std::string>& names) {
  if (names.empty()) return;
  if (names.size() == 1) return Cancel(saga_id, names.front());
  conn_.Defer("DELETE FROM sagaflow.timers WHERE saga_id = $1 AND name = ANY($2::text[])",
              {saga_id, PgArrayLiteral(names)});
}

void TimerRepository::CancelAll(const std::string& saga_id) {
  conn_.Defer("DELETE FROM sagaflow.timers WHERE saga_id = $1", {saga_id});
}

Result<std::optional<DueTimer>> TimerRepository::ClaimDue() {
  auto rows = conn_.Exec(
      "SELECT saga_id::text, name, payload::text FROM sagaflow.timers WHERE fire_at <= clock_timestamp()"
      " ORDER BY fire_at LIMIT 1 FOR UPDATE SKIP LOCKED");
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return std::optional<DueTimer>{};
  auto payload = ParseJsonObject(rows->Get(0, 2));
  return std::optional<DueTimer>{
      DueTimer{rows->Get(0, 0), rows->Get(0, 1), payload.ok() ? std::move(payload.value()) : json::object{}}};
}

void TimerRepository::Delete(const DueTimer& timer) { Cancel(timer.saga_id, timer.name); }

Result<std::optional<std::chrono::milliseconds>> TimerRepository::NextDueIn() {
  // NULL when there are no timers. (greatest(0, NULL) would be 0, "due now": an idle sagad
  // then polled in a tight loop.)
  auto rows = conn_.Exec(
      "SELECT ceil(extract(epoch FROM (min(fire_at) - clock_timestamp())) * 1000)::bigint FROM sagaflow.timers");
  if (!rows.ok()) return rows.status();
  if (rows->IsNull(0, 0)) return std::optional<std::chrono::milliseconds>{};
  return std::optional<std::chrono::milliseconds>{std::chrono::milliseconds(std::max<std::int64_t>(0, rows->GetInt(0, 0)))};
}

}  // namespace sagaflow::storage
