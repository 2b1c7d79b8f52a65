#include "common/rfc3339.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace sagaflow {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

TEST(Rfc3339Test, WritesUtcWithMilliseconds) {
  EXPECT_EQ(Rfc3339Millis(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(Rfc3339Millis(system_clock::time_point{milliseconds(1714564800123)}), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(Rfc3339Millis(system_clock::time_point{milliseconds(1709208000007)}), "2024-02-29T12:00:00.007Z");
}

TEST(Rfc3339Test, BeforeTheEpochRoundsDown) {
  EXPECT_EQ(Rfc3339Millis(system_clock::time_point{milliseconds(-1)}), "1969-12-31T23:59:59.999Z");
}

TEST(Rfc3339Test, NowHasTheSameShape) {
  EXPECT_TRUE(std::regex_match(NowRfc3339Millis(), std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")));
}

}  // namespace
}  // namespace sagaflow
