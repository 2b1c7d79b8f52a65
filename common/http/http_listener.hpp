#pragma once
// Accepts TCP connections and starts an HttpSession on a fresh strand for each, in the shape
// of Beast's example http/server/async/http_server_async.cpp: run() → do_accept() →
// on_accept() → do_accept() ... The acceptor lives on its own strand; Listen() and port()
// may be called from any thread, Stop() too (it posts the close onto the strand).

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include <atomic>
#include <memory>
#include <string>

#include "common/http/http_types.hpp"
#include "common/status.hpp"

namespace sagaflow::http {

class HttpListener : public std::enable_shared_from_this<HttpListener> {
 public:
  //! Sessions run `handler` for every request; nothing happens until Listen() and run().
  HttpListener(boost::asio::io_context& ioc, HttpHandler handler);

  //! Opens, binds (port 0 picks a free port) and listens. InvalidArgument for an unparsable
  //! address, Transient when the bind fails (e.g. the port is taken).
  Status Listen(const std::string& address, unsigned short port);

  //! Starts accepting; call once, after a successful Listen().
  void run();

  //! Stops accepting: closes the acceptor on its strand. Open sessions are not touched.
  void Stop();

  //! Closes the acceptor immediately; only when no thread runs the io_context.
  void CloseNow();

  //! The port actually bound (meaningful after a successful Listen()).
  unsigned short port() const { return port_.load(); }

 private:
  void do_accept();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  //! Where sessions get their strands.
  boost::asio::io_context& ioc_;
  //! Bound in Listen(); its executor is the listener's strand.
  boost::asio::ip::tcp::acceptor acceptor_;
  //! Delays the next accept after a failed one (e.g. out of file descriptors); on the strand.
  boost::asio::steady_timer retry_timer_;
  //! Shared with every session.
  std::shared_ptr<const HttpHandler> handler_;
  //! Bound port, written once by Listen().
  std::atomic<unsigned short> port_{0};
};

}  // namespace sagaflow::http
