#pragma once
// Durable timers, one per (saga, name): step timeouts and retries, payment windows,
// review deadlines. Times are the database's clock, so every sagad agrees on "due".
// Runs on the caller's transaction.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "common/status.hpp"
#include "storage/pg_connection.hpp"

namespace sagaflow::storage {

struct DueTimer {
  std::string saga_id;
  std::string name;
  json::object payload;
};

class TimerRepository {
 public:
  explicit TimerRepository(PgConnection& conn) : conn_(conn) {}
  // Writes are deferred: sent with the next statement or the commit (PgConnection::Defer).
  //! Sets (or moves) the saga's timer `name` to fire `delay` from now.
  void Schedule(const std::string& saga_id, const std::string& name, std::chrono::milliseconds delay,
                const json::object& payload);
  //! Sets the saga's timer `name` to fire `delay` from now, unless the saga has that timer
  //! already (then nothing is written). For a timer that checks, when it fires, whether it
  //! is really due (the engine's step timer).
  void Arm(const std::string& saga_id, const std::string& name, std::chrono::milliseconds delay);
  void Cancel(const std::string& saga_id, const std::string& name);
  //! Cancels the saga's timers named in `names` (one statement however many).
  void Cancel(const std::string& saga_id, const std::vector<std::string>& names);
  void CancelAll(const std::string& saga_id);
  //! One due timer, locked; timers other pollers hold are skipped. nullopt if none is due.
  Result<std::optional<DueTimer>> ClaimDue();
  //! Removes a fired timer.
  void Delete(const DueTimer& timer);
  //! Milliseconds until the next timer is due (0 if overdue); nullopt when there are none.
  Result<std::optional<std::chrono::milliseconds>> NextDueIn();

 private:
  PgConnection& conn_;
};

}  // namespace sagaflow::storage
