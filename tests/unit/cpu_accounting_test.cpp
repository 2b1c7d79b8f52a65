// saga-bench's CPU accounting: per-saga milliseconds by component from two /proc snapshots.

#include "bench/cpu_accounting.hpp"

#include <gtest/gtest.h>

namespace sagaflow::bench {
namespace {

TEST(CpuAccountingTest, SplitsTheCpuSpentBetweenSnapshotsPerSagaAndComponent) {
  CpuSnapshot before;
  before.seconds_by_component = {{"postgres", 10.0}, {"sagad", 2.0}, {"other", 5.0}};
  before.machine_busy_s = 100;
  before.machine_total_s = 200;
  CpuSnapshot after;
  after.seconds_by_component = {{"postgres", 14.0}, {"sagad", 3.0}, {"other", 5.0}, {"rabbitmq", 2.0}};
  after.machine_busy_s = 118;
  after.machine_total_s = 220;

  const CpuPerSaga cpu = CpuBetween(before, after, 1000);
  EXPECT_DOUBLE_EQ(cpu.ms_by_component.at("postgres"), 4.0);
  EXPECT_DOUBLE_EQ(cpu.ms_by_component.at("sagad"), 1.0);
  EXPECT_DOUBLE_EQ(cpu.ms_by_component.at("rabbitmq"), 2.0) << "a component that appeared counts from zero";
  EXPECT_FALSE(cpu.ms_by_component.contains("other")) << "nothing spent, nothing listed";
  EXPECT_DOUBLE_EQ(cpu.total_ms, 7.0);
  EXPECT_DOUBLE_EQ(cpu.machine_utilisation, 0.9);
}

TEST(CpuAccountingTest, NoCompletedSagasGivesNoFigures) {
  const CpuPerSaga cpu = CpuBetween(CpuSnapshot{}, TakeCpuSnapshot(), 0);
  EXPECT_TRUE(cpu.ms_by_component.empty());
  EXPECT_DOUBLE_EQ(cpu.total_ms, 0);
}

TEST(CpuAccountingTest, SnapshotOfThisMachineSeesThisProcessAndTheMachine) {
  const CpuSnapshot snapshot = TakeCpuSnapshot();
  EXPECT_GT(snapshot.machine_total_s, 0);
  EXPECT_GE(snapshot.machine_total_s, snapshot.machine_busy_s);
  // The test binary itself is "other" (its comm is not one of the named components).
  EXPECT_TRUE(snapshot.seconds_by_component.contains("other"));
}

}  // namespace
}  // namespace sagaflow::bench
