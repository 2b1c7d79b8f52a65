// AdaptiveLinger: lingering for more work only while the previous batch showed a crowd.

#include "common/adaptive_linger.hpp"

#include <gtest/gtest.h>

namespace sagaflow {
namespace {

using std::chrono::milliseconds;

TEST(AdaptiveLingerTest, ALoneItemNeverWaits) {
  AdaptiveLinger linger(milliseconds(1));
  EXPECT_EQ(linger.Next(), milliseconds(0)) << "nothing seen yet";
  linger.Record(1);
  EXPECT_EQ(linger.Next(), milliseconds(0));
  linger.Record(AdaptiveLinger::kBusyBatch - 1);
  EXPECT_EQ(linger.Next(), milliseconds(0));
}

TEST(AdaptiveLingerTest, LingersAfterABusyBatchUntilASmallOne) {
  AdaptiveLinger linger(milliseconds(1));
  linger.Record(AdaptiveLinger::kBusyBatch);
  EXPECT_EQ(linger.Next(), milliseconds(1));
  linger.Record(2);
  EXPECT_EQ(linger.Next(), milliseconds(0));
}

TEST(AdaptiveLingerTest, ZeroLingerIsOff) {
  AdaptiveLinger linger(milliseconds(0));
  linger.Record(100);
  EXPECT_EQ(linger.Next(), milliseconds(0));
}

}  // namespace
}  // namespace sagaflow
