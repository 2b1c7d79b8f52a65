#pragma once
// A blocking HTTP/1.1 client for plain http:// URLs. Thread-safe. Each thread keeps its last
// connection to every host:port open (keep-alive) and reuses it for the next call there
// while it has been idle for less than 5 s: a TCP connect and close per call cost the
// benchmark, the payment callbacks and the payment worker more CPU than the requests.
// A reused connection that the server had closed is replaced once, transparently.

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"

namespace sagaflow::http {

struct HttpClientResponse {
  unsigned status = 0;
  std::string body;
  //! Header names in lower case; a repeated header keeps its last value.
  std::map<std::string, std::string> headers;
};

//! Sends `method` (e.g. "POST") to `url` (http://host[:port]/path?query) and reads the answer,
//! all within `timeout`. Any HTTP status counts as success. InvalidArgument (field "url") for
//! a malformed or non-http URL; Transient when resolving, connecting, sending or reading fails
//! or the timeout passes. Content-Type defaults to application/json when `body` is not empty.
Result<HttpClientResponse> HttpCall(std::string_view method, const std::string& url, const std::string& body = {},
                                    const std::vector<std::pair<std::string, std::string>>& headers = {},
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace sagaflow::http
