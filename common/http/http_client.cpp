#include "common/http/http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <poll.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>

#include "common/http/http_url.hpp"

namespace sagaflow::http {
namespace {

namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

//! Largest response body read.
constexpr std::uint64_t kResponseBodyLimit = 64ull * 1024 * 1024;

std::string ToLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

//! Runs `ioc` until its work is done; `ioc` is ready to run again afterwards.
void RunToCompletion(net::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

//! An open connection kept for the next call to the same host:port on this thread.
struct KeptConnection {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  Clock::time_point idle_since;
};

//! Reused only while idle for less than this: well inside the servers' idle timeouts (sagad
//! closes after 30 s), so a kept connection is almost never one the server has dropped.
constexpr auto kMaxIdle = std::chrono::seconds(5);

//! This thread's kept connections by "host:port".
std::map<std::string, std::unique_ptr<KeptConnection>>& KeptConnections() {
  thread_local std::map<std::string, std::unique_ptr<KeptConnection>> kept;
  return kept;
}

Result<std::unique_ptr<KeptConnection>> Connect(const HttpUrl& target, Clock::time_point deadline,
                                                const std::string& where) {
  auto conn = std::make_unique<KeptConnection>();
  net::io_context& ioc = conn->ioc;
  // Resolve (numeric hosts resolve at once; names go through getaddrinfo on asio's thread).
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  tcp::resolver::results_type endpoints;
  bool resolved = false;
  resolver.async_resolve(target.host, target.port,
                         [&](beast::error_code e, tcp::resolver::results_type r) {
                           ec = e;
                           endpoints = std::move(r);
                           resolved = true;
                         });
  ioc.run_until(deadline);
  if (!resolved) {
    resolver.cancel();
    RunToCompletion(ioc);
    return Status::Transient(where + ": resolving " + target.host + " timed out");
  }
  if (ec) return Status::Transient(where + ": resolve: " + ec.message());

  conn->stream.expires_at(deadline);
  conn->stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  RunToCompletion(ioc);
  if (ec) return Status::Transient(where + ": connect: " + ec.message());
  conn->stream.socket().set_option(tcp::no_delay(true), ec);
  return conn;
}

//! Outcome of one exchange on a connection. `unanswered`: the connection failed before a
//! single response byte arrived (a kept connection the server had closed), so the request
//! may be sent again on a new one.
struct Exchange {
  Status status;
  bool unanswered = false;
  bool keep_alive = false;
  HttpClientResponse response;
};

//! Waits until `socket` is ready for `events` (POLLIN or POLLOUT) or `deadline` passes.
//! False on timeout; true otherwise, also on a hang-up or error (the next I/O says which).
bool WaitReady(tcp::socket& socket, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd ready{socket.native_handle(), events, 0};
    const int n = ::poll(&ready, 1, static_cast<int>(std::min<std::int64_t>(left, 1'000'000)));
    if (n > 0) return true;
    if (n == 0) continue;  // woke at the deadline: the loop head decides
    if (errno != EINTR) return true;
  }
}

// The exchange itself is plain blocking I/O on a non-blocking socket with poll() for the
// deadline: a request is one sendmsg, an answer one poll and (usually) one recvmsg. Running
// the io_context for it instead cost several epoll and timerfd calls per request, which the
// benchmark's client, the channel's callbacks and the payment worker paid on every call.
Exchange Send(KeptConnection& conn, const beast_http::request<beast_http::string_body>& req,
              Clock::time_point deadline, const std::string& where) {
  Exchange out;
  beast::error_code ec;
  tcp::socket& socket = conn.stream.socket();
  socket.non_blocking(true, ec);
  if (ec) {
    out.status = Status::Transient(where + ": socket: " + ec.message());
    out.unanswered = true;
    return out;
  }
  beast_http::request_serializer<beast_http::string_body> serializer(req);
  while (!serializer.is_done()) {
    beast_http::write_some(socket, serializer, ec);
    if (ec == net::error::would_block) {
      ec = {};
      if (!WaitReady(socket, POLLOUT, deadline)) ec = beast::error::timeout;
    }
    if (ec) {
      out.status = Status::Transient(where + ": write: " + ec.message());
      out.unanswered = true;
      return out;
    }
  }
  beast_http::response_parser<beast_http::string_body> parser;
  parser.body_limit(kResponseBodyLimit);
  // Poll before a read only when the socket has nothing yet: read_some parses what the
  // buffer holds first, and stops after the header with body bytes still buffered.
  bool wait = conn.buffer.size() == 0;
  while (!parser.is_done()) {
    if (wait && !WaitReady(socket, POLLIN, deadline)) {
      ec = beast::error::timeout;
    } else {
      beast_http::read_some(socket, conn.buffer, parser, ec);
      wait = ec == net::error::would_block;
      if (wait) {
        ec = {};
        continue;
      }
    }
    if (ec) {
      out.status = Status::Transient(where + ": read: " + ec.message());
      out.unanswered = !parser.got_some() && (ec == beast_http::error::end_of_stream ||
                                              ec == net::error::connection_reset || ec == net::error::eof);
      return out;
    }
  }
  auto res = parser.release();
  out.keep_alive = res.keep_alive();
  out.response.status = res.result_int();
  for (const auto& field : res) out.response.headers[ToLower(field.name_string())] = std::string(field.value());
  out.response.body = std::move(res.body());
  return out;
}

}  // namespace

Result<HttpClientResponse> HttpCall(std::string_view method, const std::string& url, const std::string& body,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    std::chrono::milliseconds timeout) {
  auto parsed = ParseHttpUrl(url);
  if (!parsed.ok()) return parsed.status();
  const HttpUrl& target = *parsed;
  const auto deadline = Clock::now() + timeout;
  const std::string where = std::string(method) + " " + url;

  beast_http::request<beast_http::string_body> req;
  beast_http::verb verb = beast_http::string_to_verb(method);
  if (verb == beast_http::verb::unknown) {
    req.method_string(method);
  } else {
    req.method(verb);
  }
  req.target(target.target);
  req.version(11);
  req.set(beast_http::field::host, target.host_header);
  req.set(beast_http::field::user_agent, "sagaflow");
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    if (ToLower(name) == "content-type") has_content_type = true;
    req.set(name, value);
  }
  if (!body.empty() && !has_content_type) req.set(beast_http::field::content_type, "application/json");
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();

  // A kept connection to this host:port, if one is fresh enough; otherwise a new one.
  const std::string key = target.host + ":" + target.port;
  auto& kept = KeptConnections();
  std::unique_ptr<KeptConnection> conn;
  if (auto it = kept.find(key); it != kept.end()) {
    if (Clock::now() - it->second->idle_since < kMaxIdle) conn = std::move(it->second);
    kept.erase(it);
  }
  const bool reused = conn != nullptr;
  if (!conn) {
    auto fresh = Connect(target, deadline, where);
    if (!fresh.ok()) return fresh.status();
    conn = std::move(fresh.value());
  }
  Exchange exchange = Send(*conn, req, deadline, where);
  if (!exchange.status.ok() && reused && exchange.unanswered) {
    // The server had closed the kept connection; nothing was processed: once more, anew.
    auto fresh = Connect(target, deadline, where);
    if (!fresh.ok()) return fresh.status();
    conn = std::move(fresh.value());
    exchange = Send(*conn, req, deadline, where);
  }
  if (!exchange.status.ok()) return exchange.status;
  if (exchange.keep_alive) {
    conn->idle_since = Clock::now();
    kept[key] = std::move(conn);
  } else {
    beast::error_code ignored;
    conn->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }
  return std::move(exchange.response);
}

}  // namespace sagaflow::http
