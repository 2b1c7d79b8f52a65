#pragma once
// A whole sagaflow deployment for one test: a fresh PostgreSQL database, purged RabbitMQ
// queues, the fake payment channel, sagad and saga-worker as real processes (ports picked
// by the processes themselves), and helpers to drive orders over HTTP.
// Needs SAGAFLOW_TEST_PG_URL and SAGAFLOW_TEST_AMQP_URL (scripts/test sets them).
// Not thread-safe, except the HTTP helpers (each call is its own connection).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/http/http_client.hpp"
#include "common/json.hpp"
#include "storage/pg_connection.hpp"
#include "common/child_process.hpp"

namespace sagaflow::test {

using Env = std::vector<std::pair<std::string, std::string>>;

struct HttpAnswer {
  unsigned status = 0;
  json::object body;
};

class SagaCluster {
 public:
  //! True when the servers are configured; tests GTEST_SKIP otherwise.
  static bool Available();

  //! Creates the database and purges the queues. Does not start processes.
  SagaCluster();
  //! Stops every process it started.
  ~SagaCluster();

  //! Extra environment for sagad/workers started after this call (timeouts, testpoints).
  void SetEnv(const std::string& key, const std::string& value);

  void StartChannel();
  void StartSagad();
  //! A second sagad on the same database and queues (its own port, its own saga cache):
  //! replies and timers then go to either process.
  void StartSecondSagad();
  //! Starts (or restarts) the worker process with `roles`, plus `extra_env`.
  void StartWorker(const std::string& roles = "all", const Env& extra_env = {});
  //! Starts channel, sagad and a worker for every role.
  void StartAll();
  ChildProcess& sagad() { return sagad_; }
  ChildProcess& second_sagad() { return second_sagad_; }
  ChildProcess& worker() { return worker_; }

  //! Upserts a product in the workers' catalog.
  void AddProduct(const std::string& sku, std::int64_t price_cents, int available, bool on_sale = true);
  //! A promotion: kind "percent" or "fixed"; sku empty for an order-level one.
  void AddPromotion(const std::string& id, const std::string& kind, std::int64_t value, const std::string& sku,
                    std::int64_t min_total_cents = 0);
  //! A coupon for `user`, expiring `expires_in_seconds` from now (negative: expired).
  void AddCoupon(const std::string& id, const std::string& user, const std::string& kind, std::int64_t value,
                 std::int64_t min_spend_cents, int expires_in_seconds = 3600);
  void SetPoints(const std::string& user, std::int64_t balance);
  //! Runs SQL against the test database (parameters only).
  storage::PgResult Query(const std::string& sql, const std::vector<storage::PgParam>& params = {});

  HttpAnswer Call(std::string_view method, const std::string& path, const std::string& body = {},
                  const std::vector<std::pair<std::string, std::string>>& headers = {});
  //! POST /v1/orders with this key and body.
  HttpAnswer PlaceOrder(const std::string& key, const json::object& body);
  //! A one-item order body for `user`.
  static json::object OrderBody(const std::string& sku, int quantity, const std::string& user = "user-1");
  HttpAnswer GetSaga(const std::string& saga_id) { return Call("GET", "/v1/sagas/" + saga_id); }
  HttpAnswer Signal(const std::string& saga_id, const std::string& name, const json::object& body = {});
  //! Polls until the saga is in `state` (true) or `timeout` passes (false).
  bool WaitForState(const std::string& saga_id, std::string_view state,
                    std::chrono::milliseconds timeout = std::chrono::seconds(20));
  //! Pays the saga's payment order at the fake channel (its pay link).
  HttpAnswer PayAtChannel(const std::string& saga_id, const json::object& options = {});
  //! Events in the saga's history, in order.
  std::vector<std::string> HistoryEvents(const std::string& saga_id);
  //! Logs of every process, for failure messages.
  std::string Logs();

  const std::string& db_url() const { return db_url_; }
  const std::string& amqp_url() const { return amqp_url_; }
  const std::string& payment_secret() const { return payment_secret_; }
  std::string sagad_url() const { return "http://127.0.0.1:" + std::to_string(sagad_port_); }
  std::string second_sagad_url() const { return "http://127.0.0.1:" + std::to_string(second_sagad_port_); }
  std::string channel_url() const { return "http://127.0.0.1:" + std::to_string(channel_port_); }

 private:
  Env ProcessEnv() const;
  //! ProcessEnv plus the name of the sagad's sticky replies queue, remembered in sticky_queues_.
  Env SagadEnv();
  int StartAndReadPort(ChildProcess& process, const std::string& path, const std::vector<std::string>& args,
                       const std::string& log_name, const Env& env);

  std::string db_name_;
  std::string db_url_;
  std::string amqp_url_;
  std::string payment_secret_ = "test-secret";
  Env extra_env_;
  std::unique_ptr<storage::PgConnection> db_;
  ChildProcess channel_;
  ChildProcess sagad_;
  ChildProcess second_sagad_;
  ChildProcess worker_;
  int channel_port_ = 0;
  int sagad_port_ = 0;
  int second_sagad_port_ = 0;
  //! The sticky replies queues of the sagad started, deleted with the cluster.
  std::vector<std::string> sticky_queues_;
};

//! Skips the test when no servers are configured (a developer running one binary by hand),
//! but fails it under CI, where scripts/test must have started them.
#define SAGAFLOW_REQUIRE_SERVERS()                                                              \
  do {                                                                                          \
    if (!::sagaflow::test::SagaCluster::Available()) {                                          \
      if (std::getenv("CI") != nullptr) FAIL() << "CI run without SAGAFLOW_TEST_PG_URL/AMQP_URL"; \
      GTEST_SKIP() << "SAGAFLOW_TEST_PG_URL / SAGAFLOW_TEST_AMQP_URL not set (scripts/test sets them)"; \
    }                                                                                           \
  } while (0)

//! The binary built by this tree: SAGAFLOW_BINARY_DIR + relative path.
std::string BinaryPath(const std::string& relative);

}  // namespace sagaflow::test
