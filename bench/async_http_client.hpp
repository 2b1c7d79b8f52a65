#pragma once
// An asynchronous HTTP/1.1 client for saga-bench's virtual users: every user's calls run on
// one io_context thread instead of a blocking thread per user, so the load generator wakes
// once per batch of ready sockets rather than context-switching for every response (64
// blocking threads spent more than half of saga-bench's CPU switching). One client per user;
// it keeps one connection per host:port open between calls and carries one call at a time
// (its user waits for each answer). Not thread-safe: use it from the io_context's thread only.

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/http/http_client.hpp"
#include "common/status.hpp"

namespace sagaflow::bench {

class AsyncHttpClient {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;
  using Callback = std::function<void(Result<http::HttpClientResponse>)>;

  //! `resend_on_kept_connection`: a call that fails on a kept connection goes out once more on
  //! a new one (the server closed the idle connection). Off for a caller that retries itself
  //! and must know it did: a server that died after taking the call had done its work.
  explicit AsyncHttpClient(boost::asio::io_context& ioc, bool resend_on_kept_connection = true,
                           std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : ioc_(ioc), resend_on_kept_connection_(resend_on_kept_connection), timeout_(timeout) {}

  //! Sends `method` to `url` with `body` (JSON) and calls `done` with the answer's status and
  //! body (any status; the headers are not copied: saga-bench reads none) or why there is
  //! none.
  void Call(std::string method, const std::string& url, std::string body, Headers headers, Callback done);

 private:
  struct Connection {
    explicit Connection(boost::asio::io_context& ioc) : stream(ioc) {}
    boost::beast::tcp_stream stream;
    boost::beast::flat_buffer buffer;
    bool open = false;
  };
  struct Exchange;
  void Start(std::shared_ptr<Exchange> exchange);
  void Finish(const std::shared_ptr<Exchange>& exchange, Result<http::HttpClientResponse> outcome);
  //! The exchange failed on `what`: tried again on a fresh connection if it had reused one.
  void Fail(const std::shared_ptr<Exchange>& exchange, const std::string& what, const boost::beast::error_code& ec);

  boost::asio::io_context& ioc_;
  const bool resend_on_kept_connection_;
  const std::chrono::milliseconds timeout_;
  std::map<std::string, std::unique_ptr<Connection>> connections_;  //!< by "host:port"
};

}  // namespace sagaflow::bench
