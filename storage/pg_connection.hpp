#pragma once
// One PostgreSQL connection (libpq). Every statement is parameterised and prepared once per
// connection (named after a hash of its text), so values never end up in SQL text.
// Not thread-safe: a connection belongs to one thread at a time (see ConnectionPool).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/status.hpp"

struct pg_conn;
struct pg_result;

namespace sagaflow::storage {

//! A statement parameter: text, or SQL NULL.
using PgParam = std::optional<std::string>;

//! The rows a statement returned. Owns the libpq result.
class PgResult {
 public:
  explicit PgResult(pg_result* result);
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult();

  int rows() const;
  //! Rows changed by INSERT/UPDATE/DELETE.
  std::int64_t affected() const;
  bool IsNull(int row, int col) const;
  //! The text value (empty for NULL).
  std::string Get(int row, int col) const;
  std::int64_t GetInt(int row, int col) const;
  //! Column index by name; -1 if absent.
  int Column(std::string_view name) const;

 private:
  pg_result* result_;
};

class PgConnection {
 public:
  //! Connects to `url` (postgresql://...). Transient when the server is unreachable.
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& url);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  //! Runs `sql` with $1..$n bound to `params`. Errors: Conflict for unique violations,
  //! Transient for serialization failures, deadlocks and lost connections, Permanent otherwise.
  Result<PgResult> Exec(std::string_view sql, const std::vector<PgParam>& params = {});
  //! Runs a parameterless script (may hold several statements): migrations, BEGIN/COMMIT.
  Status ExecScript(std::string_view sql);

  Status Begin() { return ExecScript("BEGIN"); }
  Status Commit() { return ExecScript("COMMIT"); }
  Status Rollback() { return ExecScript("ROLLBACK"); }

  //! LISTEN on `channel` (an identifier chosen by the code, never user input).
  Status Listen(std::string_view channel);
  //! Waits until a notification arrives or `timeout` passes. true if one (or more) arrived.
  Result<bool> WaitForNotification(std::chrono::milliseconds timeout);

  //! False once the connection is broken; the pool then drops it.
  bool Healthy() const;

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  //! Drains pending notifications; true if there was at least one.
  bool ConsumeNotifications();
  pg_conn* conn_;
  //! Names of statements already prepared on this connection.
  std::unordered_set<std::string> prepared_;
};

}  // namespace sagaflow::storage
