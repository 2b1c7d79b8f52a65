#include "common/http/http_server.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "common/http/http_client.hpp"

namespace sagaflow::http {
namespace {

TEST(HttpServerTest, AnswersEveryRequestOfConcurrentConnections) {
  HttpServer server([](HttpRequest&& req) {
    return JsonResponse(200, json::object{{"target", std::string(req.target())}}, req.version(), req.keep_alive());
  });
  ASSERT_TRUE(server.Start("127.0.0.1", 0, 3).ok());
  EXPECT_TRUE(server.running());
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());

  // Each client thread keeps one connection (HttpCall's keep-alive): six connections on
  // three io threads, each request answered with its own target.
  std::vector<std::thread> clients;
  std::vector<int> answered(6, 0);
  for (std::size_t c = 0; c < answered.size(); ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 20; ++i) {
        const std::string target = "/c" + std::to_string(c) + "/" + std::to_string(i);
        auto answer = HttpCall("GET", base + target);
        if (answer.ok() && answer->status == 200u && answer->body == "{\"target\":\"" + target + "\"}") ++answered[c];
      }
    });
  }
  for (auto& client : clients) client.join();
  for (int n : answered) EXPECT_EQ(n, 20);
  server.Stop();
  EXPECT_FALSE(server.running());
}

TEST(HttpServerTest, StopsWithConnectionsStillOpen) {
  HttpServer server([](HttpRequest&& req) { return JsonResponse(200, json::object{}, req.version(), true); });
  ASSERT_TRUE(server.Start("127.0.0.1", 0, 2).ok());
  ASSERT_TRUE(HttpCall("GET", "http://127.0.0.1:" + std::to_string(server.port()) + "/").ok());  // kept open
  server.Stop();  // must return although the client's connection is still open
  server.Stop();  // idempotent
  EXPECT_FALSE(server.running());
  EXPECT_FALSE(server.Start("127.0.0.1", 0, 1).ok());  // not restartable
}

TEST(HttpServerTest, PortInUseIsRefused) {
  HttpServer first([](HttpRequest&& req) { return JsonResponse(200, json::object{}, req.version(), true); });
  ASSERT_TRUE(first.Start("127.0.0.1", 0, 1).ok());
  HttpServer second([](HttpRequest&& req) { return JsonResponse(200, json::object{}, req.version(), true); });
  Status st = second.Start("127.0.0.1", first.port(), 1);
  EXPECT_EQ(st.code(), StatusCode::kTransient) << st.ToString();
  EXPECT_FALSE(second.running());
}

}  // namespace
}  // namespace sagaflow::http
