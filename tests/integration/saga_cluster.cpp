#include "tests/integration/saga_cluster.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

#include "common/ids.hpp"
#include "common/wire.hpp"
#include "storage/migrations.hpp"
#include "tests/integration/test_util.hpp"
#include "workers/amqp/amqp_connection.hpp"
#include "workers/amqp/topology.hpp"

namespace sagaflow::test {
namespace {

std::string EnvOr(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

//! postgresql://u@h:p/postgres → postgresql://u@h:p/<db>
std::string WithDatabase(const std::string& url, const std::string& db) {
  auto slash = url.rfind('/');
  return url.substr(0, slash + 1) + db;
}

void PurgeAllQueues(const std::string& amqp_url) {
  auto conn = amqp::Connection::Open(amqp_url, "test purge");
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ASSERT_TRUE(amqp::PurgeWorkQueues(*conn.value()).ok());
  ASSERT_TRUE(conn.value()->PurgeQueue(std::string(wire::kDeadLetterQueue)).ok());
}

}  // namespace

std::string BinaryPath(const std::string& relative) { return std::string(SAGAFLOW_BINARY_DIR) + "/" + relative; }

bool SagaCluster::Available() {
  return !EnvOr("SAGAFLOW_TEST_PG_URL").empty() && !EnvOr("SAGAFLOW_TEST_AMQP_URL").empty();
}

SagaCluster::SagaCluster() {
  const std::string admin_url = EnvOr("SAGAFLOW_TEST_PG_URL");
  amqp_url_ = EnvOr("SAGAFLOW_TEST_AMQP_URL");
  std::string suffix = NewUuid().substr(0, 8);
  db_name_ = "sagaflow_it_" + suffix;
  {
    auto admin = storage::PgConnection::Connect(admin_url);
    EXPECT_TRUE(admin.ok()) << admin.status().ToString();
    if (!admin.ok()) return;
    EXPECT_TRUE(admin.value()->ExecScript("CREATE DATABASE " + db_name_).ok());
  }
  db_url_ = WithDatabase(admin_url, db_name_);
  auto db = storage::PgConnection::Connect(db_url_);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  if (!db.ok()) return;
  db_ = std::move(db.value());
  // Workers migrate on start too; migrating here lets a test seed products first.
  auto migrated = storage::ApplyMigrations(*db_, storage::WorkerMigrations());
  EXPECT_TRUE(migrated.ok()) << migrated.status().ToString();
  PurgeAllQueues(amqp_url_);
}

SagaCluster::~SagaCluster() {
  // Graceful stops ack or requeue in-flight messages before the next test purges.
  if (worker_.Running()) worker_.Terminate();
  if (sagad_.Running()) sagad_.Terminate();
  if (second_sagad_.Running()) second_sagad_.Terminate();
  if (channel_.Running()) channel_.Terminate();
  if (!sticky_queues_.empty()) {
    if (auto broker = amqp::Connection::Open(amqp_url_, "test cleanup"); broker.ok()) {
      for (const std::string& queue : sticky_queues_) (void)broker.value()->DeleteQueue(queue);
    }
  }
  db_.reset();
  if (!db_name_.empty()) {
    if (auto admin = storage::PgConnection::Connect(EnvOr("SAGAFLOW_TEST_PG_URL")); admin.ok()) {
      (void)admin.value()->ExecScript("DROP DATABASE IF EXISTS " + db_name_ + " WITH (FORCE)");
    }
  }
}

void SagaCluster::SetEnv(const std::string& key, const std::string& value) { extra_env_.emplace_back(key, value); }

Env SagaCluster::ProcessEnv() const {
  Env env{{"SAGAFLOW_POSTGRES_URL", db_url_},
          {"SAGAFLOW_AMQP_URL", amqp_url_},
          // A restarted sagad keeps its port: the worker hands it to the channel as notify URL.
          {"SAGAFLOW_HTTP_PORT", std::to_string(sagad_port_)},
          {"SAGAFLOW_PAYMENT_SECRET", payment_secret_},
          {"SAGAFLOW_PAYMENT_CHANNEL_URL", channel_url()},
          {"SAGAFLOW_PAYMENT_NOTIFY_URL", sagad_url() + "/v1/payments/callback"},
          {"SAGAFLOW_POSTGRES_POOL_SIZE", "8"},
          {"SAGAFLOW_ENGINE_STEP_TIMEOUT", "10s"},
          {"SAGAFLOW_ENGINE_RETRY_BACKOFF", "100ms"},
          {"SAGAFLOW_TIMERS_POLL_INTERVAL", "50ms"},
          {"SAGAFLOW_LOG_LEVEL", "info"}};
  for (const auto& kv : extra_env_) env.push_back(kv);
  return env;
}

Env SagaCluster::SagadEnv() {
  Env env = ProcessEnv();
  // Each sagad's sticky replies queue gets a name the destructor can delete it by: replies
  // left in it would otherwise expire into the shared queue during a later test.
  std::string instance;
  for (const auto& [key, value] : extra_env_) {
    if (key == "SAGAFLOW_REPLIES_INSTANCE") instance = value;
  }
  if (instance.empty()) {
    instance = "test-sagad-" + NewUuid();
    env.emplace_back("SAGAFLOW_REPLIES_INSTANCE", instance);
  }
  sticky_queues_.push_back(wire::StickyRepliesQueueName(instance));
  return env;
}

int SagaCluster::StartAndReadPort(ChildProcess& process, const std::string& path,
                                  const std::vector<std::string>& args, const std::string& log_name,
                                  const Env& env) {
  Status started = process.Start(path, args, env, TestLogPath(log_name));
  EXPECT_TRUE(started.ok()) << started.ToString();
  auto port = process.ReadListeningPort(std::chrono::seconds(30));
  EXPECT_TRUE(port.ok()) << port.status().ToString() << "\n" << process.ReadLog();
  return port.ok() ? port.value() : 0;
}

void SagaCluster::StartChannel() {
  channel_port_ = StartAndReadPort(channel_, BinaryPath("examples/fake_payment_channel/fake-payment-channel"),
                                   {"--port", "0", "--secret", payment_secret_}, "channel", ProcessEnv());
}

void SagaCluster::StartSagad() {
  sagad_port_ = StartAndReadPort(sagad_, BinaryPath("orchestrator/sagad"), {}, "sagad", SagadEnv());
}

void SagaCluster::StartSecondSagad() {
  Env env = SagadEnv();
  env.emplace_back("SAGAFLOW_HTTP_PORT", "0");  // later entries win
  Status started =
      second_sagad_.Start(BinaryPath("orchestrator/sagad"), {}, env, TestLogPath("second-sagad"));
  ASSERT_TRUE(started.ok()) << started.ToString();
  auto port = second_sagad_.ReadListeningPort(std::chrono::seconds(30));
  ASSERT_TRUE(port.ok()) << port.status().ToString() << "\n" << second_sagad_.ReadLog();
  second_sagad_port_ = port.value();
}

void SagaCluster::StartWorker(const std::string& roles, const Env& extra_env) {
  Env env = ProcessEnv();
  for (const auto& kv : extra_env) env.push_back(kv);
  Status started = worker_.Start(BinaryPath("workers/saga-worker"), {"--roles", roles}, env, TestLogPath("worker"));
  ASSERT_TRUE(started.ok()) << started.ToString();
  auto line = worker_.ReadLineMatching(std::regex("worker running roles"), std::chrono::seconds(30));
  ASSERT_TRUE(line.ok()) << line.status().ToString() << "\n" << worker_.ReadLog();
}

void SagaCluster::StartAll() {
  StartChannel();
  StartSagad();  // the notify URL names sagad's port, so sagad starts before the worker
  StartWorker();
}

void SagaCluster::AddProduct(const std::string& sku, std::int64_t price_cents, int available, bool on_sale) {
  Query(
      "INSERT INTO workers.products (sku, name, price_cents, on_sale, available) VALUES ($1, $1, $2, $3, $4)"
      " ON CONFLICT (sku) DO UPDATE SET price_cents = EXCLUDED.price_cents, on_sale = EXCLUDED.on_sale,"
      " available = EXCLUDED.available",
      {sku, std::to_string(price_cents), on_sale ? "true" : "false", std::to_string(available)});
}

void SagaCluster::AddPromotion(const std::string& id, const std::string& kind, std::int64_t value,
                               const std::string& sku, std::int64_t min_total_cents) {
  Query("INSERT INTO workers.promotions (id, kind, value, sku, min_total_cents) VALUES ($1, $2, $3, $4, $5)",
        {id, kind, std::to_string(value), sku.empty() ? storage::PgParam{} : storage::PgParam{sku},
         std::to_string(min_total_cents)});
}

void SagaCluster::AddCoupon(const std::string& id, const std::string& user, const std::string& kind,
                            std::int64_t value, std::int64_t min_spend_cents, int expires_in_seconds) {
  Query(
      "INSERT INTO workers.coupons (id, user_id, kind, value, min_spend_cents, expires_at)"
      " VALUES ($1, $2, $3, $4, $5, clock_timestamp() + make_interval(secs => $6))",
      {id, user, kind, std::to_string(value), std::to_string(min_spend_cents), std::to_string(expires_in_seconds)});
}

void SagaCluster::SetPoints(const std::string& user, std::int64_t balance) {
  Query(
      "INSERT INTO workers.points_accounts (user_id, balance) VALUES ($1, $2)"
      " ON CONFLICT (user_id) DO UPDATE SET balance = EXCLUDED.balance, frozen = 0",
      {user, std::to_string(balance)});
}

storage::PgResult SagaCluster::Query(const std::string& sql, const std::vector<storage::PgParam>& params) {
  auto result = db_->Exec(sql, params);
  if (!result.ok()) {
    ADD_FAILURE() << sql << ": " << result.status().ToString();
    return storage::PgResult(nullptr);
  }
  return std::move(result.value());
}

HttpAnswer SagaCluster::Call(std::string_view method, const std::string& path, const std::string& body,
                             const std::vector<std::pair<std::string, std::string>>& headers) {
  const std::string base = path.rfind("/channel", 0) == 0 ? channel_url() : sagad_url();
  auto response = http::HttpCall(method, base + path, body, headers);
  if (!response.ok()) {
    ADD_FAILURE() << method << " " << path << ": " << response.status().ToString();
    return {};
  }
  HttpAnswer answer{response->status, {}};
  if (auto parsed = ParseJsonObject(response->body); parsed.ok()) answer.body = std::move(parsed.value());
  return answer;
}

HttpAnswer SagaCluster::PlaceOrder(const std::string& key, const json::object& body) {
  return Call("POST", "/v1/orders", ToJson(body), {{"Idempotency-Key", key}});
}

json::object SagaCluster::OrderBody(const std::string& sku, int quantity, const std::string& user) {
  return json::object{{"user_id", user}, {"items", json::array{json::object{{"sku", sku}, {"quantity", quantity}}}}};
}

HttpAnswer SagaCluster::Signal(const std::string& saga_id, const std::string& name, const json::object& body) {
  return Call("POST", "/v1/sagas/" + saga_id + "/signals/" + name, ToJson(body));
}

bool SagaCluster::WaitForState(const std::string& saga_id, std::string_view state, std::chrono::milliseconds timeout) {
  return WaitUntil(DeadlineIn(timeout), [&] {
    auto saga = http::HttpCall("GET", sagad_url() + "/v1/sagas/" + saga_id);
    if (!saga.ok() || saga->status != 200) return false;
    auto body = ParseJsonObject(saga->body);
    return body.ok() && StringOr(body.value(), "state") == state;
  }, std::chrono::milliseconds(25));
}

HttpAnswer SagaCluster::PayAtChannel(const std::string& saga_id, const json::object& options) {
  HttpAnswer saga = GetSaga(saga_id);
  const json::object* payment = ObjectOrNull(*ObjectOrNull(saga.body, "context"), "payment");
  if (payment == nullptr) {
    ADD_FAILURE() << "saga " << saga_id << " has no payment order yet";
    return {};
  }
  return Call("POST", "/channel/payments/" + StringOr(*payment, "payment_id") + "/pay", ToJson(options));
}

std::vector<std::string> SagaCluster::HistoryEvents(const std::string& saga_id) {
  std::vector<std::string> events;
  HttpAnswer saga = GetSaga(saga_id);
  auto history = saga.body.find("history");
  if (history == saga.body.end()) return events;
  for (const json::value& entry : history->value().as_array()) {
    events.push_back(StringOr(entry.as_object(), "event"));
  }
  return events;
}

std::string SagaCluster::Logs() {
  std::string logs = "---- sagad ----\n" + sagad_.ReadLog() + "\n---- worker ----\n" + worker_.ReadLog() +
                     "\n---- channel ----\n" + channel_.ReadLog();
  if (second_sagad_port_ != 0) logs += "\n---- second sagad ----\n" + second_sagad_.ReadLog();
  return logs;
}

}  // namespace sagaflow::test
