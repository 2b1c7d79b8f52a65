// The waits between the sessions of a reconnecting loop (common/stop_wait.hpp): failures to
// connect back off, a connection that was up and got lost is retried at once.

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

}  // namespace
}  // namespace sagaflow
