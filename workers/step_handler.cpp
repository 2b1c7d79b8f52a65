#include "workers/step_handler.hpp"

namespace sagaflow::workers {

// The reason travels in the message as "<reason>: <text>"; Permanent is the code.
Status Refused(std::string_view reason, std::string message) {
  return Status::Permanent(std::string(reason) + ": " + message);
}

std::string RefusalCode(const Status& status) {
  if (status.IsPermanent()) {
    auto colon = status.message().find(": ");
    if (colon != std::string::npos && status.message().find(' ') >= colon) return status.message().substr(0, colon);
  }
  return std::string(StatusCodeName(status.code()));
}

std::string RefusalMessage(const Status& status) {
  const std::string code = RefusalCode(status);
  const std::string& message = status.message();
  if (message.rfind(code + ": ", 0) == 0) return message.substr(code.size() + 2);
  return message;
}

}  // namespace sagaflow::workers
