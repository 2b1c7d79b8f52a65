#include "common/http/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

namespace sagaflow::http {

namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
namespace net = boost::asio;

HttpSession::HttpSession(net::ip::tcp::socket&& socket, std::shared_ptr<const HttpHandler> handler)
    : stream_(std::move(socket)), handler_(std::move(handler)) {}

void HttpSession::run() {
  // The socket's executor is a strand; dispatch makes sure do_read runs on it.
  net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
}

void HttpSession::do_read() {
  parser_.emplace();
  parser_->body_limit(kBodyLimit);
  stream_.expires_after(kReadTimeout);
  beast_http::async_read(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, std::size_t /*bytes_transferred*/) {
  if (ec == beast_http::error::end_of_stream) return do_close();
  if (ec == beast::error::timeout || ec == net::error::operation_aborted || ec == net::error::eof ||
      ec == net::error::connection_reset) {
    return do_close();
  }
  if (ec) {
    // The request could not be parsed; answer once, then close (the stream is out of sync).
    const auto& partial = parser_->get();
    unsigned version = partial.version() != 0 ? partial.version() : 11;
    bool too_large = ec == beast_http::error::body_limit || ec == beast_http::error::header_limit;
    spdlog::debug("http: bad request: {}", ec.message());
    HttpResponse res = too_large
        ? JsonResponse(413, ErrorBody("payload_too_large", ec.message()), version, false)
        : JsonResponse(400, ErrorBody("bad_request", ec.message()), version, false);
    return send_response(std::move(res));
  }
  HttpRequest req = parser_->release();
  bool client_keep_alive = req.keep_alive();
  HttpResponse res = Dispatch(std::move(req));
  if (!client_keep_alive) res.keep_alive(false);
  send_response(std::move(res));
}

void HttpSession::send_response(HttpResponse&& res) {
  if (!res.has_content_length() && !res.chunked()) res.prepare_payload();
  bool keep_alive = res.keep_alive();
  res_.emplace(std::move(res));
  stream_.expires_after(kReadTimeout);
  beast_http::async_write(stream_, *res_,
                          beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), keep_alive));
}

void HttpSession::on_write(bool keep_alive, beast::error_code ec, std::size_t /*bytes_transferred*/) {
  res_.reset();
  if (ec) {
    spdlog::debug("http: write failed: {}", ec.message());
    return do_close();
  }
  if (!keep_alive) return do_close();
  do_read();
}

void HttpSession::do_close() {
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  // The session is destroyed when the last handler holding shared_from_this() returns.
}

HttpResponse HttpSession::Dispatch(HttpRequest&& req) {
  unsigned version = req.version();
  bool keep_alive = req.keep_alive();
  std::string method(req.method_string());
  std::string target(req.target());
  auto started = std::chrono::steady_clock::now();
  HttpResponse res;
  try {
    res = (*handler_)(std::move(req));
  } catch (const std::exception& e) {
    spdlog::error("http: {} {} threw: {}", method, target, e.what());
    res = JsonResponse(500, ErrorBody("internal", "internal error"), version, keep_alive);
  } catch (...) {
    spdlog::error("http: {} {} threw a non-standard exception", method, target);
    res = JsonResponse(500, ErrorBody("internal", "internal error"), version, keep_alive);
  }
  if (res.version() == 0) res.version(version);
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  spdlog::debug("http: {} {} -> {} ({} ms)", method, target, res.result_int(), elapsed.count());
  return res;
}

}  // namespace sagaflow::http
