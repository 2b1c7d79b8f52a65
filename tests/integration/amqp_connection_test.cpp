// Integration tests of workers/amqp/amqp_connection against a live RabbitMQ
// (SAGAFLOW_TEST_AMQP_URL, e.g. amqp://guest:guest@127.0.0.1:5672/). Every test uses its own
// durable exchange and queue names, so runs never see each other's messages.

#include "workers/amqp/amqp_connection.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace sagaflow::amqp {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kDeliveryTimeout{10'000};  // generous: only reached when a test fails
constexpr milliseconds kConfirmTimeout{30'000};

//! SAGAFLOW_TEST_AMQP_URL, or "" when unset.
std::string TestUrl() {
  const char* url = std::getenv("SAGAFLOW_TEST_AMQP_URL");
  return url == nullptr ? std::string() : std::string(url);
}

// Skips by hand, fails under CI (where scripts/test must have started the broker).
#define SKIP_WITHOUT_BROKER()                                                           \
  do {                                                                                  \
    if (TestUrl().empty()) {                                                            \
      if (std::getenv("CI") != nullptr) FAIL() << "CI run without SAGAFLOW_TEST_AMQP_URL"; \
      GTEST_SKIP() << "SAGAFLOW_TEST_AMQP_URL is not set";                              \
    }                                                                                   \
  } while (0)

//! prefix + a random suffix: names unique across tests and runs.
std::string UniqueName(const std::string& prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name = "sagaflow-test." + prefix + ".";
  std::uint64_t bits = rng();
  for (int i = 0; i < 12; ++i, bits >>= 4) name += kHex[bits & 0xF];
  return name;
}

std::unique_ptr<Connection> OpenOrDie(std::string_view name, const std::string& url = TestUrl()) {
  auto connection = Connection::Open(url, name);
  EXPECT_TRUE(connection.ok()) << connection.status().ToString();
  return connection.ok() ? std::move(connection).value() : nullptr;
}

//! A direct exchange and a queue bound to it with routing key "key".
struct Topology {
  std::string exchange = UniqueName("ex");
  std::string queue = UniqueName("q");
};

void Declare(Connection& connection, const Topology& topology,
             const std::string& dead_letter_exchange = {}) {
  ASSERT_TRUE(connection.DeclareExchange(topology.exchange, "direct").ok());
  const Status declared = connection.DeclareQueue(topology.queue, dead_letter_exchange);
  ASSERT_TRUE(declared.ok()) << declared.ToString();
  ASSERT_TRUE(connection.BindQueue(topology.queue, topology.exchange, "key").ok());
}

//! A connection with `topology` declared and confirms on, ready to PublishBatch; nullptr
//! (the failure recorded) if any of that fails.
std::unique_ptr<Connection> OpenConfirmingPublisher(const Topology& topology) {
  auto publisher = OpenOrDie("test-publisher");
  if (publisher == nullptr) return nullptr;
  Declare(*publisher, topology);
  if (::testing::Test::HasFatalFailure()) return nullptr;
  const Status confirms = publisher->EnableConfirms();
  EXPECT_TRUE(confirms.ok()) << confirms.ToString();
  return confirms.ok() ? std::move(publisher) : nullptr;
}

OutgoingMessage Message(const Topology& topology, const std::string& body, const std::string& id) {
  OutgoingMessage message;
  message.exchange = topology.exchange;
  message.routing_key = "key";
  message.body = body;
  message.message_id = id;
  return message;
}

//! Publishes one confirmed message on a fresh connection.
void PublishOne(const Topology& topology, const std::string& body, const std::string& id) {
  auto publisher = OpenOrDie("test-publisher");
  ASSERT_NE(publisher, nullptr);
  ASSERT_TRUE(publisher->EnableConfirms().ok());
  const Status published = publisher->PublishBatch({Message(topology, body, id)}, kConfirmTimeout);
  ASSERT_TRUE(published.ok()) << published.ToString();
}

//! The next delivery, failing the test if none comes.
std::optional<Delivery> Next(Connection& consumer) {
  auto delivery = consumer.Consume(kDeliveryTimeout);
  EXPECT_TRUE(delivery.ok()) << delivery.status().ToString();
  if (!delivery.ok()) return std::nullopt;
  EXPECT_TRUE(delivery->has_value()) << "no delivery within " << kDeliveryTimeout.count() << " ms";
  return *delivery;
}

TEST(AmqpConnectionTest, PublishedBatchIsConsumedInOrder) {
  SKIP_WITHOUT_BROKER();
  const Topology topology;
  auto publisher = OpenConfirmingPublisher(topology);
  ASSERT_NE(publisher, nullptr);

  constexpr int kCount = 500;
  std::vector<OutgoingMessage> batch;
  for (int i = 0; i < kCount; ++i) {
    batch.push_back(
        Message(topology, R"({"n":)" + std::to_string(i) + "}", "id-" + std::to_string(i)));
    batch.back().persistent = i % 2 == 0;
  }
  const Status published = publisher->PublishBatch(batch, kConfirmTimeout);
  ASSERT_TRUE(published.ok()) << published.ToString();

  auto consumer = OpenOrDie("test-consumer");
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(consumer->StartConsuming(topology.queue, 50).ok());
  for (int i = 0; i < kCount; ++i) {
    const std::optional<Delivery> delivery = Next(*consumer);
    ASSERT_TRUE(delivery.has_value()) << "message " << i;
    EXPECT_EQ(delivery->body, batch[i].body);
    EXPECT_EQ(delivery->message_id, batch[i].message_id);
    EXPECT_EQ(delivery->exchange, topology.exchange);
    EXPECT_EQ(delivery->routing_key, "key");
    EXPECT_FALSE(delivery->redelivered);
    EXPECT_EQ(delivery->persistent, batch[i].persistent) << "message " << i;
    ASSERT_TRUE(consumer->Ack(delivery->delivery_tag).ok());
  }
  auto rest = consumer->Consume(milliseconds{200});
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_FALSE(rest->has_value()) << "unexpected extra message " << (*rest)->message_id;
}

TEST(AmqpConnectionTest, SecondBatchOnSameConnectionIsConfirmed) {
  SKIP_WITHOUT_BROKER();
  const Topology topology;
  auto publisher = OpenConfirmingPublisher(topology);
  ASSERT_NE(publisher, nullptr);
  for (int round = 0; round < 3; ++round) {
    std::vector<OutgoingMessage> batch;
    for (int i = 0; i < 20; ++i)
      batch.push_back(Message(topology, "x", std::to_string(round * 20 + i)));
    const Status published = publisher->PublishBatch(batch, kConfirmTimeout);
    ASSERT_TRUE(published.ok()) << "round " << round << ": " << published.ToString();
  }
  auto purged = publisher->PurgeQueue(topology.queue);
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(*purged, 60u);
}

TEST(AmqpConnectionTest, OneConnectionConsumesSeveralQueues) {
  SKIP_WITHOUT_BROKER();
  const Topology first;
  const Topology second;
  auto publisher = OpenConfirmingPublisher(first);
  ASSERT_NE(publisher, nullptr);
  Declare(*publisher, second);
  ASSERT_TRUE(publisher->PublishBatch({Message(first, "a", "id-a"), Message(second, "b", "id-b")}, kConfirmTimeout).ok());

  auto consumer = OpenOrDie("test-consumer");
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(consumer->StartConsuming(first.queue, 10).ok());
  ASSERT_TRUE(consumer->StartConsuming(second.queue, 10).ok());
  std::vector<std::string> from;  // exchange of each delivery
  for (int i = 0; i < 2; ++i) {
    const std::optional<Delivery> delivery = Next(*consumer);
    ASSERT_TRUE(delivery.has_value()) << "message " << i;
    from.push_back(delivery->exchange);
    ASSERT_TRUE(consumer->Ack(delivery->delivery_tag).ok());
  }
  std::sort(from.begin(), from.end());
  std::vector<std::string> expected{first.exchange, second.exchange};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(from, expected);
}

TEST(AmqpConnectionTest, PublishedBatchIsConfirmedLaterAndOneBatchAwaitsAtATime) {
  SKIP_WITHOUT_BROKER();
  const Topology topology;
  auto publisher = OpenConfirmingPublisher(topology);
  ASSERT_NE(publisher, nullptr);
  EXPECT_TRUE(publisher->AwaitConfirms(kConfirmTimeout).ok()) << "nothing published: nothing to await";

  ASSERT_TRUE(publisher->Publish({Message(topology, "first", "id-1"), Message(topology, "second", "id-2")}).ok());
  EXPECT_EQ(publisher->Publish({Message(topology, "third", "id-3")}).code(), StatusCode::kConflict)
      << "a second batch while the first awaits its confirms";
  const Status confirmed = publisher->AwaitConfirms(kConfirmTimeout);
  ASSERT_TRUE(confirmed.ok()) << confirmed.ToString();
  ASSERT_TRUE(publisher->Publish({Message(topology, "third", "id-3")}).ok());
  ASSERT_TRUE(publisher->AwaitConfirms(kConfirmTimeout).ok());

  auto consumer = OpenOrDie("test-consumer");
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(consumer->StartConsuming(topology.queue, 10).ok());
  for (const char* body : {"first", "second", "third"}) {
    const std::optional<Delivery> delivery = Next(*consumer);
    ASSERT_TRUE(delivery.has_value()) << body;
    EXPECT_EQ(delivery->body, body);
    ASSERT_TRUE(consumer->Ack(delivery->delivery_tag).ok());
  }
}

TEST(AmqpConnectionTest, DeletedQueueIsGoneWithItsMessages) {
  SKIP_WITHOUT_BROKER();
  const Topology topology;
  auto publisher = OpenConfirmingPublisher(topology);
  ASSERT_NE(publisher, nullptr);
  ASSERT_TRUE(publisher->PublishBatch({Message(topology, "x", "only")}, kConfirmTimeout).ok());
  ASSERT_TRUE(publisher->DeleteQueue(topology.queue).ok());
  auto purged = publisher->PurgeQueue(topology.queue);
  EXPECT_EQ(purged.status().code(), StatusCode::kNotFound) << purged.status().ToString();
  EXPECT_TRUE(publisher->DeleteQueue(topology.queue).ok()) << "a missing queue is OK";
}

TEST(AmqpConnectionTest, UnackedMessageIsRedeliveredAfterReconnect) {
  SKIP_WITHOUT_BROKER();
  const Topology topology;
  {
    auto setup = OpenOrDie("test-setup");
    ASSERT_NE(setup, nullptr);
    Declare(*setup, topology);
  }
  PublishOne(topology, "payload", "only-one");
  {
    auto consumer = OpenOrDie("test-consumer");
    ASSERT_NE(consumer, nullptr);
    ASSERT_TRUE(consumer->StartConsuming(topology.queue, 1).ok());
    const std::optional<Delivery> first = Next(*consumer);
    ASSERT_TRUE(first.has_value());
    EXPECT_FALSE(first->redelivered);
  }  // closed without Ack: the broker requeues the message
  auto consumer = OpenOrDie("test-consumer-again");
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(consumer->StartConsuming(topology.queue, 1).ok());
  const std::optional<Delivery> again = Next(*consumer);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->redelivered);
  EXPECT_EQ(again->message_id, "only-one");
  EXPECT_EQ(again->body, "payload");
  EXPECT_TRUE(consumer->Ack(again->delivery_tag).ok());
}

TEST(AmqpConnectionTest, RejectWithoutRequeueRoutesToDeadLetterQueue) {
  SKIP_WITHOUT_BROKER();
  const Topology topology;
  const std::string dead_letter_exchange = UniqueName("dlx");
  const std::string dead_letter_queue = UniqueName("dlq");
  {
    auto setup = OpenOrDie("test-setup");
    ASSERT_NE(setup, nullptr);
    ASSERT_TRUE(setup->DeclareExchange(dead_letter_exchange, "fanout").ok());
    ASSERT_TRUE(setup->DeclareQueue(dead_letter_queue).ok());
    ASSERT_TRUE(setup->BindQueue(dead_letter_queue, dead_letter_exchange, "").ok());
    Declare(*setup, topology, dead_letter_exchange);
  }
  PublishOne(topology, "poison", "poison-1");

  auto consumer = OpenOrDie("test-consumer");
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(consumer->StartConsuming(topology.queue, 1).ok());
  const std::optional<Delivery> delivery = Next(*consumer);
  ASSERT_TRUE(delivery.has_value());
  ASSERT_TRUE(consumer->Reject(delivery->delivery_tag, /*requeue=*/false).ok());

  auto dead_letters = OpenOrDie("test-dead-letters");
  ASSERT_NE(dead_letters, nullptr);
  ASSERT_TRUE(dead_letters->StartConsuming(dead_letter_queue, 1).ok());
  const std::optional<Delivery> dead = Next(*dead_letters);
  ASSERT_TRUE(dead.has_value());
  EXPECT_EQ(dead->body, "poison");
  EXPECT_EQ(dead->message_id, "poison-1");
  EXPECT_EQ(dead->exchange, dead_letter_exchange);
  EXPECT_TRUE(dead_letters->Ack(dead->delivery_tag).ok());

  // Nothing stays behind in the original queue.
  auto rest = consumer->Consume(milliseconds{200});
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_FALSE(rest->has_value());
}

TEST(AmqpConnectionTest, ConsumeOnEmptyQueueReturnsNulloptWithinTimeout) {
  SKIP_WITHOUT_BROKER();
  const Topology topology;
  auto consumer = OpenOrDie("test-consumer");
  ASSERT_NE(consumer, nullptr);
  Declare(*consumer, topology);
  ASSERT_TRUE(consumer->StartConsuming(topology.queue, 10).ok());
  constexpr milliseconds kTimeout{150};
  const Clock::time_point start = Clock::now();
  auto delivery = consumer->Consume(kTimeout);
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(delivery.ok()) << delivery.status().ToString();
  EXPECT_FALSE(delivery->has_value());
  EXPECT_GE(elapsed, kTimeout - milliseconds{10});
  EXPECT_LT(elapsed, kTimeout + milliseconds{1000});
}

TEST(AmqpConnectionTest, OpenWithBadPortReturnsTransient) {
  // Needs no broker: port 1 on the loopback refuses connections.
  auto connection = Connection::Open("amqp://guest:guest@127.0.0.1:1/", "test-bad-port");
  ASSERT_FALSE(connection.ok());
  EXPECT_TRUE(connection.status().IsTransient()) << connection.status().ToString();
}

TEST(AmqpConnectionTest, OpenWithMalformedUrlReturnsInvalidArgument) {
  auto connection = Connection::Open("http://example.com/", "test-bad-url");
  ASSERT_FALSE(connection.ok());
  EXPECT_EQ(connection.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(connection.status().field(), "url");
}

//! The test URL up to (not including) its path: amqp://user:pass@host:port
std::string UrlWithoutPath() {
  const std::string url = TestUrl();
  const std::size_t authority = url.find("://") + 3;
  return url.substr(0, url.find('/', authority));
}

TEST(AmqpConnectionTest, OpenAcceptsEverySpellingOfTheDefaultVhost) {
  SKIP_WITHOUT_BROKER();
  for (const std::string path : {"", "/", "/%2f", "/%2F"}) {
    auto connection = Connection::Open(UrlWithoutPath() + path, "test-vhost");
    EXPECT_TRUE(connection.ok()) << "path '" << path << "': " << connection.status().ToString();
  }
}

TEST(AmqpConnectionTest, OpenWithUnknownVhostReturnsPermanent) {
  SKIP_WITHOUT_BROKER();
  auto connection =
      Connection::Open(UrlWithoutPath() + "/" + UniqueName("no-such-vhost"), "test-vhost");
  ASSERT_FALSE(connection.ok());
  EXPECT_TRUE(connection.status().IsPermanent()) << connection.status().ToString();
}

TEST(AmqpConnectionTest, PublishToMissingExchangeReturnsNotFoundAndChannelRecovers) {
  SKIP_WITHOUT_BROKER();
  const Topology topology;
  auto publisher = OpenConfirmingPublisher(topology);
  ASSERT_NE(publisher, nullptr);
  OutgoingMessage lost = Message(topology, "x", "lost");
  lost.exchange = UniqueName("missing");
  const Status failed = publisher->PublishBatch({lost}, kConfirmTimeout);
  EXPECT_TRUE(failed.IsNotFound()) << failed.ToString();
  EXPECT_NE(failed.message().find("NOT_FOUND"), std::string::npos) << failed.ToString();

  // The broker closed channel 1; the connection reopened it without confirm mode.
  EXPECT_EQ(publisher->PublishBatch({Message(topology, "x", "after")}, kConfirmTimeout).code(),
            StatusCode::kConflict);
  ASSERT_TRUE(publisher->EnableConfirms().ok());
  const Status published =
      publisher->PublishBatch({Message(topology, "x", "after")}, kConfirmTimeout);
  EXPECT_TRUE(published.ok()) << published.ToString();
}

TEST(AmqpConnectionTest, UnroutableMessageFailsBatch) {
  SKIP_WITHOUT_BROKER();
  const Topology topology;
  auto publisher = OpenConfirmingPublisher(topology);
  ASSERT_NE(publisher, nullptr);
  OutgoingMessage stray = Message(topology, "x", "stray");
  stray.routing_key = "nobody-listens";
  const Status failed =
      publisher->PublishBatch({Message(topology, "x", "fine"), stray}, kConfirmTimeout);
  EXPECT_TRUE(failed.IsTransient()) << failed.ToString();
  EXPECT_NE(failed.message().find("NO_ROUTE"), std::string::npos) << failed.ToString();

  stray.mandatory = false;  // the caller accepts that the broker drops it
  const Status dropped = publisher->PublishBatch({stray}, kConfirmTimeout);
  EXPECT_TRUE(dropped.ok()) << dropped.ToString();
}

//! The first message waiting in `queue`, taken on a connection of its own and left unacked.
std::optional<Delivery> FirstIn(const std::string& queue) {
  auto consumer = OpenOrDie("test-consumer");
  if (consumer == nullptr) return std::nullopt;
  EXPECT_TRUE(consumer->StartConsuming(queue, 1).ok());
  return Next(*consumer);
}

//! A fanout exchange with one queue bound: where messages diverted from elsewhere land.
struct Catcher {
  std::string exchange = UniqueName("catch-ex");
  std::string queue = UniqueName("catch-q");
};

void Declare(Connection& connection, const Catcher& catcher) {
  ASSERT_TRUE(connection.DeclareExchange(catcher.exchange, "fanout").ok());
  ASSERT_TRUE(connection.DeclareQueue(catcher.queue).ok());
  ASSERT_TRUE(connection.BindQueue(catcher.queue, catcher.exchange, "").ok());
}

TEST(AmqpConnectionTest, MessageNoQueueIsBoundForGoesToTheAlternateExchange) {
  SKIP_WITHOUT_BROKER();
  const Catcher alternate;
  const std::string exchange = UniqueName("with-ae");
  auto publisher = OpenOrDie("test-publisher");
  ASSERT_NE(publisher, nullptr);
  Declare(*publisher, alternate);
  ASSERT_TRUE(publisher->DeclareExchange(exchange, "direct", alternate.exchange).ok());
  ASSERT_TRUE(publisher->EnableConfirms().ok());
  OutgoingMessage stray;
  stray.exchange = exchange;
  stray.routing_key = "nobody-listens";
  stray.body = "x";
  stray.message_id = "stray";
  // Mandatory, yet not returned: the alternate exchange routed it.
  const Status published = publisher->PublishBatch({stray}, kConfirmTimeout);
  ASSERT_TRUE(published.ok()) << published.ToString();

  const std::optional<Delivery> delivery = FirstIn(alternate.queue);
  ASSERT_TRUE(delivery.has_value());
  EXPECT_EQ(delivery->message_id, "stray");
  EXPECT_EQ(delivery->routing_key, "nobody-listens");
}

TEST(AmqpConnectionTest, MessageOlderThanTheQueueTtlIsDeadLetteredWithoutAConsumer) {
  SKIP_WITHOUT_BROKER();
  const Catcher dead_letters;
  const Topology topology;
  {
    auto setup = OpenOrDie("test-setup");
    ASSERT_NE(setup, nullptr);
    Declare(*setup, dead_letters);
    ASSERT_TRUE(setup->DeclareExchange(topology.exchange, "direct").ok());
    const Status declared =
        setup->DeclareQueue(topology.queue, QueueOptions{dead_letters.exchange, milliseconds{200}, {}});
    ASSERT_TRUE(declared.ok()) << declared.ToString();
    ASSERT_TRUE(setup->BindQueue(topology.queue, topology.exchange, "key").ok());
  }
  PublishOne(topology, "late", "late-1");

  // Nobody consumes topology.queue: the broker expires the message on its own.
  const std::optional<Delivery> dead = FirstIn(dead_letters.queue);
  ASSERT_TRUE(dead.has_value());
  EXPECT_EQ(dead->message_id, "late-1");
  EXPECT_EQ(dead->body, "late");
}

TEST(AmqpConnectionTest, QueueUnusedLongerThanItsExpiryIsDeleted) {
  SKIP_WITHOUT_BROKER();
  const Topology topology;
  auto publisher = OpenOrDie("test-publisher");
  ASSERT_NE(publisher, nullptr);
  ASSERT_TRUE(publisher->DeclareExchange(topology.exchange, "direct").ok());
  const Status declared = publisher->DeclareQueue(topology.queue, QueueOptions{{}, {}, milliseconds{300}});
  ASSERT_TRUE(declared.ok()) << declared.ToString();
  ASSERT_TRUE(publisher->BindQueue(topology.queue, topology.exchange, "key").ok());
  ASSERT_TRUE(publisher->EnableConfirms().ok());
  // Routable while the queue lives; once the broker deleted it, the mandatory message has
  // nowhere to go and the batch fails.
  const Clock::time_point deadline = Clock::now() + kDeliveryTimeout;
  Status published;
  while (Clock::now() < deadline) {
    published = publisher->PublishBatch({Message(topology, "x", "probe")}, kConfirmTimeout);
    if (!published.ok()) break;
    std::this_thread::sleep_for(milliseconds{50});  // pacing the probes, not synchronising
  }
  EXPECT_TRUE(published.IsTransient()) << published.ToString();
  EXPECT_NE(published.message().find("NO_ROUTE"), std::string::npos) << published.ToString();
}

TEST(AmqpConnectionTest, RedeclareWithOtherArgumentsReturnsPermanent) {
  SKIP_WITHOUT_BROKER();
  const Topology topology;
  auto connection = OpenOrDie("test-declare");
  ASSERT_NE(connection, nullptr);
  Declare(*connection, topology);
  const Status conflicting = connection->DeclareQueue(topology.queue, UniqueName("dlx"));
  EXPECT_TRUE(conflicting.IsPermanent()) << conflicting.ToString();
  EXPECT_NE(conflicting.message().find("PRECONDITION_FAILED"), std::string::npos);
  // The channel was reopened: the connection still works.
  EXPECT_TRUE(connection->DeclareQueue(topology.queue).ok());
}

// The broker keeps a queue's durability from its first declaration: declaring a transient
// queue again as durable is refused, which shows the option reached the broker.
TEST(AmqpConnectionTest, TransientQueueIsDeclaredTransient) {
  SKIP_WITHOUT_BROKER();
  const std::string queue = UniqueName("transient");
  auto connection = OpenOrDie("test-declare");
  ASSERT_NE(connection, nullptr);
  QueueOptions transient;
  transient.durable = false;
  const Status declared = connection->DeclareQueue(queue, transient);
  ASSERT_TRUE(declared.ok()) << declared.ToString();
  EXPECT_TRUE(connection->DeclareQueue(queue, transient).ok());
  const Status as_durable = connection->DeclareQueue(queue);
  EXPECT_TRUE(as_durable.IsPermanent()) << as_durable.ToString();
  EXPECT_NE(as_durable.message().find("PRECONDITION_FAILED"), std::string::npos) << as_durable.ToString();
  EXPECT_TRUE(connection->DeleteQueue(queue).ok());
}

TEST(AmqpConnectionTest, MixingPublishAndConsumeRolesIsRefused) {
  SKIP_WITHOUT_BROKER();
  const Topology topology;
  auto connection = OpenOrDie("test-roles");
  ASSERT_NE(connection, nullptr);
  Declare(*connection, topology);
  EXPECT_EQ(connection->PublishBatch({Message(topology, "x", "1")}, kConfirmTimeout).code(),
            StatusCode::kConflict);
  ASSERT_TRUE(connection->EnableConfirms().ok());
  EXPECT_EQ(connection->StartConsuming(topology.queue, 1).code(), StatusCode::kConflict);
}

}  // namespace
}  // namespace sagaflow::amqp
