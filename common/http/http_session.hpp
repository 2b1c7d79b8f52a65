#pragma once
// One HTTP/1.1 server connection, in the shape of Beast's example
// http/server/async/http_server_async.cpp: do_read → on_read → send_response → on_write → do_read
// (keep-alive) or do_close. Every operation runs on the connection's strand, so a session is
// never touched by two threads at once; it keeps itself alive through shared_from_this() in
// its completion handlers and is destroyed when the last one returns.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>

#include "common/http/http_types.hpp"

namespace sagaflow::http {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  //! Idle time allowed before each request (and for reading it) before the connection closes.
  static constexpr std::chrono::seconds kReadTimeout{30};
  //! Largest request body accepted; larger ones get 413 and the connection closes.
  static constexpr std::size_t kBodyLimit = 1024 * 1024;

  //! Takes ownership of an accepted socket (whose executor should be a strand).
  HttpSession(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<const HttpHandler> handler);

  //! Starts reading requests on the session's strand.
  void run();

 private:
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes_transferred);
  void send_response(HttpResponse&& res);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes_transferred);
  void do_close();

  //! Calls the handler; any exception becomes a 500 JSON error.
  HttpResponse Dispatch(HttpRequest&& req);

  //! The connection; its executor is the session's strand.
  boost::beast::tcp_stream stream_;
  //! Bytes read but not yet parsed (pipelined requests).
  boost::beast::flat_buffer buffer_;
  //! Shared by every session of a listener; never null.
  std::shared_ptr<const HttpHandler> handler_;
  //! Parser of the request being read; re-created before each read (body limit applies per request).
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  //! The response being written; must outlive async_write.
  std::optional<HttpResponse> res_;
};

}  // namespace sagaflow::http
