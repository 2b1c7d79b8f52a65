// SagaCache: what the engine may read instead of the saga row, and when it must not.

#include "orchestrator/saga_cache.hpp"

#include <gtest/gtest.h>

namespace sagaflow::orchestrator {
namespace {

storage::SagaRecord Saga(const std::string& id, std::int64_t version, const std::string& status = "running") {
  storage::SagaRecord saga;
  saga.id = id;
  saga.version = version;
  saga.status = status;
  saga.state = "state-v" + std::to_string(version);
  saga.type = "order";
  saga.business_key = "key-" + id;
  return saga;
}

//! Commits `saga` the way the engine does: out before the write, back after the commit.
void Commit(SagaCache& cache, const storage::SagaRecord& saga) {
  cache.BeginWrite(saga.id);
  cache.EndWrite(saga.id, saga);
}

TEST(SagaCacheTest, KeepsTheCommittedRow) {
  SagaCache cache(10);
  EXPECT_FALSE(cache.Find("a").has_value());
  Commit(cache, Saga("a", 3));
  auto found = cache.Find("a");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->version, 3);
  EXPECT_EQ(found->state, "state-v3");
}

TEST(SagaCacheTest, RowBeingWrittenIsNotServedUntilItsCommitEnds) {
  SagaCache cache(10);
  Commit(cache, Saga("a", 1));
  cache.BeginWrite("a");
  // Between the write and the commit (and the commit and EndWrite), readers go to the database.
  EXPECT_FALSE(cache.Find("a").has_value());
  const storage::SagaRecord committed = Saga("a", 2);
  cache.EndWrite("a", committed);
  ASSERT_TRUE(cache.Find("a").has_value());
  EXPECT_EQ(cache.Find("a")->version, 2);
}

TEST(SagaCacheTest, RolledBackWriteLeavesNoEntry) {
  SagaCache cache(10);
  Commit(cache, Saga("a", 1));
  cache.BeginWrite("a");
  cache.EndWrite("a", std::nullopt);
  EXPECT_FALSE(cache.Find("a").has_value());
}

TEST(SagaCacheTest, OverlappingWritesKeepNothingUntilTheLastEnds) {
  SagaCache cache(10);
  const storage::SagaRecord first = Saga("a", 2);
  const storage::SagaRecord second = Saga("a", 3);
  cache.BeginWrite("a");
  cache.BeginWrite("a");
  cache.EndWrite("a", first);  // the other write may commit a newer row any moment
  EXPECT_FALSE(cache.Find("a").has_value());
  cache.EndWrite("a", second);
  ASSERT_TRUE(cache.Find("a").has_value());
  EXPECT_EQ(cache.Find("a")->version, 3);
}

TEST(SagaCacheTest, OverlappingWritesEndingOutOfOrderKeepTheNewestRow) {
  SagaCache cache(10);
  const storage::SagaRecord older = Saga("a", 5);
  const storage::SagaRecord newer = Saga("a", 6);
  cache.BeginWrite("a");
  cache.BeginWrite("a");
  cache.EndWrite("a", newer);  // committed second, but its thread got here first
  cache.EndWrite("a", older);
  ASSERT_TRUE(cache.Find("a").has_value());
  EXPECT_EQ(cache.Find("a")->version, 6);
}

TEST(SagaCacheTest, EndWithoutBeginChangesNothing) {
  SagaCache cache(10);
  const storage::SagaRecord row = Saga("a", 1);
  cache.EndWrite("a", row);
  EXPECT_FALSE(cache.Find("a").has_value());
}

TEST(SagaCacheTest, FinishedSagasAreNotKept) {
  SagaCache cache(10);
  Commit(cache, Saga("a", 1));
  Commit(cache, Saga("a", 2, "completed"));
  EXPECT_FALSE(cache.Find("a").has_value());
  Commit(cache, Saga("b", 1, "compensated"));
  EXPECT_FALSE(cache.Find("b").has_value());
  Commit(cache, Saga("c", 1, "stuck"));  // an operator may still retry it
  EXPECT_TRUE(cache.Find("c").has_value());
}

TEST(SagaCacheTest, LeastRecentlyUsedGoesWhenFull) {
  SagaCache cache(2);
  Commit(cache, Saga("a", 1));
  Commit(cache, Saga("b", 1));
  ASSERT_TRUE(cache.Find("a").has_value());  // a is now the most recent
  Commit(cache, Saga("c", 1));
  EXPECT_TRUE(cache.Find("a").has_value());
  EXPECT_FALSE(cache.Find("b").has_value());
  EXPECT_TRUE(cache.Find("c").has_value());
  EXPECT_EQ(cache.size(), 2u);
}

TEST(SagaCacheTest, CapacityZeroKeepsNothing) {
  SagaCache cache(0);
  Commit(cache, Saga("a", 1));
  EXPECT_FALSE(cache.Find("a").has_value());
}

TEST(SagaCacheTest, FindsAnEntryByItsTypeAndBusinessKey) {
  SagaCache cache(10);
  Commit(cache, Saga("a", 2));
  Commit(cache, Saga("b", 5));
  auto found = cache.FindByBusinessKey("order", "key-b");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "b");
  EXPECT_EQ(found->version, 5);
  EXPECT_FALSE(cache.FindByBusinessKey("cancellation", "key-b").has_value());  // another type
  EXPECT_FALSE(cache.FindByBusinessKey("order", "key-c").has_value());
}

TEST(SagaCacheTest, BusinessKeyLookupFollowsTheEntry) {
  SagaCache cache(2);
  Commit(cache, Saga("a", 1));
  cache.BeginWrite("a");  // being written: not served by id, nor by business key
  EXPECT_FALSE(cache.FindByBusinessKey("order", "key-a").has_value());
  cache.EndWrite("a", std::nullopt);
  EXPECT_FALSE(cache.FindByBusinessKey("order", "key-a").has_value());  // rolled back: gone
  Commit(cache, Saga("a", 2));
  Commit(cache, Saga("b", 1));
  Commit(cache, Saga("c", 1));  // full: "a" goes, and its business key with it
  EXPECT_FALSE(cache.FindByBusinessKey("order", "key-a").has_value());
  EXPECT_TRUE(cache.FindByBusinessKey("order", "key-c").has_value());
  Commit(cache, Saga("c", 2, "completed"));  // finished: not kept
  EXPECT_FALSE(cache.FindByBusinessKey("order", "key-c").has_value());
  cache.Erase("b");
  EXPECT_FALSE(cache.FindByBusinessKey("order", "key-b").has_value());
}

}  // namespace
}  // namespace sagaflow::orchestrator
