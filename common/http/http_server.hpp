#pragma once
// An HTTP server in a box: owns an io_context, the threads that run it and one HttpListener.
// Start() and Stop() are meant for the owning thread (not thread-safe against each other);
// port() may be read from any thread. The handler runs on the io threads, one request per
// connection at a time, so it must be thread-safe across connections.
//
//   sagaflow::http::HttpServer server([](HttpRequest&& req) { return Route(std::move(req)); });
//   if (auto st = server.Start("127.0.0.1", 0, 4); !st.ok()) ...;
//   std::cout << "listening on 127.0.0.1:" << server.port() << std::endl;
//   ...
//   server.Stop();

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
  //! Declared before listener_ to outlive it; its destructor frees the sessions and
  //! handlers still queued on it.
  boost::asio::io_context ioc_;
  //! Null before Start().
  std::shared_ptr<HttpListener> listener_;
  //! Threads running ioc_; empty when stopped.
  std::vector<std::thread> threads_;
  //! Set by Start(); a second Start() is refused.
  bool started_ = false;
};

}  // namespace sagaflow::http
