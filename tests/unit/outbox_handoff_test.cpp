// OutboxHandoff: committed outbox rows handed from the engine's threads to the relay.

#include "orchestrator/outbox_handoff.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace sagaflow::orchestrator {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<storage::OutboxMessage> Messages(std::int64_t first_id, int count) {
  std::vector<storage::OutboxMessage> messages;
  for (int i = 0; i < count; ++i) {
    storage::OutboxMessage message;
    message.id = first_id + i;
    message.message_id = "m-" + std::to_string(first_id + i);
    messages.push_back(message);
  }
  return messages;
}

std::vector<std::int64_t> Ids(const std::vector<storage::OutboxMessage>& messages) {
  std::vector<std::int64_t> ids;
  for (const storage::OutboxMessage& message : messages) ids.push_back(message.id);
  return ids;
}

TEST(OutboxHandoffTest, TakesInPushOrderUpToTheLimit) {
  OutboxHandoff handoff;
  handoff.Push(Messages(1, 3));
  handoff.Push(Messages(4, 2));
  std::stop_source stop;
  EXPECT_EQ(Ids(handoff.Take(4, Clock::now(), stop.get_token())), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(Ids(handoff.Take(4, Clock::now(), stop.get_token())), (std::vector<std::int64_t>{5}));
}

TEST(OutboxHandoffTest, TakeWithNothingQueuedReturnsEmptyAtTheDeadline) {
  OutboxHandoff handoff;
  std::stop_source stop;
  const auto before = Clock::now();
  EXPECT_TRUE(handoff.Take(10, before + std::chrono::milliseconds(30), stop.get_token()).empty());
  EXPECT_GE(Clock::now() - before, std::chrono::milliseconds(30));
}

TEST(OutboxHandoffTest, PushWakesAWaitingTake) {
  OutboxHandoff handoff;
  std::stop_source stop;
  std::thread pusher([&] { handoff.Push(Messages(7, 1)); });
  // Far deadline: only the push can end this wait.
  const auto taken = handoff.Take(10, Clock::now() + std::chrono::seconds(30), stop.get_token());
  pusher.join();
  EXPECT_EQ(Ids(taken), (std::vector<std::int64_t>{7}));
}

TEST(OutboxHandoffTest, StopEndsAWaitingTake) {
  OutboxHandoff handoff;
  std::stop_source stop;
  std::thread stopper([&] { stop.request_stop(); });
  const auto taken = handoff.Take(10, Clock::now() + std::chrono::seconds(30), stop.get_token());
  stopper.join();
  EXPECT_TRUE(taken.empty());
}

TEST(OutboxHandoffTest, WhenFullNewMessagesAreLeftToTheSweepAndCounted) {
  OutboxHandoff handoff(4);
  handoff.Push(Messages(1, 3));
  handoff.Push(Messages(4, 2));  // would make 5: refused whole, the rows wait in the outbox
  handoff.Push(Messages(6, 1));
  EXPECT_EQ(handoff.dropped(), 2u);
  std::stop_source stop;
  EXPECT_EQ(Ids(handoff.Take(10, Clock::now(), stop.get_token())), (std::vector<std::int64_t>{1, 2, 3, 6}));
}

}  // namespace
}  // namespace sagaflow::orchestrator
