// The worker runtime's batches, through a real saga-worker process and RabbitMQ: commands
// queued before the worker starts arrive together and share one transaction. A refused
// command must undo only itself, a command repeated inside the batch must take effect once,
// every command must be answered, the commands of different roles share batches, and a
// slow payment channel holds up payments only.

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

#include "common/ids.hpp"
#include "common/wire.hpp"
#include "tests/integration/saga_cluster.hpp"
#include "tests/integration/test_util.hpp"
#include "workers/amqp/amqp_connection.hpp"
#include "workers/amqp/topology.hpp"

namespace sagaflow::test {
namespace {

using std::chrono::seconds;

wire::Command Reserve(const std::string& order_id, const std::string& sku, int quantity) {
  return wire::Command{NewUuid(), NewUuid(), "order", "inventory.reserve", 1,
                       json::object{{"order_id", order_id},
                                    {"items", json::array{json::object{{"sku", sku}, {"quantity", quantity}}}}}};
}

wire::Command RecordShipment(const std::string& order_id) {
  return wire::Command{NewUuid(), NewUuid(), "order", "logistics.record_shipment", 1,
                       json::object{{"order_id", order_id}, {"carrier", "post"}, {"tracking_number", "T-" + order_id}}};
}

wire::Command CreatePayment(const std::string& order_id) {
  return wire::Command{NewUuid(), NewUuid(), "order", "payment.create", 1,
                       json::object{{"order_id", order_id}, {"amount_cents", 1000}}};
}

//! A confirming publisher with the topology declared, as sagad's relay; nullptr (the failure
//! recorded) if that fails.
std::unique_ptr<amqp::Connection> OpenPublisher(const SagaCluster& cluster) {
  auto publisher = amqp::Connection::Open(cluster.amqp_url(), "test command publisher");
  EXPECT_TRUE(publisher.ok()) << publisher.status().ToString();
  if (!publisher.ok()) return nullptr;
  const Status ready = [&] {
    SAGAFLOW_RETURN_IF_ERROR(amqp::DeclareTopology(*publisher.value()));
    return publisher.value()->EnableConfirms();
  }();
  EXPECT_TRUE(ready.ok()) << ready.ToString();
  return ready.ok() ? std::move(publisher.value()) : nullptr;
}

//! A consumer of the shared replies queue, where workers answer commands without reply_to.
std::unique_ptr<amqp::Connection> OpenReplyConsumer(const SagaCluster& cluster) {
  auto consumer = amqp::Connection::Open(cluster.amqp_url(), "test reply consumer");
  EXPECT_TRUE(consumer.ok()) << consumer.status().ToString();
  if (!consumer.ok()) return nullptr;
  const Status consuming = consumer.value()->StartConsuming(std::string(wire::kRepliesQueue), 16);
  EXPECT_TRUE(consuming.ok()) << consuming.ToString();
  return consuming.ok() ? std::move(consumer.value()) : nullptr;
}

//! The replies the next reply message carries (acked; a worker packs a batch's replies into one
//! message), or none if no message comes before `deadline`.
std::vector<wire::Reply> NextReplyMessage(amqp::Connection& consumer, std::chrono::steady_clock::time_point deadline) {
  while (std::chrono::steady_clock::now() < deadline) {
    auto delivery = consumer.Consume(std::chrono::milliseconds(100));
    // A failed Consume leaves the connection unusable: report it once, not once per loop.
    EXPECT_TRUE(delivery.ok()) << delivery.status().ToString();
    if (!delivery.ok()) return {};
    if (!delivery->has_value()) continue;
    auto carried = wire::DecodeReplies((*delivery)->body);
    EXPECT_TRUE(carried.ok()) << carried.status().ToString();
    EXPECT_TRUE(consumer.Ack((*delivery)->delivery_tag).ok());
    if (carried.ok()) return carried.value();
  }
  return {};
}

//! Empties the dead-letter queue; how many messages it held.
std::uint32_t PurgeDeadLetters(const SagaCluster& cluster) {
  auto dead = amqp::Connection::Open(cluster.amqp_url(), "test dead letters");
  EXPECT_TRUE(dead.ok()) << dead.status().ToString();
  if (!dead.ok()) return 0;
  auto purged = dead.value()->PurgeQueue(std::string(wire::kDeadLetterQueue));
  EXPECT_TRUE(purged.ok()) << purged.status().ToString();
  return purged.ok() ? purged.value() : 0;
}

amqp::OutgoingMessage ToMessage(const wire::Command& command) {
  return amqp::OutgoingMessage{std::string(wire::kCommandsExchange), command.step, wire::EncodeCommand(command),
                               command.command_id};
}

TEST(WorkerBatchTest, RefusalInABatchUndoesOnlyItselfAndARepeatTakesEffectOnce) {
  SAGAFLOW_REQUIRE_SERVERS();
  SagaCluster cluster;
  cluster.AddProduct("tea", 1200, 10);
  cluster.AddProduct("cup", 800, 1);

  const wire::Command tea = Reserve("o-tea", "tea", 2);
  // The last cup (skus are taken in sorted order, so it is held first), then more tea than
  // there is: refused, and its cup must go back for the next order to get it.
  wire::Command too_many_cups = Reserve("o-cups", "cup", 1);
  too_many_cups.payload["items"].as_array().push_back(json::object{{"sku", "tea"}, {"quantity", 50}});
  const wire::Command cup = Reserve("o-cup", "cup", 1);
  auto publisher = OpenPublisher(cluster);
  ASSERT_NE(publisher, nullptr);
  // Queued before the worker runs, so it (usually) takes them as one batch; `tea` is sent
  // twice, and the batch ends with a message that is not a command at all.
  amqp::OutgoingMessage garbage{std::string(wire::kCommandsExchange), "inventory.reserve", "not a command", "garbage"};
  ASSERT_TRUE(
      publisher->PublishBatch({ToMessage(tea), ToMessage(too_many_cups), ToMessage(tea), ToMessage(cup), garbage},
                              seconds(10))
          .ok());
  cluster.StartWorker("inventory");

  auto consumer = OpenReplyConsumer(cluster);
  ASSERT_NE(consumer, nullptr);
  std::multimap<std::string, wire::Reply> replies;  // by command id
  auto deadline = DeadlineIn(seconds(20));
  while (replies.size() < 4 && std::chrono::steady_clock::now() < deadline) {
    for (const wire::Reply& reply : NextReplyMessage(*consumer, deadline)) replies.emplace(reply.command_id, reply);
  }
  ASSERT_EQ(replies.size(), 4u) << cluster.Logs();

  ASSERT_EQ(replies.count(tea.command_id), 2u);
  auto first = replies.find(tea.command_id);
  EXPECT_EQ(first->second.outcome, wire::Outcome::kSucceeded);
  EXPECT_EQ(std::next(first)->second.message_id, first->second.message_id) << "the repeat replays the same reply";
  EXPECT_EQ(replies.find(too_many_cups.command_id)->second.outcome, wire::Outcome::kFailed);
  EXPECT_EQ(replies.find(too_many_cups.command_id)->second.error_code, "insufficient_stock");
  EXPECT_EQ(replies.find(cup.command_id)->second.outcome, wire::Outcome::kSucceeded);

  // Effects: tea reserved once (not twice), the refused order left nothing (not even its cup
  // line), the cup went to the order after it.
  EXPECT_EQ(cluster.Query("SELECT available FROM workers.products WHERE sku = 'tea'").GetInt(0, 0), 8);
  EXPECT_EQ(cluster.Query("SELECT available FROM workers.products WHERE sku = 'cup'").GetInt(0, 0), 0);
  EXPECT_EQ(cluster.Query("SELECT count(*) FROM workers.reservations WHERE order_id = 'o-cups'").GetInt(0, 0), 0);
  EXPECT_EQ(cluster.Query("SELECT count(*) FROM workers.processed_commands").GetInt(0, 0), 3);

  // The garbage went to the dead-letter queue, and settling the batch around it kept the
  // channel open: a command sent now is answered without the worker reconnecting first.
  cluster.AddProduct("mug", 500, 1);
  const wire::Command mug = Reserve("o-mug", "mug", 1);
  ASSERT_TRUE(publisher->PublishBatch({ToMessage(mug)}, seconds(10)).ok());
  bool answered = false;
  deadline = DeadlineIn(seconds(20));
  while (!answered && std::chrono::steady_clock::now() < deadline) {
    const std::vector<wire::Reply> carried = NextReplyMessage(*consumer, deadline);
    answered = !carried.empty() && carried.front().command_id == mug.command_id;
  }
  ASSERT_TRUE(answered) << cluster.Logs();
  for (const std::string& line : LinesOfProcess(cluster.worker().ReadLog(), "saga-worker", cluster.worker().pid())) {
    EXPECT_EQ(line.find("reconnecting"), std::string::npos) << line;
  }
  EXPECT_EQ(PurgeDeadLetters(cluster), 1u);
}

TEST(WorkerBatchTest, APackOfCommandsIsAnsweredCommandByCommandAndABrokenPackIsDeadLettered) {
  // The outbox relay packs the commands of a publish batch that go to one role's queue
  // (orchestrator/relay_messages.hpp); the worker runs each. A pack that does not decode is
  // rejected whole into the dead-letter queue (its commands' step timers send them again).
  SAGAFLOW_REQUIRE_SERVERS();
  SagaCluster cluster;
  cluster.AddProduct("tea", 1200, 10);
  const std::vector<wire::Command> packed = {Reserve("o-1", "tea", 1), Reserve("o-2", "tea", 2),
                                             Reserve("o-3", "tea", 3)};
  std::vector<std::string> texts;
  for (const wire::Command& command : packed) texts.push_back(wire::EncodeCommand(command));
  const std::string broken = wire::PackEncodedCommands({texts[0], R"({"command_id":"not a uuid"})"});
  auto publisher = OpenPublisher(cluster);
  ASSERT_NE(publisher, nullptr);
  const std::string exchange(wire::kCommandsExchange);
  ASSERT_TRUE(publisher
                  ->PublishBatch({amqp::OutgoingMessage{exchange, "inventory.reserve", broken, "broken-pack"},
                                  amqp::OutgoingMessage{exchange, "inventory.reserve",
                                                        wire::PackEncodedCommands({texts[0], texts[1], texts[2]}), "pack"}},
                                 seconds(10))
                  .ok());
  cluster.StartWorker("inventory");

  auto consumer = OpenReplyConsumer(cluster);
  ASSERT_NE(consumer, nullptr);
  std::map<std::string, wire::Reply> replies;  // by command id
  const auto deadline = DeadlineIn(seconds(20));
  while (replies.size() < packed.size() && std::chrono::steady_clock::now() < deadline) {
    for (const wire::Reply& reply : NextReplyMessage(*consumer, deadline)) replies.emplace(reply.command_id, reply);
  }
  ASSERT_EQ(replies.size(), packed.size()) << cluster.Logs();
  for (const wire::Command& command : packed) {
    ASSERT_EQ(replies.count(command.command_id), 1u) << command.command_id;
    EXPECT_EQ(replies.at(command.command_id).outcome, wire::Outcome::kSucceeded);
  }
  EXPECT_EQ(cluster.Query("SELECT available FROM workers.products WHERE sku = 'tea'").GetInt(0, 0), 4);
  EXPECT_EQ(PurgeDeadLetters(cluster), 1u);
}

TEST(WorkerBatchTest, CommandsOfSeveralRolesShareBatches) {
  SAGAFLOW_REQUIRE_SERVERS();
  SagaCluster cluster;
  cluster.AddProduct("tea", 1200, 100);
  // More commands of the first role than one batch holds (workers.batch_size 32), so a batch
  // must straddle the two queues' deliveries: with a thread (and batches) per role, no reply
  // message would ever carry both steps.
  constexpr int kPerRole = 40;
  std::vector<amqp::OutgoingMessage> messages;
  for (int i = 0; i < kPerRole; ++i) {
    messages.push_back(ToMessage(Reserve("o-" + std::to_string(i), "tea", 1)));
    messages.push_back(ToMessage(RecordShipment("o-" + std::to_string(i))));
  }
  auto publisher = OpenPublisher(cluster);
  ASSERT_NE(publisher, nullptr);
  ASSERT_TRUE(publisher->PublishBatch(messages, seconds(10)).ok());
  cluster.StartWorker("inventory,logistics", {{"SAGAFLOW_WORKERS_BATCH_SIZE", "32"}});

  auto consumer = OpenReplyConsumer(cluster);
  ASSERT_NE(consumer, nullptr);
  std::map<std::string, int> succeeded_by_step;
  int answered = 0;
  int mixed_messages = 0;  // reply messages carrying the steps of both roles
  auto deadline = DeadlineIn(seconds(30));
  while (answered < 2 * kPerRole && std::chrono::steady_clock::now() < deadline) {
    std::set<std::string> steps;
    for (const wire::Reply& reply : NextReplyMessage(*consumer, deadline)) {
      steps.insert(reply.step);
      if (reply.outcome == wire::Outcome::kSucceeded) ++succeeded_by_step[reply.step];
      ++answered;
    }
    if (steps.size() == 2) ++mixed_messages;
  }
  ASSERT_EQ(answered, 2 * kPerRole) << cluster.Logs();
  EXPECT_EQ(succeeded_by_step["inventory.reserve"], kPerRole);
  EXPECT_EQ(succeeded_by_step["logistics.record_shipment"], kPerRole);
  EXPECT_GE(mixed_messages, 1) << "no batch held commands of both roles";
  EXPECT_EQ(cluster.Query("SELECT available FROM workers.products WHERE sku = 'tea'").GetInt(0, 0), 100 - kPerRole);
  EXPECT_EQ(cluster.Query("SELECT count(*) FROM workers.shipments").GetInt(0, 0), kPerRole);
}

TEST(WorkerBatchTest, ASlowPaymentChannelHoldsUpOnlyPayments) {
  SAGAFLOW_REQUIRE_SERVERS();
  SagaCluster cluster;
  cluster.AddProduct("tea", 1200, 10);
  cluster.StartChannel();
  ASSERT_EQ(cluster.Call("POST", "/channel/admin/create-delay", R"({"delay_ms": 4000})").status, 200u);
  cluster.StartWorker();  // every role, payment on a thread of its own (the default)

  auto publisher = OpenPublisher(cluster);
  ASSERT_NE(publisher, nullptr);
  auto consumer = OpenReplyConsumer(cluster);
  ASSERT_NE(consumer, nullptr);

  // The payment goes first and waits on the channel; the reservation sent after it must be
  // answered meanwhile. One thread for both roles would answer it after the payment.
  const wire::Command payment = CreatePayment("o-slow");
  ASSERT_TRUE(publisher->PublishBatch({ToMessage(payment)}, seconds(10)).ok());
  const wire::Command reserve = Reserve("o-fast", "tea", 1);
  ASSERT_TRUE(publisher->PublishBatch({ToMessage(reserve)}, seconds(10)).ok());

  std::vector<wire::Reply> first = NextReplyMessage(*consumer, DeadlineIn(seconds(20)));
  ASSERT_EQ(first.size(), 1u) << cluster.Logs();
  EXPECT_EQ(first.front().command_id, reserve.command_id) << "the reservation waited for the payment";
  EXPECT_EQ(first.front().outcome, wire::Outcome::kSucceeded);
  std::vector<wire::Reply> second = NextReplyMessage(*consumer, DeadlineIn(seconds(20)));
  ASSERT_EQ(second.size(), 1u) << cluster.Logs();
  EXPECT_EQ(second.front().command_id, payment.command_id);
  EXPECT_EQ(second.front().outcome, wire::Outcome::kSucceeded) << second.front().error_message;
}

}  // namespace
}  // namespace sagaflow::test
