#pragma once
// An HTTP server in a box: owns one io_context per thread, the threads and one HttpListener.
// Connections are spread over the threads and stay on theirs, so a request is read, handled
// and answered by one thread with no hand-off: one shared io_context run by all threads woke
// an idle thread (a futex call) for nearly every completion, several per request.
// Start() and Stop() are meant for the owning thread (not thread-safe against each other);
// port() may be read from any thread. The handler runs on the io threads, one request per
// connection at a time, so it must be thread-safe across connections.
//
//   sagaflow::http::HttpServer server([](HttpRequest&& req) { return Route(std::move(req)); });
//   if (auto st = server.Start("127.0.0.1", 0, 4); !st.ok()) ...;
//   std::cout << "listening on 127.0.0.1:" << server.port() << std::endl;
//   ...
//   server.Stop();

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/http/http_listener.hpp"
#include "common/http/http_types.hpp"
#include "common/status.hpp"

namespace sagaflow::http {

class HttpServer {
 public:
  //! A stopped server that will answer requests with `handler`.
  explicit HttpServer(HttpHandler handler);
  //! Stops the server if it runs.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  //! Binds `address:port` (port 0 picks one) and starts `threads` io threads (at least 1).
  //! Fails like HttpListener::Listen, or Conflict if started before (a server is not restartable).
  Status Start(const std::string& address, unsigned short port, int threads);

  //! Stops accepting, stops the io_context and joins the threads. Handlers already running
  //! return first (their responses may not be sent); other connections are dropped. Idempotent.
  void Stop();

  //! The bound port (0 before Start()).
  unsigned short port() const;

  //! True between a successful Start() and Stop().
  bool running() const { return !threads_.empty(); }

 private:
  //! Given to the listener on Start().
  HttpHandler handler_;
  //! One per thread; the first also runs the acceptor. Declared before listener_ to outlive
  //! it; their destructors free the sessions and handlers still queued on them.
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  //! Keep every context's run() going while it has no connection.
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  //! Null before Start().
  std::shared_ptr<HttpListener> listener_;
  //! Thread i runs contexts_[i]; empty when stopped.
  std::vector<std::thread> threads_;
  //! Set by Start(); a second Start() is refused.
  bool started_ = false;
};

}  // namespace sagaflow::http
