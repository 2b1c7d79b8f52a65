#include "common/http/http_listener.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <spdlog/spdlog.h>

#include <utility>

#include "common/http/http_session.hpp"

namespace sagaflow::http {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

HttpListener::HttpListener(net::io_context& ioc, HttpHandler handler)
    : ioc_(ioc),
      acceptor_(net::make_strand(ioc)),
      retry_timer_(acceptor_.get_executor()),
      handler_(std::make_shared<const HttpHandler>(std::move(handler))) {}

Status HttpListener::Listen(const std::string& address, unsigned short port) {
  beast::error_code ec;
  auto ip = net::ip::make_address(address, ec);
  if (ec) return Status::InvalidArgument("address", "not an IP address: " + address);
  tcp::endpoint endpoint{ip, port};

  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return Status::Transient("open: " + ec.message());
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return Status::Transient("set_option: " + ec.message());
  acceptor_.bind(endpoint, ec);
  if (ec) {
    acceptor_.close(ec);
    return Status::Transient("bind " + address + ":" + std::to_string(port) + ": " + ec.message());
  }
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.close(ec);
    return Status::Transient("listen: " + ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();
  return Status::Ok();
}

void HttpListener::run() { do_accept(); }

void HttpListener::Stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] { self->CloseNow(); });
}

void HttpListener::CloseNow() {
  beast::error_code ec;
  acceptor_.close(ec);
  retry_timer_.cancel();
}

void HttpListener::do_accept() {
  // Each connection gets its own strand.
  acceptor_.async_accept(net::make_strand(ioc_), beast::bind_front_handler(&HttpListener::on_accept, shared_from_this()));
}

void HttpListener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open() || ec == net::error::operation_aborted) return;  // stopped
  if (ec) {
    // Accepting again at once would spin while the cause (e.g. EMFILE) lasts.
    spdlog::warn("http: accept failed: {}", ec.message());
    retry_timer_.expires_after(std::chrono::milliseconds(50));
    retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (!wait_ec) self->do_accept();
    });
    return;
  }
  std::make_shared<HttpSession>(std::move(socket), handler_)->run();
  do_accept();
}

}  // namespace sagaflow::http
