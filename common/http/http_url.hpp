#pragma once
// Splits a plain http:// URL into what a client connects to and what it sends. Shared by the
// blocking client (HttpCall) and saga-bench's asynchronous one.

#include <string>
#include <string_view>

#include "common/status.hpp"

namespace sagaflow::http {

struct HttpUrl {
  std::string host;    //!< without brackets for IPv6 literals
  std::string port;    //!< decimal, "80" when absent
  std::string target;  //!< path and query, at least "/"
  std::string host_header;
};

//! http://host[:port][/path][?query] (IPv6 literals in brackets); InvalidArgument (field
//! "url") for another scheme, credentials, a missing host or a bad port.
Result<HttpUrl> ParseHttpUrl(std::string_view url);

}  // namespace sagaflow::http
