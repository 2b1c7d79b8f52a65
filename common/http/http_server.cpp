#include "common/http/http_server.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

namespace sagaflow::http {

HttpServer::HttpServer(HttpHandler handler) : handler_(std::move(handler)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start(const std::string& address, unsigned short port, int threads) {
  if (started_) return Status::Conflict("HttpServer already started");
  if (threads < 1) threads = 1;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts;
  std::vector<boost::asio::io_context*> session_contexts;
  for (int i = 0; i < threads; ++i) {
    contexts.push_back(std::make_unique<boost::asio::io_context>(1));  // hint: one thread runs it
    session_contexts.push_back(contexts.back().get());
  }
  auto listener = std::make_shared<HttpListener>(*contexts.front(), handler_, std::move(session_contexts));
  SAGAFLOW_RETURN_IF_ERROR(listener->Listen(address, port));
  started_ = true;
  contexts_ = std::move(contexts);
  listener_ = std::move(listener);
  listener_->run();
  threads_.reserve(threads);
  for (auto& context : contexts_) {
    work_.emplace_back(context->get_executor());
    threads_.emplace_back([&ioc = *context] {
      // Handlers catch their own exceptions; this keeps a thread alive if one slips through.
      for (;;) {
        try {
          ioc.run();
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
  work_.clear();
  for (auto& context : contexts_) context->stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  listener_->CloseNow();  // no io thread runs any more: safe to touch the acceptor here
}

unsigned short HttpServer::port() const { return listener_ ? listener_->port() : 0; }

}  // namespace sagaflow::http
