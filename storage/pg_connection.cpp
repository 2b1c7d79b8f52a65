#include "storage/pg_connection.hpp"

#include <poll.h>
#include <strings.h>

#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <unordered_set>

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

namespace {
template <class Element, class ToText>
std::string JoinArray(const std::vector<Element>& elements, ToText to_text) {
  std::string array = "{";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) array += ',';
    array += to_text(elements[i]);
  }
  array += '}';
  return array;
}
}  // namespace

std::string PgArrayLiteral(const std::vector<std::string>& elements) {
  return JoinArray(elements, [](const std::string& element) {
    // Bare when the array syntax allows it (UUIDs, names: the common case); otherwise in
    // double quotes with `"` and `\` escaped. A bare NULL would be SQL NULL, not the text.
    const bool is_null_word = element.size() == 4 && strncasecmp(element.data(), "null", 4) == 0;
    const bool bare = !element.empty() && !is_null_word &&
                      element.find_first_of("{}\",\\ \t\n\r\v\f") == std::string::npos;
    if (bare) return element;
    std::string quoted = "\"";
    for (char c : element) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    quoted += '"';
    return quoted;
  });
}

std::string PgArrayLiteral(const std::vector<std::int64_t>& elements) {
  return JoinArray(elements, [](std::int64_t element) { return std::to_string(element); });
}

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

namespace {

constexpr std::string_view kBegin = "BEGIN";

bool Succeeded(ExecStatusType status) { return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK; }

std::vector<const char*> ParamValues(const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& param : params) values.push_back(param ? param->c_str() : nullptr);
  return values;
}

}  // namespace

void PgConnection::Defer(std::string_view sql, std::vector<PgParam> params,
                         std::function<void(const PgResult&)> on_result) {
  deferred_.push_back(Statement{std::string(sql), std::move(params), std::move(on_result)});
}

Result<PgResult> PgConnection::Exec(std::string_view sql, const std::vector<PgParam>& params) {
  Statement statement{std::string(sql), params, {}};
  if (!deferred_.empty()) return RunPipeline(std::move(statement));
  return ExecOne(statement);
}

Result<PgResult> PgConnection::ExecOne(const Statement& statement) {
  std::string name = StatementName(statement.sql);
  if (!prepared_.contains(name)) {
    pg_result* prepared = PQprepare(conn_, name.c_str(), statement.sql.c_str(), 0, nullptr);
    if (PQresultStatus(prepared) != PGRES_COMMAND_OK) {
      Status error = ErrorFromResult(conn_, prepared, "prepare");
      PQclear(prepared);
      return error;
    }
    PQclear(prepared);
    prepared_.insert(name);
  }
  std::vector<const char*> values = ParamValues(statement.params);
  pg_result* result = PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(),
                                     nullptr, nullptr, 0);
  if (!Succeeded(PQresultStatus(result))) {
    Status error = ErrorFromResult(conn_, result, "query");
    PQclear(result);
    return error;
  }
  return PgResult(result);
}

Result<PgResult> PgConnection::RunPipeline(Statement last) {
  std::vector<Statement> statements = std::move(deferred_);
  deferred_.clear();
  statements.push_back(std::move(last));
  auto fail = [this](std::string what) -> Status {
    broken_ = true;  // results may still be queued: the connection is unusable
    return Status::Transient("pipeline: " + what + ": " + PQerrorMessage(conn_));
  };
  if (PQenterPipelineMode(conn_) != 1) return fail("cannot enter pipeline mode");
  // What was sent, in order: a PREPARE (is_prepare) or an EXECUTE of statements[index].
  struct Sent {
    bool is_prepare;
    std::size_t index;
  };
  std::vector<Sent> sent;
  std::unordered_set<std::string> preparing;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const std::string name = StatementName(statements[i].sql);
    if (!prepared_.contains(name) && !preparing.contains(name)) {
      if (PQsendPrepare(conn_, name.c_str(), statements[i].sql.c_str(), 0, nullptr) != 1) return fail("send prepare");
      sent.push_back(Sent{true, i});
      preparing.insert(name);
    }
    std::vector<const char*> values = ParamValues(statements[i].params);
    if (PQsendQueryPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr,
                            0) != 1) {
      return fail("send query");
    }
    sent.push_back(Sent{false, i});
  }
  if (PQpipelineSync(conn_) != 1) return fail("sync");

  // Each command yields its result then NULL; an error makes the later ones PIPELINE_ABORTED.
  Status first_error;
  std::optional<PgResult> answer;
  // Results deferred statements asked for, handed over only if the whole pipeline succeeds.
  std::vector<std::pair<std::size_t, PgResult>> wanted;
  for (const Sent& command : sent) {
    pg_result* result = PQgetResult(conn_);
    if (result == nullptr) return fail("missing result");
    const ExecStatusType status = PQresultStatus(result);
    const std::string name = StatementName(statements[command.index].sql);
    if (Succeeded(status)) {
      if (command.is_prepare) {
        prepared_.insert(name);
      } else if (command.index + 1 == statements.size()) {
        answer.emplace(result);
        result = nullptr;
      } else if (statements[command.index].on_result) {
        wanted.emplace_back(command.index, PgResult(result));
        result = nullptr;
      }
    } else if (status != PGRES_PIPELINE_ABORTED && first_error.ok()) {
      first_error = ErrorFromResult(conn_, result, command.is_prepare ? "prepare" : "query");
    }
    if (result != nullptr) PQclear(result);
    while (pg_result* extra = PQgetResult(conn_)) PQclear(extra);
  }
  pg_result* sync = PQgetResult(conn_);
  const bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync != nullptr) PQclear(sync);
  if (!synced) return fail("no sync result");
  if (PQexitPipelineMode(conn_) != 1) return fail("cannot leave pipeline mode");
  if (!first_error.ok()) return first_error;
  if (!answer) return fail("no result for the last statement");
  for (const auto& [index, result] : wanted) statements[index].on_result(result);
  return std::move(*answer);
}

Status PgConnection::ExecScript(std::string_view sql) {
  if (!deferred_.empty()) {
    // Send the deferred statements first, with a no-op as the pipeline's last statement.
    auto flushed = RunPipeline(Statement{"SELECT 1", {}, {}});
    if (!flushed.ok()) return flushed.status();
  }
  pg_result* result = PQexec(conn_, std::string(sql).c_str());
  ExecStatusType status = PQresultStatus(result);
  Status outcome;
  if (!Succeeded(status)) outcome = ErrorFromResult(conn_, result, "script");
  PQclear(result);
  return outcome;
}

Status PgConnection::Begin() {
  Defer(kBegin);
  return Status::Ok();
}

Status PgConnection::Commit() {
  if (deferred_.size() == 1 && deferred_.front().sql == kBegin) {
    deferred_.clear();  // nothing ever ran: there is nothing to commit
    return Status::Ok();
  }
  auto committed = Exec("COMMIT");
  return committed.ok() ? Status::Ok() : committed.status();
}

Status PgConnection::Rollback() {
  deferred_.clear();
  if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return Status::Ok();
  return ExecScript("ROLLBACK");
}

bool PgConnection::Alive() const {
  if (broken_ || PQstatus(conn_) != CONNECTION_OK) return false;
  // A backend that ends (terminated, the server restarting) sends its last words and closes
  // the socket: the peer's FIN shows as POLLRDHUP even while those words sit unread.
  pollfd socket{PQsocket(conn_), POLLIN | POLLRDHUP, 0};
  if (::poll(&socket, 1, 0) < 0) return true;  // cannot tell: the next statement will
  return (socket.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) == 0;
}

bool PgConnection::Lost() const { return broken_ || PQstatus(conn_) != CONNECTION_OK; }

bool PgConnection::Healthy() const {
  return !broken_ && deferred_.empty() && PQstatus(conn_) == CONNECTION_OK &&
         PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

}  // namespace sagaflow::storage
