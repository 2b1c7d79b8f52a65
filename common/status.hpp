#pragma once
// Status and Result<T>: how the core reports expected failures (see STYLE.md, "Errors").
// Exceptions are caught only at the edges (HTTP session, worker loop, CLI main).
// Both types are plain values: copyable, not thread-safe to mutate concurrently.

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sagaflow {

enum class StatusCode {
  kOk,
  kNotFound,         //!< the thing asked for does not exist
  kConflict,         //!< refused in the current state (409), or a concurrent change won
  kInvalidArgument,  //!< the caller's input is wrong (400); field() names what
  kUnprocessable,    //!< well-formed but contradicts earlier input (422), e.g. idempotency key reuse
  kUnauthorized,     //!< a signature or credential did not verify (401)
  kTransient,        //!< may succeed if retried (network, deadlock, broker down)
  kPermanent,        //!< will never succeed; the saga compensates
};

//! Stable lower-case name of a code, used in JSON error bodies and logs.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return {}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status Conflict(std::string msg) { return {StatusCode::kConflict, std::move(msg)}; }
  static Status InvalidArgument(std::string field, std::string msg) {
    Status s{StatusCode::kInvalidArgument, std::move(msg)};
    s.field_ = std::move(field);
    return s;
  }
  static Status Unprocessable(std::string msg) { return {StatusCode::kUnprocessable, std::move(msg)}; }
  static Status Unauthorized(std::string msg) { return {StatusCode::kUnauthorized, std::move(msg)}; }
  static Status Transient(std::string msg) { return {StatusCode::kTransient, std::move(msg)}; }
  static Status Permanent(std::string msg) { return {StatusCode::kPermanent, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }
  bool IsConflict() const { return code_ == StatusCode::kConflict; }
  bool IsTransient() const { return code_ == StatusCode::kTransient; }
  bool IsPermanent() const { return code_ == StatusCode::kPermanent; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  //! For kInvalidArgument: the request field at fault (may be empty).
  const std::string& field() const { return field_; }
  //! "not_found: saga 42 does not exist"
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
};

//! A value or the Status saying why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(data_).ok() && "Result built from an OK status has no value");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace sagaflow

namespace sagaflow::detail {
inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) { return r.status(); }
}  // namespace sagaflow::detail

//! Returns the Status of `expr` (a Status or a Result) from the enclosing function if it is not OK.
#define SAGAFLOW_RETURN_IF_ERROR(expr)                                      \
  do {                                                                      \
    const auto& sagaflow_result_ = (expr);                                  \
    if (!sagaflow_result_.ok()) return ::sagaflow::detail::StatusOf(sagaflow_result_); \
  } while (0)
