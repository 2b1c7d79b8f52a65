#include "storage/pg_connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <cstdlib>
#include <cstring>
#include <functional>

namespace sagaflow::storage {
namespace {

//! Maps a failed libpq result (or a dead connection) to a Status the callers can act on.
Status ErrorFromResult(pg_conn* conn, const pg_result* result, std::string_view what) {
  if (PQstatus(conn) != CONNECTION_OK) {
    return Status::Transient(std::string(what) + ": connection lost: " + PQerrorMessage(conn));
  }
  const char* sqlstate = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  std::string text = std::string(what) + ": " + message;
  if (sqlstate == nullptr) return Status::Transient(text);
  std::string_view state(sqlstate);
  if (state == "23505") return Status::Conflict(text);                     // unique_violation
  if (state == "40001" || state == "40P01") return Status::Transient(text);  // serialization, deadlock
  if (state.substr(0, 2) == "08" || state == "57P01") return Status::Transient(text);  // connection
  return Status::Permanent(text);
}

std::string StatementName(std::string_view sql) {
  return "s" + std::to_string(std::hash<std::string_view>{}(sql));
}

}  // namespace

PgResult::PgResult(pg_result* result) : result_(result) {}
PgResult::PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}
PgResult::~PgResult() {
  if (result_ != nullptr) PQclear(result_);
}
int PgResult::rows() const { return PQntuples(result_); }
std::int64_t PgResult::affected() const {
  const char* n = PQcmdTuples(result_);
  return (n == nullptr || *n == '\0') ? 0 : std::strtoll(n, nullptr, 10);
}
bool PgResult::IsNull(int row, int col) const { return PQgetisnull(result_, row, col) != 0; }
std::string PgResult::Get(int row, int col) const {
  return std::string(PQgetvalue(result_, row, col), static_cast<std::size_t>(PQgetlength(result_, row, col)));
}
std::int64_t PgResult::GetInt(int row, int col) const { return std::strtoll(PQgetvalue(result_, row, col), nullptr, 10); }
int PgResult::Column(std::string_view name) const { return PQfnumber(result_, std::string(name).c_str()); }

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& url) {
  pg_conn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string message = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
    if (conn != nullptr) PQfinish(conn);
    return Status::Transient("cannot connect to PostgreSQL: " + message);
  }
  auto connection = std::unique_ptr<PgConnection>(new PgConnection(conn));
  // Timestamps travel as text: keep them unambiguous. Notices ("already exists, skipping") are noise.
  SAGAFLOW_RETURN_IF_ERROR(connection->ExecScript("SET TIME ZONE 'UTC'; SET client_min_messages = warning"));
  return connection;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

Result<PgResult> PgConnection::Exec(std::string_view sql, const std::vector<PgParam>& params) {
  std::string name = StatementName(sql);
  if (!prepared_.contains(name)) {
    pg_result* prepared = PQprepare(conn_, name.c_str(), std::string(sql).c_str(), 0, nullptr);
    if (PQresultStatus(prepared) != PGRES_COMMAND_OK) {
      Status error = ErrorFromResult(conn_, prepared, "prepare");
      PQclear(prepared);
      return error;
    }
    PQclear(prepared);
    prepared_.insert(name);
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& param : params) values.push_back(param ? param->c_str() : nullptr);
  pg_result* result = PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(),
                                     nullptr, nullptr, 0);
  ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    Status error = ErrorFromResult(conn_, result, "query");
    PQclear(result);
    return error;
  }
  return PgResult(result);
}

Status PgConnection::ExecScript(std::string_view sql) {
  pg_result* result = PQexec(conn_, std::string(sql).c_str());
  ExecStatusType status = PQresultStatus(result);
  Status outcome;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) outcome = ErrorFromResult(conn_, result, "script");
  PQclear(result);
  return outcome;
}

Status PgConnection::Listen(std::string_view channel) { return ExecScript("LISTEN " + std::string(channel)); }

bool PgConnection::ConsumeNotifications() {
  bool any = false;
  while (PGnotify* notify = PQnotifies(conn_)) {
    any = true;
    PQfreemem(notify);
  }
  return any;
}

Result<bool> PgConnection::WaitForNotification(std::chrono::milliseconds timeout) {
  if (PQconsumeInput(conn_) == 0) return Status::Transient(std::string("listen: ") + PQerrorMessage(conn_));
  if (ConsumeNotifications()) return true;
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  int ready = ::poll(&fd, 1, static_cast<int>(timeout.count()));
  if (ready < 0) return Status::Transient("listen: poll failed");
  if (ready == 0) return false;
  if (PQconsumeInput(conn_) == 0) return Status::Transient(std::string("listen: ") + PQerrorMessage(conn_));
  return ConsumeNotifications();
}

bool PgConnection::Healthy() const {
  return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

}  // namespace sagaflow::storage
