#include "bench/async_http_client.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "common/http/http_url.hpp"

namespace sagaflow::bench {

namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

struct AsyncHttpClient::Exchange {
  http::HttpUrl url;
  Connection* connection = nullptr;
  bool reused = false;   //!< the connection was open before this exchange
  bool retried = false;  //!< already on a fresh connection after a failed reused one
  beast_http::request<beast_http::string_body> request;
  beast_http::response<beast_http::string_body> response;
  Callback done;
};

void AsyncHttpClient::Call(std::string method, const std::string& url, std::string body, Headers headers,
                           Callback done) {
  auto parsed = http::ParseHttpUrl(url);
  if (!parsed.ok()) {
    done(parsed.status());
    return;
  }
  auto exchange = std::make_shared<Exchange>();
  exchange->url = std::move(parsed.value());
  exchange->request.method_string(method);
  exchange->request.target(exchange->url.target);
  exchange->request.version(11);
  exchange->request.set(beast_http::field::host, exchange->url.host_header);
  if (!body.empty()) exchange->request.set(beast_http::field::content_type, "application/json");
  for (auto& [name, value] : headers) exchange->request.set(name, value);
  exchange->request.body() = std::move(body);
  exchange->request.prepare_payload();
  exchange->done = std::move(done);
  Start(std::move(exchange));
}

void AsyncHttpClient::Start(std::shared_ptr<Exchange> exchange) {
  std::unique_ptr<Connection>& slot = connections_[exchange->url.host + ":" + exchange->url.port];
  if (!slot) slot = std::make_unique<Connection>(ioc_);
  Connection& connection = *slot;
  exchange->connection = &connection;
  exchange->reused = connection.open;
  auto send = [this, exchange] {
    Connection& conn = *exchange->connection;
    conn.stream.expires_after(timeout_);
    beast_http::async_write(conn.stream, exchange->request, [this, exchange](beast::error_code ec, std::size_t) {
      if (ec) return Fail(exchange, "send", ec);
      Connection& conn = *exchange->connection;
      beast_http::async_read(conn.stream, conn.buffer, exchange->response,
                             [this, exchange](beast::error_code ec, std::size_t) {
                               if (ec) return Fail(exchange, "read", ec);
                               http::HttpClientResponse answer;
                               answer.status = exchange->response.result_int();
                               answer.body = std::move(exchange->response.body());
                               if (!exchange->response.keep_alive()) {
                                 beast::error_code ignored;
                                 exchange->connection->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
                                 exchange->connection->stream.close();
                                 exchange->connection->open = false;
                               }
                               Finish(exchange, std::move(answer));
                             });
    });
  };
  if (connection.open) {
    send();
    return;
  }
  // saga-bench talks to numeric loopback addresses; names are not worth a resolver here.
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(exchange->url.host, ec);
  if (ec) {
    Finish(exchange, Status::InvalidArgument("url", "saga-bench calls numeric hosts only: " + exchange->url.host));
    return;
  }
  connection.buffer.clear();
  connection.stream.expires_after(timeout_);
  connection.stream.async_connect(tcp::endpoint(address, static_cast<unsigned short>(std::stoi(exchange->url.port))),
                                  [this, exchange, send](beast::error_code ec) {
                                    if (ec) return Fail(exchange, "connect", ec);
                                    exchange->connection->open = true;
                                    exchange->connection->stream.socket().set_option(tcp::no_delay(true));
                                    send();
                                  });
}

void AsyncHttpClient::Fail(const std::shared_ptr<Exchange>& exchange, const std::string& what,
                           const beast::error_code& ec) {
  Connection& connection = *exchange->connection;
  beast::error_code ignored;
  connection.stream.socket().close(ignored);
  connection.open = false;
  if (resend_on_kept_connection_ && exchange->reused && !exchange->retried) {
    // The server closed the kept connection while it was idle: once more on a new one.
    exchange->retried = true;
    exchange->response = {};
    Start(exchange);
    return;
  }
  Finish(exchange, Status::Transient(std::string(exchange->request.method_string()) + " " + exchange->url.host_header +
                                     exchange->url.target + ": " + what + ": " + ec.message()));
}

void AsyncHttpClient::Finish(const std::shared_ptr<Exchange>& exchange, Result<http::HttpClientResponse> outcome) {
  Callback done = std::move(exchange->done);
  done(std::move(outcome));
}

}  // namespace sagaflow::bench
