#include "common/http/http_url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

namespace sagaflow::http {
namespace {

std::string ToLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

//! Splits "host:port", "[v6]:port", "host" or "[v6]" into host and port (default "80").
Result<std::pair<std::string, std::string>> SplitHostPort(std::string_view authority) {
  std::string_view host;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return Status::InvalidArgument("url", "unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Status::InvalidArgument("url", "junk after IPv6 address");
      port = rest.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (host.empty()) return Status::InvalidArgument("url", "missing host");
  if (port.empty()) return std::pair<std::string, std::string>{std::string(host), "80"};
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
    return Status::InvalidArgument("url", "bad port: " + std::string(port));
  }
  return std::pair<std::string, std::string>{std::string(host), std::string(port)};
}

}  // namespace

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size() || ToLower(url.substr(0, kScheme.size())) != kScheme) {
    return Status::InvalidArgument("url", "only http:// URLs are supported: " + std::string(url));
  }
  std::string_view rest = url.substr(kScheme.size());
  rest = rest.substr(0, rest.find('#'));
  auto path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  if (authority.find('@') != std::string_view::npos) {
    return Status::InvalidArgument("url", "credentials in URLs are not supported");
  }
  auto host_port = SplitHostPort(authority);
  if (!host_port.ok()) return host_port.status();
  HttpUrl out;
  out.host = host_port->first;
  out.port = host_port->second;
  out.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (out.target.front() == '?') out.target.insert(out.target.begin(), '/');
  bool v6 = out.host.find(':') != std::string::npos;
  out.host_header = v6 ? "[" + out.host + "]" : out.host;
  if (out.port != "80") out.host_header += ":" + out.port;
  return out;
}

}  // namespace sagaflow::http
