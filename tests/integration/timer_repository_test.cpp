// TimerRepository against a real PostgreSQL: how long the timer poller may sleep.

#include <gtest/gtest.h>

#include "storage/timer_repository.hpp"
#include "storage/transaction.hpp"
#include "tests/integration/database_test.hpp"

namespace sagaflow::test {
namespace {

using std::chrono::milliseconds;

class TimerRepositoryTest : public OrchestratorSchemaTest {
 protected:
  void Schedule(const std::string& name, milliseconds delay) {
    storage::Transaction tx(*conn_);
    storage::TimerRepository(*conn_).Schedule("00000000-0000-4000-8000-000000000001", name, delay, {});
    ASSERT_TRUE(tx.Commit().ok());
  }
};

TEST_F(TimerRepositoryTest, NoTimersMeansNothingIsDue) {
  // Not "due now": an idle sagad polled in a tight loop when this said 0.
  auto next = storage::TimerRepository(*conn_).NextDueIn();
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_FALSE(next->has_value());
}

TEST_F(TimerRepositoryTest, NextDueInIsTheEarliestTimer) {
  Schedule("later", milliseconds(60'000));
  Schedule("sooner", milliseconds(30'000));
  auto next = storage::TimerRepository(*conn_).NextDueIn();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_GT(next->value(), milliseconds(25'000));
  EXPECT_LE(next->value(), milliseconds(30'000));
}

TEST_F(TimerRepositoryTest, OverdueTimerIsDueNow) {
  Schedule("overdue", milliseconds(-5'000));
  auto next = storage::TimerRepository(*conn_).NextDueIn();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ(next->value(), milliseconds(0));
}

}  // namespace
}  // namespace sagaflow::test
