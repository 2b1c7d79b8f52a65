#pragma once
// One PostgreSQL connection (libpq). Every statement is parameterised and prepared once per
// connection (named after a hash of its text), so values never end up in SQL text.
// Not thread-safe: a connection belongs to one thread at a time (see ConnectionPool).
//
// Round trips are what a saga step costs (bench/README.md), so writes whose result nobody
// reads are deferred: Defer() queues them, and the next Exec() or Commit() sends the queue and
// itself as one libpq pipeline (one round trip). BEGIN is deferred too, so a transaction that
// reads one row and writes five is two round trips: [BEGIN, SELECT] and [writes..., COMMIT].
// A deferred write that fails surfaces as the error of that Exec() or Commit(); the caller
// rolls back as for any failed statement. The connection is in blocking mode and reads the
// results only after sending the whole pipeline, so keep pipelines to what one transaction
// writes (a few hundred small statements: their results fit the socket buffers many times).

#include <cstdint>
#include <functional>
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

//! An array parameter ("{a,b,c}", for `$1::uuid[]`, `$1::text[]` and the like). Elements that
//! need it (empty, "NULL", spaces, `{}",\`) are quoted, so any text arrives as it is.
std::string PgArrayLiteral(const std::vector<std::string>& elements);
//! The same for integers (ids).
std::string PgArrayLiteral(const std::vector<std::int64_t>& elements);

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
  //! Queues a statement whose result the caller does not wait for; it runs, in order, in the
  //! same round trip as the next Exec() or Commit() (see the top of this file). `on_result`,
  //! if given, sees the statement's rows when that round trip succeeds (e.g. ids RETURNING).
  void Defer(std::string_view sql, std::vector<PgParam> params = {},
             std::function<void(const PgResult&)> on_result = {});
  //! Runs a parameterless script (may hold several statements): migrations, settings. Sends
  //! the deferred statements first.
  Status ExecScript(std::string_view sql);

  //! Starts a transaction (deferred: sent with the first statement that needs an answer).
  Status Begin();
  //! Sends what is deferred, then COMMIT, in one round trip.
  Status Commit();
  //! Drops what is deferred and rolls back what the server has seen.
  Status Rollback();

  //! False once the connection is broken (or left inside a transaction); the pool then drops it.
  bool Healthy() const;
  //! For an idle connection: whether the server is still there (it has not closed the
  //! socket, as a terminated backend or a restarting server does). Does not block.
  bool Alive() const;
  //! True once nothing more can be asked on this connection: the server closed it, or a
  //! pipeline went out of step. A COMMIT sent before then may or may not have taken effect.
  bool Lost() const;

 private:
  struct Statement {
    std::string sql;
    std::vector<PgParam> params;
    std::function<void(const PgResult&)> on_result;
  };
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  //! Sends the deferred statements plus `last` as one pipeline and returns `last`'s result,
  //! or the first error any of them raised.
  Result<PgResult> RunPipeline(Statement last);
  //! Runs one statement outside a pipeline (nothing deferred).
  Result<PgResult> ExecOne(const Statement& statement);
  //! Statements queued by Defer(), oldest first.
  std::vector<Statement> deferred_;
  //! A pipeline went out of step with the server: never reuse this connection.
  bool broken_ = false;
  pg_conn* conn_;
  //! Names of statements already prepared on this connection.
  std::unordered_set<std::string> prepared_;
};

}  // namespace sagaflow::storage
