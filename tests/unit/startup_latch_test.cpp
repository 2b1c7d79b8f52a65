// The latch sagad waits on before it serves HTTP (common/startup_latch.hpp): every party once,
// a party that reconnects counted once, and a deadline when a party never arrives.

#include <gtest/gtest.h>

#include <thread>

#include "common/startup_latch.hpp"

namespace sagaflow {
namespace {

using std::chrono::milliseconds;

TEST(StartupLatchTest, OpensWhenEveryPartyHasArrived) {
  StartupLatch latch(2);
  SessionConnected first = latch.Party();
  SessionConnected second = latch.Party();
  std::jthread arrives_later([&second] { second(); });
  first();
  EXPECT_TRUE(latch.WaitFor(milliseconds(10'000)));
}

TEST(StartupLatchTest, APartyThatConnectsAgainCountsOnce) {
  StartupLatch latch(2);
  SessionConnected reconnecting = latch.Party();
  SessionConnected never = latch.Party();
  reconnecting();
  reconnecting();  // a lost connection, connected again: still one party
  EXPECT_FALSE(latch.WaitFor(milliseconds(50)));
  never();
  EXPECT_TRUE(latch.WaitFor(milliseconds(0)));
}

TEST(StartupLatchTest, GivesUpAtTheDeadlineWhenAPartyNeverArrives) {
  StartupLatch latch(1);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(latch.WaitFor(milliseconds(100)));
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(100));
}

}  // namespace
}  // namespace sagaflow
