#include "common/status.hpp"

namespace sagaflow {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kConflict: return "conflict";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kUnprocessable: return "unprocessable";
    case StatusCode::kUnauthorized: return "unauthorized";
    case StatusCode::kTransient: return "transient";
    case StatusCode::kPermanent: return "permanent";
  }
  return "unknown";
}

std::string Status::ToString() const {
  std::string out(StatusCodeName(code_));
  if (!field_.empty()) out += " [" + field_ + "]";
  if (!message_.empty()) out += ": " + message_;
  return out;
}

}  // namespace sagaflow
