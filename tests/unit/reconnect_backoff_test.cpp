// The reconnecting loop of the background loops (common/stop_wait.hpp): failures to connect
// back off, a connection that was up and got lost is retried at once, and the loop's owner
// hears of every session that connected.

#include <gtest/gtest.h>

#include "common/stop_wait.hpp"

namespace sagaflow {
namespace {

using std::chrono::milliseconds;

TEST(ReconnectBackoffTest, FailuresToConnectDoubleTheWaitUpToTheLongest) {
  ReconnectBackoff backoff;
  EXPECT_EQ(backoff.After(false), milliseconds(200));
  EXPECT_EQ(backoff.After(false), milliseconds(400));
  EXPECT_EQ(backoff.After(false), milliseconds(800));
  EXPECT_EQ(backoff.After(false), milliseconds(1600));
  EXPECT_EQ(backoff.After(false), milliseconds(3200));
  EXPECT_EQ(backoff.After(false), milliseconds(5000));
  EXPECT_EQ(backoff.After(false), milliseconds(5000));
}

TEST(ReconnectBackoffTest, ALostConnectionIsRetriedAfterTheShortestWaitWhateverCameBefore) {
  ReconnectBackoff backoff;
  for (int i = 0; i < 6; ++i) (void)backoff.After(false);  // the server was down a while
  EXPECT_EQ(backoff.After(true), milliseconds(200));     // then up; that session lost its link
  EXPECT_EQ(backoff.After(false), milliseconds(400));    // and reconnecting failed once
  EXPECT_EQ(backoff.After(true), milliseconds(200));
  EXPECT_EQ(backoff.After(true), milliseconds(200));
}

// The loop's owner hears of every session that connected (sagad waits for that before it
// serves HTTP), and of no session that did not.
TEST(RunReconnectingTest, TellsItsOwnerOfEverySessionThatConnected) {
  std::stop_source stop;
  int sessions = 0;
  int told = 0;
  RunReconnecting(
      stop.get_token(), "test loop",
      [&](std::stop_token, const SessionConnected& connected) {
        ++sessions;
        if (sessions != 2) connected();  // the second fails to connect
        if (sessions == 3) stop.request_stop();
        return Status::Transient("connection lost");
      },
      [&told] { ++told; });
  EXPECT_EQ(sessions, 3);
  EXPECT_EQ(told, 2);
}

}  // namespace
}  // namespace sagaflow
