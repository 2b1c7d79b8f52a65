// The order saga end to end: sagad, saga-worker and the fake payment channel as processes,
// against the real PostgreSQL and RabbitMQ that scripts/test starts.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "common/crypto.hpp"
#include "common/http/http_client.hpp"
#include "common/ids.hpp"
#include "common/topology.hpp"
#include "common/wire.hpp"
#include "tests/integration/saga_cluster.hpp"
#include "tests/integration/test_util.hpp"
#include "workers/amqp/amqp_connection.hpp"

namespace sagaflow::test {
namespace {

using std::chrono::seconds;

class OrderSagaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SAGAFLOW_REQUIRE_SERVERS();
    cluster_ = std::make_unique<SagaCluster>();
    cluster_->AddProduct("tea", 1200, 10);
  }

  //! Places an order and returns its saga id.
  std::string Place(const std::string& key, const json::object& body) {
    HttpAnswer placed = cluster_->PlaceOrder(key, body);
    EXPECT_EQ(placed.status, 201u) << ToJson(placed.body);
    return StringOr(placed.body, "saga_id");
  }

  //! Places a one-tea order through the sagad at `sagad_url` and returns its saga id ("" if
  //! that failed, the failure recorded).
  std::string PlaceVia(const std::string& sagad_url) {
    auto placed = http::HttpCall("POST", sagad_url + "/v1/orders", ToJson(SagaCluster::OrderBody("tea", 1)),
                                 {{"Idempotency-Key", NewUuid()}});
    EXPECT_TRUE(placed.ok()) << placed.status().ToString();
    if (!placed.ok()) return "";
    EXPECT_EQ(placed->status, 201u) << placed->body;
    auto body = ParseJsonObject(placed->body);
    return body.ok() ? StringOr(body.value(), "saga_id") : "";
  }

  std::int64_t Stock(const std::string& sku, const std::string& column) {
    return cluster_
        ->Query("SELECT " + column + " FROM workers.products WHERE sku = $1", {sku})
        .GetInt(0, 0);
  }

  //! Drives a placed order from awaiting_payment to completed.
  void PayShipReceive(const std::string& saga_id) {
    ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_payment")) << cluster_->Logs();
    ASSERT_EQ(cluster_->PayAtChannel(saga_id).status, 200u);
    ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_shipment")) << cluster_->Logs();
    ASSERT_EQ(cluster_->Signal(saga_id, "ship", {{"carrier", "SF"}, {"tracking_number", "SF100"}}).status, 202u);
    ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_receipt")) << cluster_->Logs();
    ASSERT_EQ(cluster_->Signal(saga_id, "receive").status, 202u);
    ASSERT_TRUE(cluster_->WaitForState(saga_id, "completed")) << cluster_->Logs();
  }

  //! A worker's answer to the saga's pending step (the test plays the worker).
  wire::Reply ReplyToPending(const std::string& saga_id, const std::string& step) {
    const json::object pending = *ObjectOrNull(cluster_->GetSaga(saga_id).body, "pending_step");
    wire::Reply reply;
    reply.command_id = StringOr(pending, "command_id");
    reply.message_id = wire::ReplyMessageId(reply.command_id, 1);
    reply.saga_id = saga_id;
    reply.step = step;
    return reply;
  }

  //! Publishes `messages` with confirms, as a worker does (the test plays the worker).
  void PublishAsWorker(const std::vector<amqp::OutgoingMessage>& messages) {
    auto publisher = amqp::Connection::Open(cluster_->amqp_url(), "test worker publisher");
    ASSERT_TRUE(publisher.ok()) << publisher.status().ToString();
    ASSERT_TRUE(publisher.value()->EnableConfirms().ok());
    const Status published = publisher.value()->PublishBatch(messages, seconds(10));
    ASSERT_TRUE(published.ok()) << published.ToString();
  }

  //! An unlabelled counter on sagad's /metrics (-1 if unreadable); the first sagad's unless
  //! another's URL is given.
  double MetricValue(const std::string& name, const std::string& sagad_url = {}) {
    auto page = http::HttpCall("GET", (sagad_url.empty() ? cluster_->sagad_url() : sagad_url) + "/metrics");
    if (!page.ok()) return -1;
    const std::size_t at = page->body.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::strtod(page->body.c_str() + at + name.size() + 2, nullptr);
  }

  std::unique_ptr<SagaCluster> cluster_;
};

//! A queue of the test's own bound to `exchange` with `routing_key` next to the real ones: it
//! sees a copy of what is published there. Deleted at the end (a bound queue nobody reads
//! would collect a copy of every later test's messages).
class QueueSpy {
 public:
  QueueSpy(const std::string& amqp_url, std::string_view exchange, const std::string& routing_key)
      : QueueSpy(amqp_url, exchange, std::vector<std::string>{routing_key}) {}
  //! Bound with every one of `routing_keys`.
  QueueSpy(const std::string& amqp_url, std::string_view exchange, const std::vector<std::string>& routing_keys)
      : queue_("sagaflow.test.spy-" + NewUuid()) {
    auto admin = amqp::Connection::Open(amqp_url, "test spy");
    auto reader = amqp::Connection::Open(amqp_url, "test spy reader");
    EXPECT_TRUE(admin.ok() && reader.ok());
    if (!admin.ok() || !reader.ok()) return;
    admin_ = std::move(admin.value());
    reader_ = std::move(reader.value());
    EXPECT_TRUE(admin_->DeclareQueue(queue_).ok());
    for (const std::string& routing_key : routing_keys) {
      EXPECT_TRUE(admin_->BindQueue(queue_, std::string(exchange), routing_key).ok());
    }
    EXPECT_TRUE(reader_->StartConsuming(queue_, 64).ok());
  }
  //! A spy on everything the relay sends to `role`'s queue. A spy on one step's routing key
  //! alone misses that step's commands when the relay packs them with another step's of the
  //! same role: a pack is routed by its first command's step.
  static QueueSpy ForRole(const std::string& amqp_url, std::string_view role) {
    std::vector<std::string> steps;
    if (const wire::WorkerRole* found = wire::FindWorkerRole(role)) {
      for (std::string_view step : found->steps) steps.emplace_back(step);
    }
    EXPECT_FALSE(steps.empty()) << "no role " << role;
    return QueueSpy(amqp_url, wire::kCommandsExchange, steps);
  }
  ~QueueSpy() {
    reader_.reset();
    if (admin_) {
      EXPECT_TRUE(admin_->DeleteQueue(queue_).ok());
    }
  }
  //! The next message (acked), or nullopt if none comes within `timeout`.
  std::optional<amqp::Delivery> Next(std::chrono::milliseconds timeout) {
    if (!reader_) return std::nullopt;
    auto got = reader_->Consume(timeout);
    if (!got.ok() || !got->has_value()) return std::nullopt;
    EXPECT_TRUE(reader_->Ack((*got)->delivery_tag).ok());
    return std::move(**got);
  }
  //! The commands for `step` in the messages that arrive (packs unpacked) until `count` have
  //! come or `timeout` passes.
  std::vector<wire::Command> TakeCommands(std::string_view step, std::size_t count, std::chrono::milliseconds timeout) {
    std::vector<wire::Command> taken;
    WaitUntil(DeadlineIn(timeout), [&] {
      if (auto delivery = Next(std::chrono::milliseconds(100))) {
        auto commands = wire::DecodeCommands(delivery->body);
        EXPECT_TRUE(commands.ok()) << commands.status().ToString();
        if (commands.ok()) {
          for (wire::Command& command : commands.value()) {
            if (command.step == step) taken.push_back(std::move(command));
          }
        }
      }
      return taken.size() >= count;
    });
    return taken;
  }
  //! The bodies of the first `count` messages about `saga_id`, in arrival order (fewer if they
  //! do not all arrive within 10 s).
  std::vector<json::object> TakeFor(const std::string& saga_id, std::size_t count) {
    std::vector<json::object> bodies;
    WaitUntil(DeadlineIn(seconds(10)), [&] {
      if (auto delivery = Next(std::chrono::milliseconds(200))) {
        auto body = ParseJsonObject(delivery->body);
        if (body.ok() && StringOr(body.value(), "saga_id") == saga_id) bodies.push_back(std::move(body.value()));
      }
      return bodies.size() >= count;
    });
    return bodies;
  }

 private:
  std::string queue_;
  std::unique_ptr<amqp::Connection> admin_;
  std::unique_ptr<amqp::Connection> reader_;
};

TEST_F(OrderSagaTest, HappyPathRunsToCompleted) {
  cluster_->StartAll();
  QueueSpy events_spy(cluster_->amqp_url(), wire::kEventsExchange, "order.*");
  const std::string saga_id = Place("happy-1", SagaCluster::OrderBody("tea", 2));
  PayShipReceive(saga_id);

  HttpAnswer saga = cluster_->GetSaga(saga_id);
  EXPECT_EQ(StringOr(saga.body, "status"), "completed");
  const json::object& context = *ObjectOrNull(saga.body, "context");
  EXPECT_EQ(IntOr(context, "amount_cents", 0), 2400);
  EXPECT_EQ(StringOr(context, "order_state"), "completed");
  EXPECT_EQ(StringOr(*ObjectOrNull(context, "payment"), "status"), "paid");
  EXPECT_EQ(StringOr(*ObjectOrNull(context, "shipment"), "tracking_number"), "SF100");
  EXPECT_EQ(cluster_->HistoryEvents(saga_id),
            (std::vector<std::string>{"started", "catalog.price.succeeded", "inventory.reserve.succeeded",
                                      "payment.create.succeeded",
                                      "payment.succeeded", "inventory.confirm.succeeded", "signal.ship",
                                      "logistics.record_shipment.succeeded", "signal.receive"}));
  EXPECT_EQ(Stock("tea", "available"), 8);
  EXPECT_EQ(Stock("tea", "reserved"), 0);
  EXPECT_EQ(Stock("tea", "sold"), 2);
  // Domain events went out through the outbox, each carrying the saga version it was written
  // at: consumers order an order's events by it (they may overtake each other on the way).
  std::vector<json::object> events = events_spy.TakeFor(saga_id, 4);
  std::sort(events.begin(), events.end(), [](const json::object& a, const json::object& b) {
    return IntOr(a, "saga_version", 0) < IntOr(b, "saga_version", 0);
  });
  std::vector<std::string> in_version_order;
  std::set<std::int64_t> versions;
  for (const json::object& event : events) {
    in_version_order.push_back(StringOr(event, "event"));
    versions.insert(IntOr(event, "saga_version", 0));
  }
  EXPECT_EQ(in_version_order,
            (std::vector<std::string>{"order.created", "order.paid", "order.shipped", "order.completed"}));
  EXPECT_EQ(versions.size(), 4u);
  // Published rows are deleted: the outbox holds only what is in flight.
  EXPECT_TRUE(WaitUntil(DeadlineIn(seconds(10)), [&] {
    return cluster_->Query("SELECT count(*) FROM sagaflow.outbox").GetInt(0, 0) == 0;
  }));
}

// The engine hands committed rows to the relay in memory; a row nobody handed over (left by
// a crash between commit and publish, or written by another process) goes out with the
// relay's sweep. Fails if only handed-over rows are ever published.
TEST_F(OrderSagaTest, OutboxRowNobodyHandedOverIsPublishedBySweep) {
  cluster_->SetEnv("SAGAFLOW_RELAY_SWEEP_INTERVAL", "200ms");
  cluster_->SetEnv("SAGAFLOW_RELAY_SWEEP_AFTER", "100ms");
  cluster_->StartAll();
  const std::string routing_key = "test.sweep-" + NewUuid();
  QueueSpy spy(cluster_->amqp_url(), wire::kEventsExchange, routing_key);

  const std::string message_id = NewUuid();
  cluster_->Query(
      "INSERT INTO sagaflow.outbox (message_id, exchange, routing_key, body) VALUES ($1, $2, $3, '{\"left\":true}')",
      {message_id, std::string(wire::kEventsExchange), routing_key});
  const std::optional<amqp::Delivery> delivered = spy.Next(seconds(10));
  ASSERT_TRUE(delivered.has_value()) << cluster_->Logs();
  EXPECT_EQ(delivered->message_id, message_id);
  EXPECT_EQ(delivered->body, R"({"left":true})");
  EXPECT_TRUE(WaitUntil(DeadlineIn(seconds(10)), [&] {  // published, so deleted
    return cluster_->Query("SELECT count(*) FROM sagaflow.outbox WHERE message_id = $1", {message_id}).GetInt(0, 0) ==
           0;
  }));
}

TEST_F(OrderSagaTest, MetricsCountSagasByStatusAndEngineEvents) {
  cluster_->StartAll();
  const std::string saga_id = Place("metrics-1", SagaCluster::OrderBody("tea", 1));
  PayShipReceive(saga_id);
  EXPECT_EQ(cluster_->Signal(saga_id, "ship", {{"carrier", "SF"}, {"tracking_number", "X"}}).status, 409u);
  auto metrics = http::HttpCall("GET", cluster_->sagad_url() + "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->status, 200u);
  EXPECT_EQ(metrics->headers["content-type"].rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_NE(metrics->body.find("sagaflow_sagas{type=\"order\",status=\"completed\"} 1\n"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("sagaflow_sagas_started_total 1\n"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("sagaflow_events_refused_total 1\n"), std::string::npos) << metrics->body;
}

TEST_F(OrderSagaTest, SameIdempotencyKeyReturnsTheSameSaga) {
  cluster_->StartSagad();
  const json::object body = SagaCluster::OrderBody("tea", 1);
  HttpAnswer first = cluster_->PlaceOrder("idem-1", body);
  ASSERT_EQ(first.status, 201u);
  HttpAnswer again = cluster_->PlaceOrder("idem-1", body);
  EXPECT_EQ(again.status, 200u);
  EXPECT_EQ(StringOr(again.body, "saga_id"), StringOr(first.body, "saga_id"));
  EXPECT_EQ(StringOr(again.body, "order_id"), StringOr(first.body, "order_id"));

  HttpAnswer other_body = cluster_->PlaceOrder("idem-1", SagaCluster::OrderBody("tea", 3));
  EXPECT_EQ(other_body.status, 422u);
  EXPECT_EQ(StringOr(*ObjectOrNull(other_body.body, "error"), "code"), "unprocessable");

  // Concurrent first requests with one key still make one saga (the unique index decides).
  std::vector<std::thread> clients;
  std::vector<unsigned> statuses(8);
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    clients.emplace_back([&, i] { statuses[i] = cluster_->PlaceOrder("idem-race", body).status; });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201u), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200u), 7);
  EXPECT_EQ(cluster_->Query("SELECT count(*) FROM sagaflow.sagas WHERE idempotency_key = 'idem-race'").GetInt(0, 0), 1);
}

TEST_F(OrderSagaTest, OrdersPlacedAtOnceShareCommitsAndEachIsPlacedOnce) {
  // 16 clients at once on 8 HTTP threads and 2 commit slots (engine.write_groups): those that
  // come while both slots commit wait and share the next transaction (a group commit).
  cluster_->StartSagad();
  int placed = 0;
  std::atomic<int> created{0};
  std::set<std::string> saga_ids;
  std::mutex ids_mutex;
  // Whether a burst forms a group is up to the scheduler: bursts until one has.
  ASSERT_TRUE(WaitUntil(DeadlineIn(seconds(60)), [&] {
    std::vector<std::thread> clients;
    for (int i = 0; i < 16; ++i) {
      const std::string key = "burst-" + std::to_string(placed + i);
      clients.emplace_back([&, key] {
        HttpAnswer answer = cluster_->PlaceOrder(key, SagaCluster::OrderBody("tea", 1));
        if (answer.status != 201u) return;
        ++created;
        std::lock_guard lock(ids_mutex);
        saga_ids.insert(StringOr(answer.body, "saga_id"));
      });
    }
    for (auto& client : clients) client.join();
    placed += 16;
    return MetricValue("sagaflow_events_in_shared_commits_total") > 0;
  })) << cluster_->Logs();
  EXPECT_GE(MetricValue("sagaflow_shared_commits_total"), 1);
  // Every request answered 201 with a saga of its own, and each key made exactly one row.
  EXPECT_EQ(created.load(), placed);
  EXPECT_EQ(saga_ids.size(), static_cast<std::size_t>(placed));
  EXPECT_EQ(cluster_->Query("SELECT count(*) FROM sagaflow.sagas WHERE idempotency_key LIKE 'burst-%'").GetInt(0, 0),
            placed);
  EXPECT_EQ(cluster_->Query("SELECT count(DISTINCT idempotency_key) FROM sagaflow.sagas").GetInt(0, 0), placed);
  // Each saga's first history entry was written once, by the transaction that inserted it.
  EXPECT_EQ(cluster_->Query("SELECT count(*) FROM sagaflow.saga_history WHERE seq = 1").GetInt(0, 0), placed);
}

TEST_F(OrderSagaTest, BadInputIsRefusedNamingTheField) {
  cluster_->StartSagad();
  auto field_of = [](const HttpAnswer& answer) { return StringOr(*ObjectOrNull(answer.body, "error"), "field"); };

  HttpAnswer no_user = cluster_->PlaceOrder("bad-1", json::object{{"items", json::array{}}});
  EXPECT_EQ(no_user.status, 400u);
  EXPECT_EQ(field_of(no_user), "user_id");

  json::object zero = SagaCluster::OrderBody("tea", 0);
  HttpAnswer zero_quantity = cluster_->PlaceOrder("bad-2", zero);
  EXPECT_EQ(zero_quantity.status, 400u);
  EXPECT_EQ(field_of(zero_quantity), "items[0].quantity");

  HttpAnswer no_key = cluster_->Call("POST", "/v1/orders", ToJson(SagaCluster::OrderBody("tea", 1)));
  EXPECT_EQ(no_key.status, 400u);
  EXPECT_EQ(field_of(no_key), "Idempotency-Key");

  HttpAnswer not_json = cluster_->Call("POST", "/v1/orders", "{oops", {{"Idempotency-Key", "bad-3"}});
  EXPECT_EQ(not_json.status, 400u);
  EXPECT_EQ(field_of(not_json), "body");

  EXPECT_EQ(cluster_->GetSaga("00000000-0000-0000-0000-000000000000").status, 404u);
  EXPECT_EQ(cluster_->GetSaga("not-a-uuid").status, 404u);
  EXPECT_EQ(cluster_->Call("GET", "/v1/sagas?status=sleeping").status, 400u);
  EXPECT_EQ(cluster_->Query("SELECT count(*) FROM sagaflow.sagas").GetInt(0, 0), 0);
}

TEST_F(OrderSagaTest, SignalTheStateDoesNotAcceptIsRefusedWith409) {
  cluster_->StartAll();
  const std::string saga_id = Place("signal-1", SagaCluster::OrderBody("tea", 1));
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_payment")) << cluster_->Logs();

  HttpAnswer early = cluster_->Signal(saga_id, "receive");
  EXPECT_EQ(early.status, 409u);
  EXPECT_EQ(StringOr(*ObjectOrNull(early.body, "error"), "state"), "awaiting_payment");

  HttpAnswer unknown = cluster_->Signal(saga_id, "teleport");
  EXPECT_EQ(unknown.status, 400u);
  EXPECT_EQ(StringOr(*ObjectOrNull(unknown.body, "error"), "field"), "name");

  EXPECT_EQ(cluster_->Signal("00000000-0000-0000-0000-000000000000", "ship").status, 404u);
  // Refusals change nothing.
  EXPECT_EQ(StringOr(cluster_->GetSaga(saga_id).body, "state"), "awaiting_payment");
  EXPECT_EQ(cluster_->HistoryEvents(saga_id).size(), 4u);
}

TEST_F(OrderSagaTest, PaymentCallbackWithBadSignatureIsRefused) {
  cluster_->StartAll();
  const std::string saga_id = Place("sig-1", SagaCluster::OrderBody("tea", 1));
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_payment")) << cluster_->Logs();
  HttpAnswer saga = cluster_->GetSaga(saga_id);
  const json::object& payment = *ObjectOrNull(*ObjectOrNull(saga.body, "context"), "payment");
  const std::string body = ToJson(json::object{{"payment_id", payment.at("payment_id")},
                                               {"merchant_order_id", saga.body.at("order_id")},
                                               {"amount_cents", 1200},
                                               {"status", "paid"}});
  HttpAnswer forged = cluster_->Call("POST", "/v1/payments/callback", body,
                                     {{"X-Signature", HmacSha256Hex("wrong-secret", body)}});
  EXPECT_EQ(forged.status, 401u);
  HttpAnswer unsigned_call = cluster_->Call("POST", "/v1/payments/callback", body);
  EXPECT_EQ(unsigned_call.status, 401u);
  EXPECT_EQ(StringOr(cluster_->GetSaga(saga_id).body, "state"), "awaiting_payment");

  // The same body signed with the shared secret is accepted, once.
  const auto signature = HmacSha256Hex(cluster_->payment_secret(), body);
  EXPECT_EQ(cluster_->Call("POST", "/v1/payments/callback", body, {{"X-Signature", signature}}).status, 200u);
  EXPECT_EQ(cluster_->Call("POST", "/v1/payments/callback", body, {{"X-Signature", signature}}).status, 200u);
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_shipment")) << cluster_->Logs();
  auto events = cluster_->HistoryEvents(saga_id);
  EXPECT_EQ(std::count(events.begin(), events.end(), "payment.succeeded"), 1);
}

TEST_F(OrderSagaTest, WorkerKilledMidFlightThenRestartedStillCompletes) {
  cluster_->StartAll();
  cluster_->worker().Kill();  // SIGKILL: no goodbye to the broker
  const std::string saga_id = Place("crash-1", SagaCluster::OrderBody("tea", 2));
  // With no worker the command waits in its durable queue.
  ASSERT_TRUE(WaitUntil(DeadlineIn(seconds(10)), [&] {
    return MetricValue("sagaflow_outbox_published_total") >= 1;
  }));
  EXPECT_EQ(StringOr(cluster_->GetSaga(saga_id).body, "state"), "pricing");

  cluster_->StartWorker();
  PayShipReceive(saga_id);
  EXPECT_EQ(Stock("tea", "sold"), 2);
}

TEST_F(OrderSagaTest, UnansweredStepIsResentAfterTheTimeoutAndAppliedOnce) {
  cluster_->SetEnv("SAGAFLOW_ENGINE_STEP_TIMEOUT", "300ms");
  cluster_->SetEnv("SAGAFLOW_ENGINE_MAX_ATTEMPTS", "50");
  cluster_->StartAll();
  cluster_->worker().Kill();
  const std::string saga_id = Place("timeout-1", SagaCluster::OrderBody("tea", 2));
  // Nobody answers: the engine sends the same command again after each timeout.
  ASSERT_TRUE(WaitUntil(DeadlineIn(seconds(20)), [&] {
    auto events = cluster_->HistoryEvents(saga_id);
    return std::count(events.begin(), events.end(), "step.resent") >= 2;
  })) << cluster_->Logs();
  EXPECT_EQ(StringOr(*ObjectOrNull(cluster_->GetSaga(saga_id).body, "pending_step"), "step"), "catalog.price");

  // The worker comes back to several copies of one command id: one effect, one transition.
  cluster_->StartWorker();
  PayShipReceive(saga_id);
  auto events = cluster_->HistoryEvents(saga_id);
  EXPECT_EQ(std::count(events.begin(), events.end(), "catalog.price.succeeded"), 1);
  EXPECT_EQ(std::count(events.begin(), events.end(), "inventory.reserve.succeeded"), 1);
  EXPECT_EQ(Stock("tea", "sold"), 2);
  EXPECT_EQ(Stock("tea", "available"), 8);
}

TEST_F(OrderSagaTest, CommandTheBrokerDroppedIsSentAgainByTheStepTimer) {
  cluster_->SetEnv("SAGAFLOW_ENGINE_STEP_TIMEOUT", "500ms");
  cluster_->StartChannel();
  cluster_->StartSagad();  // no worker yet: the first command waits in the inventory queue
  const std::string saga_id = Place("dropped-1", SagaCluster::OrderBody("tea", 1));
  ASSERT_TRUE(WaitUntil(DeadlineIn(seconds(10)), [&] {
    return MetricValue("sagaflow_outbox_published_total") >= 1;
  }));
  // Commands are transient: a broker restart drops them. Purging the queue does the same.
  auto broker = amqp::Connection::Open(cluster_->amqp_url(), "test drop command");
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  auto purged = broker.value()->PurgeQueue(wire::WorkerQueueName("inventory"));
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  ASSERT_EQ(purged.value(), 1u);

  cluster_->StartWorker();
  PayShipReceive(saga_id);
  auto events = cluster_->HistoryEvents(saga_id);
  EXPECT_GE(std::count(events.begin(), events.end(), "step.resent"), 1);
  EXPECT_EQ(std::count(events.begin(), events.end(), "catalog.price.succeeded"), 1);
}

TEST_F(OrderSagaTest, WorkerCrashAfterCommitBeforeReplyAppliesTheStepOnce) {
  cluster_->StartChannel();
  cluster_->StartSagad();
  // The worker commits the reservation, then dies before replying or acking.
  cluster_->StartWorker("inventory,payment,logistics", {{"SAGAFLOW_TESTPOINT_CRASH_AFTER_COMMIT", "inventory.reserve"}});
  const std::string saga_id = Place("crash-2", SagaCluster::OrderBody("tea", 3));
  ASSERT_TRUE(cluster_->worker().WaitForExit(seconds(20))) << cluster_->Logs();
  EXPECT_EQ(cluster_->worker().exit_code(), 86);
  EXPECT_EQ(Stock("tea", "reserved"), 3);

  // The redelivered command finds its stored reply: no second reservation.
  cluster_->StartWorker();
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_payment")) << cluster_->Logs();
  EXPECT_EQ(Stock("tea", "available"), 7);
  EXPECT_EQ(Stock("tea", "reserved"), 3);
  PayShipReceive(saga_id);
  EXPECT_EQ(Stock("tea", "sold"), 3);
}

TEST_F(OrderSagaTest, TwoSagadsWithTheirOwnCachesDriveTheSameOrdersToCompleted) {
  // Replies go to either sagad (no sticky replies: as when they wait too long in their own
  // sagad's queue), and each keeps the rows it last wrote: each one's cache is regularly
  // behind the database. Signals alternate between the two. Nothing may be refused or
  // dropped for being judged on a row another process has moved on.
  cluster_->SetEnv("SAGAFLOW_REPLIES_STICKY_WAIT", "0");
  cluster_->AddProduct("tea", 1200, 100);
  cluster_->StartAll();
  cluster_->StartSecondSagad();
  std::vector<std::string> sagas;
  for (int i = 0; i < 12; ++i) sagas.push_back(Place("two-sagad-" + std::to_string(i), SagaCluster::OrderBody("tea", 1)));
  for (std::size_t i = 0; i < sagas.size(); ++i) {
    const std::string& saga_id = sagas[i];
    const std::string& ship_via = i % 2 == 0 ? cluster_->second_sagad_url() : cluster_->sagad_url();
    const std::string& receive_via = i % 2 == 0 ? cluster_->sagad_url() : cluster_->second_sagad_url();
    ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_payment")) << cluster_->Logs();
    ASSERT_EQ(cluster_->PayAtChannel(saga_id).status, 200u);
    ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_shipment")) << cluster_->Logs();
    auto shipped = http::HttpCall("POST", ship_via + "/v1/sagas/" + saga_id + "/signals/ship",
                                  R"({"carrier":"SF","tracking_number":"SF1"})");
    ASSERT_TRUE(shipped.ok());
    ASSERT_EQ(shipped->status, 202u) << shipped->body;
    ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_receipt")) << cluster_->Logs();
    auto received = http::HttpCall("POST", receive_via + "/v1/sagas/" + saga_id + "/signals/receive", "{}");
    ASSERT_TRUE(received.ok());
    ASSERT_EQ(received->status, 202u) << received->body;
  }
  for (const std::string& saga_id : sagas) {
    ASSERT_TRUE(cluster_->WaitForState(saga_id, "completed")) << cluster_->Logs();
    // No step waited for its timeout: every reply was applied when it came.
    auto events = cluster_->HistoryEvents(saga_id);
    EXPECT_EQ(std::count(events.begin(), events.end(), "step.resent"), 0) << saga_id;
  }
}

TEST_F(OrderSagaTest, RepliesGoBackToTheSagadThatSentTheCommand) {
  // Sticky replies: each sagad takes the replies to its own commands from a queue of its own,
  // so every reply applies to the row the sender cached when it sent the command. Shared,
  // about half of them would reach the other sagad, which has to read the row.
  cluster_->AddProduct("tea", 1200, 100);
  cluster_->StartAll();
  cluster_->StartSecondSagad();
  constexpr int kOrders = 6;
  std::vector<std::string> sagas;
  for (int i = 0; i < kOrders; ++i) {
    sagas.push_back(PlaceVia(cluster_->second_sagad_url()));
    ASSERT_FALSE(sagas.back().empty());
  }
  for (const std::string& saga_id : sagas) {
    ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_payment")) << cluster_->Logs();
  }
  // catalog.price, inventory.reserve and payment.create of every order, all on the sagad that
  // placed it, each applied to its cached row.
  const std::string second = cluster_->second_sagad_url();
  EXPECT_EQ(MetricValue("sagaflow_replies_received_total", second), 3 * kOrders);
  EXPECT_EQ(MetricValue("sagaflow_replies_received_total"), 0);
  EXPECT_EQ(MetricValue("sagaflow_saga_cache_misses_total", second), 0);
  EXPECT_EQ(MetricValue("sagaflow_saga_cache_stale_total", second), 0);
  EXPECT_EQ(MetricValue("sagaflow_saga_cache_hits_total", second), 3 * kOrders);
}

TEST_F(OrderSagaTest, ReplyToAStoppedSagadReachesAnotherAfterTheStickyWait) {
  // The sagad that sent a command is gone when its reply comes: the reply waits in that
  // sagad's queue for replies.sticky_wait, then expires into the shared queue, where the
  // other sagad takes it. No step timer is needed (its timeout is far longer).
  cluster_->SetEnv("SAGAFLOW_REPLIES_STICKY_WAIT", "300ms");
  QueueSpy price_commands(cluster_->amqp_url(), wire::kCommandsExchange, "catalog.price");
  cluster_->StartChannel();
  cluster_->StartSagad();
  cluster_->StartSecondSagad();
  // Its queue exists before it sends anything (a reply to a sagad without one takes the
  // alternate exchange instead: ReplyToASagadWithoutAQueueIsTakenFromTheSharedQueue).
  ASSERT_TRUE(WaitUntil(DeadlineIn(seconds(10)), [&] {
    return cluster_->second_sagad().ReadLog().find("sticky replies:") != std::string::npos;
  })) << cluster_->Logs();
  const std::string saga_id = PlaceVia(cluster_->second_sagad_url());
  ASSERT_FALSE(saga_id.empty());
  // Its catalog.price command is published and waits for a worker; the sagad that sent it dies.
  auto command = price_commands.Next(seconds(10));
  ASSERT_TRUE(command.has_value()) << cluster_->Logs();
  ASSERT_NE(command->body.find(saga_id), std::string::npos);
  cluster_->second_sagad().Kill();
  cluster_->StartWorker();
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_payment")) << cluster_->Logs();
  EXPECT_GE(MetricValue("sagaflow_replies_received_total"), 3);
  auto events = cluster_->HistoryEvents(saga_id);
  EXPECT_EQ(std::count(events.begin(), events.end(), "step.resent"), 0) << cluster_->Logs();
}

TEST_F(OrderSagaTest, ReplyToASagadWithoutAQueueIsTakenFromTheSharedQueue) {
  // No queue is bound for the reply's sagad (gone long enough for the broker to delete its
  // queue): the sticky exchange's alternate exchange hands the reply to the shared queue.
  cluster_->StartSagad();  // no workers: the test plays the catalog worker
  const std::string saga_id = Place("sticky-gone-1", SagaCluster::OrderBody("tea", 1));
  wire::Reply reply = ReplyToPending(saga_id, "catalog.price");
  reply.result = json::object{{"base_cents", 1200}, {"total_cents", 1200}};
  // Mandatory (the default): had the broker dropped it as unroutable, publishing would fail.
  ASSERT_NO_FATAL_FAILURE(PublishAsWorker({amqp::OutgoingMessage{
      std::string(wire::kStickyRepliesExchange), "sagad-" + NewUuid(), wire::EncodeReply(reply), reply.message_id}}));
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "reserving_inventory")) << cluster_->Logs();
}

TEST_F(OrderSagaTest, SagadKilledMidFlightResumesAfterRestart) {
  cluster_->StartAll();
  const std::string saga_id = Place("crash-3", SagaCluster::OrderBody("tea", 1));
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_payment")) << cluster_->Logs();
  cluster_->sagad().Kill();
  cluster_->StartSagad();
  PayShipReceive(saga_id);
}

// The connection to PostgreSQL dies after the ship signal's COMMIT took effect, before its
// answer arrives (SAGAFLOW_TESTPOINT_LOSE_COMMIT_ANSWER kills the backend right then). sagad
// looks before running the signal again, which would find the saga shipped and refuse it
// with 409: the caller gets 202, and the signal is applied once.
TEST_F(OrderSagaTest, SignalWhoseCommitAnswerWasLostIsAcceptedOnce) {
  cluster_->SetEnv("SAGAFLOW_TESTPOINT_LOSE_COMMIT_ANSWER", "signal.ship");
  cluster_->StartAll();
  const std::string saga_id = Place("lost-commit-1", SagaCluster::OrderBody("tea", 1));
  PayShipReceive(saga_id);  // expects 202 for the ship signal
  auto events = cluster_->HistoryEvents(saga_id);
  EXPECT_EQ(std::count(events.begin(), events.end(), "signal.ship"), 1);
  EXPECT_NE(cluster_->Logs().find("the answer to a COMMIT was lost"), std::string::npos) << cluster_->Logs();
}

TEST_F(OrderSagaTest, DuplicateReplyIsAppliedOnce) {
  cluster_->StartSagad();  // no workers: the test plays the inventory worker
  const std::string saga_id = Place("dup-1", SagaCluster::OrderBody("tea", 1));
  wire::Reply reply = ReplyToPending(saga_id, "catalog.price");
  reply.result = json::object{{"base_cents", 1200}, {"total_cents", 1200}};

  amqp::OutgoingMessage message{std::string(wire::kRepliesExchange), std::string(wire::kReplyRoutingKey),
                                wire::EncodeReply(reply), reply.message_id};
  // The same reply twice (a redelivery), then a stale one for the same command with a new id.
  wire::Reply stale = reply;
  stale.message_id = wire::ReplyMessageId(reply.command_id, 2);
  amqp::OutgoingMessage stale_message{std::string(wire::kRepliesExchange), std::string(wire::kReplyRoutingKey),
                                      wire::EncodeReply(stale), stale.message_id};
  QueueSpy inventory_commands = QueueSpy::ForRole(cluster_->amqp_url(), "inventory");
  ASSERT_NO_FATAL_FAILURE(PublishAsWorker({message, message, stale_message}));

  ASSERT_TRUE(cluster_->WaitForState(saga_id, "reserving_inventory")) << cluster_->Logs();
  // Both copies that came after the first were seen and dropped.
  ASSERT_TRUE(WaitUntil(DeadlineIn(seconds(10)), [&] {
    auto metrics = http::HttpCall("GET", cluster_->sagad_url() + "/metrics");
    return metrics.ok() && metrics->body.find("sagaflow_replies_stale_total 2\n") != std::string::npos;
  }));
  auto events = cluster_->HistoryEvents(saga_id);
  EXPECT_EQ(std::count(events.begin(), events.end(), "catalog.price.succeeded"), 1);
  EXPECT_EQ(events.size(), 2u);
  // Exactly one inventory.reserve command was sent, well before the step timer (10 s) would
  // have sent it again. (When sagad's relay connects only after the reply was applied, it
  // sends catalog.price and inventory.reserve in one pack routed as catalog.price.)
  EXPECT_EQ(inventory_commands.TakeCommands("inventory.reserve", 1, seconds(5)).size(), 1u) << cluster_->Logs();
  EXPECT_TRUE(inventory_commands.TakeCommands("inventory.reserve", 1, std::chrono::milliseconds(500)).empty());
}

//! Records the routing key of every row inserted into sagaflow.outbox from now on.
void LogOutboxInserts(SagaCluster& cluster) {
  cluster.Query("CREATE TABLE public.outbox_inserts (routing_key text NOT NULL)");
  cluster.Query(
      "CREATE FUNCTION public.log_outbox_insert() RETURNS trigger LANGUAGE plpgsql AS"
      " $$ BEGIN INSERT INTO public.outbox_inserts VALUES (NEW.routing_key); RETURN NEW; END $$");
  cluster.Query(
      "CREATE TRIGGER log_insert AFTER INSERT ON sagaflow.outbox"
      " FOR EACH ROW EXECUTE FUNCTION public.log_outbox_insert()");
}

std::vector<std::string> OutboxInserts(SagaCluster& cluster) {
  storage::PgResult rows = cluster.Query("SELECT routing_key FROM public.outbox_inserts ORDER BY 1");
  std::vector<std::string> keys;
  for (int i = 0; i < rows.rows(); ++i) keys.push_back(rows.Get(i, 0));
  return keys;
}

// Step commands go to the relay without an outbox row (the saga row and its step timer are
// their durable copy); domain events, which nothing else re-creates, keep theirs.
TEST_F(OrderSagaTest, StepCommandsAreHandedToTheRelayWithoutOutboxRows) {
  cluster_->StartAll();
  LogOutboxInserts(*cluster_);
  const std::string saga_id = Place("rowless-1", SagaCluster::OrderBody("tea", 1));
  PayShipReceive(saga_id);
  EXPECT_EQ(OutboxInserts(*cluster_),
            (std::vector<std::string>{"order.completed", "order.created", "order.paid", "order.shipped"}));
}

// A step command the relay cannot publish (here: unroutable, its queue deleted) is written
// into the outbox, and the sweep publishes it once the relay has reconnected (and declared
// the queue again), instead of the step waiting for its 30 s timeout.
TEST_F(OrderSagaTest, StepCommandTheRelayCannotPublishIsWrittenToTheOutboxForTheSweep) {
  cluster_->SetEnv("SAGAFLOW_RELAY_SWEEP_INTERVAL", "200ms");
  cluster_->SetEnv("SAGAFLOW_RELAY_SWEEP_AFTER", "100ms");
  cluster_->StartSagad();
  LogOutboxInserts(*cluster_);
  // Both of sagad's AMQP sessions declare the topology when they connect: delete the queue after.
  ASSERT_TRUE(WaitUntil(DeadlineIn(seconds(10)), [&] {
    bool relay = false;
    bool consumer = false;
    for (const std::string& line : LinesOfProcess(cluster_->sagad().ReadLog(), "sagad", cluster_->sagad().pid())) {
      relay = relay || line.find("outbox relay connected") != std::string::npos;
      consumer = consumer || line.find("reply consumer connected") != std::string::npos;
    }
    return relay && consumer;
  }));
  {
    auto admin = amqp::Connection::Open(cluster_->amqp_url(), "test delete queue");
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    ASSERT_TRUE(admin.value()->DeleteQueue(wire::WorkerQueueName("inventory")).ok());
  }
  const std::string saga_id = Place("spill-1", SagaCluster::OrderBody("tea", 1));
  ASSERT_TRUE(WaitUntil(DeadlineIn(seconds(10)), [&] {
    const std::vector<std::string> inserts = OutboxInserts(*cluster_);
    return std::find(inserts.begin(), inserts.end(), "catalog.price") != inserts.end();
  })) << cluster_->Logs();
  cluster_->StartChannel();
  cluster_->StartWorker();
  EXPECT_TRUE(cluster_->WaitForState(saga_id, "awaiting_payment", seconds(15))) << cluster_->Logs();
  const std::vector<std::string> events = cluster_->HistoryEvents(saga_id);
  EXPECT_EQ(std::count(events.begin(), events.end(), "step.resent"), 0) << "published by the sweep, not resent";
}

// A sagad stopping while its relay still holds step commands (here: it never reached the
// broker) writes them into the outbox; the next sagad's sweep publishes them, instead of the
// step waiting for its timeout.
TEST_F(OrderSagaTest, StepCommandsTheRelayHoldsWhenSagadStopsAreWrittenToTheOutbox) {
  cluster_->SetEnv("SAGAFLOW_AMQP_URL", "amqp://guest:guest@127.0.0.1:1/");  // nothing listens there
  // Without a broker sagad still serves, once it has waited this long for one.
  cluster_->SetEnv("SAGAFLOW_HTTP_BROKER_WAIT", "300ms");
  cluster_->StartSagad();
  EXPECT_NE(cluster_->sagad().ReadLog().find("not connected to RabbitMQ after 300 ms; serving HTTP anyway"),
            std::string::npos)
      << cluster_->Logs();
  LogOutboxInserts(*cluster_);
  const std::string saga_id = Place("stop-1", SagaCluster::OrderBody("tea", 1));
  EXPECT_TRUE(OutboxInserts(*cluster_).empty()) << "handed to the relay, no row";
  ASSERT_EQ(cluster_->sagad().Terminate(), 0) << cluster_->Logs();
  EXPECT_EQ(OutboxInserts(*cluster_), std::vector<std::string>{"catalog.price"}) << cluster_->Logs();

  cluster_->SetEnv("SAGAFLOW_AMQP_URL", cluster_->amqp_url());  // later entries win
  cluster_->SetEnv("SAGAFLOW_RELAY_SWEEP_INTERVAL", "200ms");
  cluster_->SetEnv("SAGAFLOW_RELAY_SWEEP_AFTER", "100ms");
  cluster_->StartAll();
  EXPECT_TRUE(cluster_->WaitForState(saga_id, "awaiting_payment", seconds(15))) << cluster_->Logs();
  const std::vector<std::string> events = cluster_->HistoryEvents(saga_id);
  EXPECT_EQ(std::count(events.begin(), events.end(), "step.resent"), 0) << "published by the sweep, not resent";
}

// sagad serves HTTP only once its relay and both reply consumers are connected to the broker:
// the first order's commands find the relay, and the replies to them this sagad's own queue.
TEST_F(OrderSagaTest, SagadServesHttpOnceItsBrokerLoopsAreConnected) {
  cluster_->StartSagad();  // returns once sagad has printed "listening on"
  // The log file is the test's, kept across runs: look at this run of sagad, from its
  // migrations to the line it prints once it serves.
  const std::string log = cluster_->sagad().ReadLog();
  const std::size_t listening = log.rfind("listening on");
  ASSERT_NE(listening, std::string::npos) << log;
  const std::size_t started = log.rfind("orchestrator schema", listening);
  ASSERT_NE(started, std::string::npos) << log;
  const std::string before = log.substr(started, listening - started);
  EXPECT_NE(before.find("outbox relay connected"), std::string::npos) << log;
  std::size_t consumers = 0;
  for (std::size_t at = before.find("reply consumer connected"); at != std::string::npos;
       at = before.find("reply consumer connected", at + 1)) {
    ++consumers;
  }
  EXPECT_EQ(consumers, 2u) << log;
}

//! Runs one order to awaiting_payment and reports whether the first command, the first reply
//! and the first domain event were published persistent.
struct Persistence {
  bool command = false;
  bool reply = false;
  bool event = false;
};
Persistence PersistenceOfOneOrder(SagaCluster& cluster) {
  QueueSpy commands(cluster.amqp_url(), wire::kCommandsExchange, "catalog.price");
  // Replies go to the sagad's own queue, named here so the spy can bind next to it.
  const std::string instance = "persistence-test-" + NewUuid();
  cluster.SetEnv("SAGAFLOW_REPLIES_INSTANCE", instance);
  QueueSpy replies(cluster.amqp_url(), wire::kStickyRepliesExchange, instance);
  QueueSpy events(cluster.amqp_url(), wire::kEventsExchange, "order.created");
  cluster.StartAll();
  HttpAnswer placed = cluster.PlaceOrder(NewUuid(), SagaCluster::OrderBody("tea", 1));
  EXPECT_TRUE(cluster.WaitForState(StringOr(placed.body, "saga_id"), "awaiting_payment")) << cluster.Logs();
  Persistence seen;
  for (auto [spy, flag] : {std::pair{&commands, &seen.command}, {&replies, &seen.reply}, {&events, &seen.event}}) {
    auto delivery = spy->Next(seconds(10));
    EXPECT_TRUE(delivery.has_value()) << "nothing published";
    if (delivery) *flag = delivery->persistent;
  }
  return seen;
}

TEST_F(OrderSagaTest, CommandsAndRepliesAreTransientDomainEventsPersistent) {
  const Persistence seen = PersistenceOfOneOrder(*cluster_);
  EXPECT_FALSE(seen.command);
  EXPECT_FALSE(seen.reply);
  EXPECT_TRUE(seen.event);
}

TEST_F(OrderSagaTest, PersistentStepsSettingMakesCommandsAndRepliesPersistent) {
  cluster_->SetEnv("SAGAFLOW_AMQP_PERSISTENT_STEPS", "true");
  const Persistence seen = PersistenceOfOneOrder(*cluster_);
  EXPECT_TRUE(seen.command);
  EXPECT_TRUE(seen.reply);
  EXPECT_TRUE(seen.event);
}

// A worker answers the commands of one batch with one message; sagad applies every reply in
// it, to whichever saga each belongs.
TEST_F(OrderSagaTest, ReplyPackAnsweringSeveralSagasAppliesEachReply) {
  cluster_->StartSagad();  // no workers: the test plays the catalog worker
  const std::string first = Place("pack-1", SagaCluster::OrderBody("tea", 1));
  const std::string second = Place("pack-2", SagaCluster::OrderBody("tea", 2));
  std::vector<wire::Reply> pack;
  for (const std::string& saga_id : {first, second}) {
    wire::Reply reply = ReplyToPending(saga_id, "catalog.price");
    reply.result = json::object{{"base_cents", 1200}, {"total_cents", 1200}};
    pack.push_back(reply);
  }
  ASSERT_NO_FATAL_FAILURE(PublishAsWorker({amqp::OutgoingMessage{
      std::string(wire::kRepliesExchange), std::string(wire::kReplyRoutingKey), wire::EncodeReplies(pack), NewUuid()}}));
  ASSERT_TRUE(cluster_->WaitForState(first, "reserving_inventory")) << cluster_->Logs();
  ASSERT_TRUE(cluster_->WaitForState(second, "reserving_inventory")) << cluster_->Logs();
  auto metrics = http::HttpCall("GET", cluster_->sagad_url() + "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("sagaflow_reply_messages_total 1\n"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("sagaflow_replies_received_total 2\n"), std::string::npos) << metrics->body;
}

TEST_F(OrderSagaTest, UndecodableReplyEndingABatchIsDeadLetteredAndTheRestApplied) {
  cluster_->StartSagad();  // no workers: the test plays the inventory worker
  const std::string saga_id = Place("garbage-1", SagaCluster::OrderBody("tea", 1));
  wire::Reply reply = ReplyToPending(saga_id, "catalog.price");
  reply.result = json::object{{"base_cents", 1200}, {"total_cents", 1200}};

  // Queued while sagad is down, so the restarted consumer takes both as one batch.
  cluster_->sagad().Terminate();
  const std::string exchange(wire::kRepliesExchange);
  const std::string routing_key(wire::kReplyRoutingKey);
  ASSERT_NO_FATAL_FAILURE(
      PublishAsWorker({amqp::OutgoingMessage{exchange, routing_key, wire::EncodeReply(reply), reply.message_id},
                       amqp::OutgoingMessage{exchange, routing_key, "not a reply", "garbage"}}));
  cluster_->StartSagad();
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "reserving_inventory")) << cluster_->Logs();

  // Settling the batch must not have acked the rejected message again (that closes the
  // channel): the consumer answers the next reply without reconnecting.
  wire::Reply refused = ReplyToPending(saga_id, "inventory.reserve");
  refused.outcome = wire::Outcome::kFailed;
  refused.error_code = "insufficient_stock";
  ASSERT_NO_FATAL_FAILURE(
      PublishAsWorker({amqp::OutgoingMessage{exchange, routing_key, wire::EncodeReply(refused), refused.message_id}}));
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "compensated")) << cluster_->Logs();
  for (const std::string& line : LinesOfProcess(cluster_->sagad().ReadLog(), "sagad", cluster_->sagad().pid())) {
    EXPECT_EQ(line.find("reconnecting"), std::string::npos) << line;
  }
  auto dead = amqp::Connection::Open(cluster_->amqp_url(), "test garbage dead letters");
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ(dead.value()->PurgeQueue(std::string(wire::kDeadLetterQueue)).value(), 1u);
}

TEST_F(OrderSagaTest, OutOfStockOrderIsCompensatedWithTheReason) {
  cluster_->StartAll();
  const std::string saga_id = Place("short-1", SagaCluster::OrderBody("tea", 11));
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "compensated")) << cluster_->Logs();
  HttpAnswer saga = cluster_->GetSaga(saga_id);
  EXPECT_EQ(StringOr(saga.body, "status"), "compensated");
  const json::object& failure = *ObjectOrNull(*ObjectOrNull(saga.body, "context"), "failure");
  EXPECT_EQ(StringOr(failure, "code"), "insufficient_stock");
  EXPECT_EQ(Stock("tea", "available"), 10);
}

TEST_F(OrderSagaTest, PaymentChannelDownRetriesThenReleasesInventory) {
  cluster_->SetEnv("SAGAFLOW_ENGINE_MAX_ATTEMPTS", "3");
  cluster_->StartAll();
  ASSERT_EQ(cluster_->Call("POST", "/channel/admin/fail-rate", ToJson(json::object{{"fail_rate", 1.0}})).status, 200u);
  const std::string saga_id = Place("down-1", SagaCluster::OrderBody("tea", 4));
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "compensated")) << cluster_->Logs();
  auto events = cluster_->HistoryEvents(saga_id);
  EXPECT_EQ(std::count(events.begin(), events.end(), "step.retry_scheduled"), 2);
  EXPECT_EQ(std::count(events.begin(), events.end(), "payment.create.failed"), 1);
  EXPECT_EQ(std::count(events.begin(), events.end(), "inventory.release.succeeded"), 1);
  EXPECT_EQ(Stock("tea", "available"), 10);
  EXPECT_EQ(Stock("tea", "reserved"), 0);
}

}  // namespace
}  // namespace sagaflow::test
