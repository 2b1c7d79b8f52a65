#include "common/http/http_server.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

namespace sagaflow::http {

HttpServer::HttpServer(HttpHandler handler) : handler_(std::move(handler)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start(const std::string& address, unsigned short port, int threads) {
  if (started_) return Status::Conflict("HttpServer already started");
  auto listener = std::make_shared<HttpListener>(ioc_, handler_);
  SAGAFLOW_RETURN_IF_ERROR(listener->Listen(address, port));
  started_ = true;
  listener_ = std::move(listener);
  listener_->run();
  if (threads < 1) threads = 1;
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      // Handlers catch their own exceptions; this keeps a thread alive if one slips through.
      for (;;) {
        try {
          ioc_.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("http: io thread caught: {}", e.what());
        }
      }
    });
  }
  spdlog::debug("http: listening on {}:{} with {} threads", address, listener_->port(), threads);
  return Status::Ok();
}

void HttpServer::Stop() {
  if (threads_.empty()) return;
  listener_->Stop();
  ioc_.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  listener_->CloseNow();  // no io thread runs any more: safe to touch the acceptor here
}

unsigned short HttpServer::port() const { return listener_ ? listener_->port() : 0; }

}  // namespace sagaflow::http
