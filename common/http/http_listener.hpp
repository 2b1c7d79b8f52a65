#pragma once
// Accepts TCP connections and starts an HttpSession for each (on a single-threaded io_context
// of its own, or on a fresh strand), in the shape
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
#include <vector>

#include "common/http/http_types.hpp"
#include "common/status.hpp"

namespace sagaflow::http {

class HttpListener : public std::enable_shared_from_this<HttpListener> {
 public:
  //! Sessions run `handler` for every request; nothing happens until Listen() and run().
  //! The acceptor runs on `ioc`. Connections go round-robin to `session_contexts`, each of
  //! which must be run by exactly one thread (so a session needs no strand); when empty, each
  //! connection gets a strand of `ioc` instead.
  HttpListener(boost::asio::io_context& ioc, HttpHandler handler,
               std::vector<boost::asio::io_context*> session_contexts = {});

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

  //! Where sessions get their strands when session_contexts_ is empty.
  boost::asio::io_context& ioc_;
  //! Single-threaded contexts the sessions run on, taken in turn.
  std::vector<boost::asio::io_context*> session_contexts_;
  //! Index into session_contexts_ of the next connection's; on the acceptor's strand.
  std::size_t next_context_ = 0;
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
