#include "common/http/http_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "common/http/http_server.hpp"

namespace sagaflow::http {
namespace {

namespace net = boost::asio;
namespace beast_http = boost::beast::http;
using tcp = net::ip::tcp;

// A server on a raw socket whose connection handling the test scripts: how many requests a
// connection gets answered before the server closes it, or none at all. Counts connections,
// which HttpServer does not show.
class ScriptedServer {
 public:
  //! `answers_per_connection` < 0: answer every request; 0: never answer (read and hold).
  explicit ScriptedServer(int answers_per_connection) : answers_per_connection_(answers_per_connection) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    stopping_ = true;
    // Wake a blocking read on the connection being served (a client keeps it open), then
    // the blocking accept with a connection of our own; then wait for the thread.
    if (const int fd = serving_fd_.load(); fd >= 0) ::shutdown(fd, SHUT_RDWR);
    boost::system::error_code ignored;
    tcp::socket waker(ioc_);
    waker.connect({net::ip::make_address("127.0.0.1"), port_}, ignored);
    thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

 private:
  void Serve() {
    while (!stopping_) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      ++connections_;
      serving_fd_ = socket.native_handle();
      if (stopping_) return;  // the destructor may have looked before the store
      boost::beast::flat_buffer buffer;
      for (int answered = 0; answers_per_connection_ < 0 || answered < answers_per_connection_; ++answered) {
        beast_http::request<beast_http::string_body> req;
        beast_http::read(socket, buffer, req, ec);
        if (ec) break;
        ++requests_;
        beast_http::response<beast_http::string_body> res{beast_http::status::ok, 11};
        res.keep_alive(true);  // says keep-alive even when it is about to close: the client must cope
        res.body() = "{\"echo\":\"" + std::string(req.target()) + "\"}";
        res.prepare_payload();
        beast_http::write(socket, res, ec);
        if (ec) break;
      }
      if (answers_per_connection_ == 0) {
        // Hold the connection unanswered until the client gives up and closes it.
        beast_http::request<beast_http::string_body> req;
        beast_http::read(socket, buffer, req, ec);
        if (!ec) ++requests_;
        char byte;
        socket.read_some(net::buffer(&byte, 1), ec);
      }
      serving_fd_ = -1;
    }
  }

  const int answers_per_connection_;
  net::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  //! The connection being served, for the destructor to shut down.
  std::atomic<int> serving_fd_{-1};
  std::thread thread_;
};

TEST(HttpClientTest, SendsMethodBodyAndHeadersAndReadsTheAnswer) {
  HttpServer server([](HttpRequest&& req) {
    json::object echo{{"method", std::string(req.method_string())},
                      {"target", std::string(req.target())},
                      {"body", req.body()},
                      {"content_type", std::string(req[Field::content_type])},
                      {"key", std::string(req["Idempotency-Key"])}};
    HttpResponse res = JsonResponse(201, echo, req.version(), req.keep_alive());
    res.set("X-Answer", "42");
    return res;
  });
  ASSERT_TRUE(server.Start("127.0.0.1", 0, 1).ok());
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());

  auto answer = HttpCall("POST", base + "/v1/orders?x=1", R"({"a":1})", {{"Idempotency-Key", "k-1"}});
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->status, 201u);
  EXPECT_EQ(answer->headers.at("x-answer"), "42");  // names in lower case
  auto body = ParseJsonObject(answer->body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->at("method").as_string(), "POST");
  EXPECT_EQ(body->at("target").as_string(), "/v1/orders?x=1");
  EXPECT_EQ(body->at("body").as_string(), R"({"a":1})");
  EXPECT_EQ(body->at("content_type").as_string(), "application/json");  // the default for a body
  EXPECT_EQ(body->at("key").as_string(), "k-1");
}

TEST(HttpClientTest, ReadsALargeBodyThatArrivesInManyPieces) {
  const std::string big(3 * 1024 * 1024 + 17, 'x');
  HttpServer server([&](HttpRequest&& req) {
    HttpResponse res{boost::beast::http::status::ok, req.version()};
    res.body() = big;
    res.prepare_payload();
    return res;
  });
  ASSERT_TRUE(server.Start("127.0.0.1", 0, 1).ok());
  auto answer = HttpCall("GET", "http://127.0.0.1:" + std::to_string(server.port()) + "/big");
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->body.size(), big.size());
  EXPECT_EQ(answer->body, big);
}

TEST(HttpClientTest, KeepsTheConnectionForTheNextCallOnTheSameThread) {
  ScriptedServer server(/*answers_per_connection=*/-1);
  for (int i = 0; i < 3; ++i) {
    auto answer = HttpCall("GET", server.url("/call/" + std::to_string(i)));
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    EXPECT_EQ(answer->body, "{\"echo\":\"/call/" + std::to_string(i) + "\"}");
  }
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClientTest, SendsAgainOnANewConnectionWhenTheServerClosedTheKeptOne) {
  ScriptedServer server(/*answers_per_connection=*/1);
  auto first = HttpCall("GET", server.url("/first"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  // The kept connection is closed by now (or about to be): the call must still succeed.
  auto second = HttpCall("GET", server.url("/second"));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->body, "{\"echo\":\"/second\"}");
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClientTest, GivesUpAtTheTimeoutWhenNoAnswerComes) {
  ScriptedServer server(/*answers_per_connection=*/0);
  const auto started = std::chrono::steady_clock::now();
  auto answer = HttpCall("GET", server.url("/silent"), "", {}, std::chrono::milliseconds(300));
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kTransient);
  EXPECT_NE(answer.status().message().find("read"), std::string::npos) << answer.status().ToString();
  EXPECT_GE(waited, std::chrono::milliseconds(300));
  EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST(HttpClientTest, RejectsUrlsItCannotCall) {
  for (const char* url : {"https://example.com/", "ftp://x/", "http://", "http://host:0/", "http://u@host/"}) {
    auto answer = HttpCall("GET", url);
    ASSERT_FALSE(answer.ok()) << url;
    EXPECT_EQ(answer.status().code(), StatusCode::kInvalidArgument) << url;
    EXPECT_EQ(answer.status().field(), "url") << url;
  }
}

TEST(HttpClientTest, ConnectionRefusedIsTransient) {
  unsigned short port = 0;
  {
    net::io_context ioc;
    tcp::acceptor probe(ioc, {net::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }  // closed again: nothing listens there now
  auto answer = HttpCall("GET", "http://127.0.0.1:" + std::to_string(port) + "/", "", {}, std::chrono::seconds(2));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kTransient);
}

}  // namespace
}  // namespace sagaflow::http
