// Retention through real processes: sagad deletes finished sagas (with their history, timers
// and inbox entries) once they have not changed for retention.finished_after, and saga-worker
// deletes stored replies older than retention.processed_after. Rows are planted with old
// timestamps rather than waited for, before the process starts (so no sweep sees half of them).

#include <gtest/gtest.h>

#include "common/ids.hpp"
#include "storage/migrations.hpp"
#include "storage/pg_connection.hpp"
#include "tests/integration/saga_cluster.hpp"
#include "tests/integration/test_util.hpp"

namespace sagaflow::test {
namespace {

using std::chrono::seconds;

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SAGAFLOW_REQUIRE_SERVERS();
    cluster_ = std::make_unique<SagaCluster>();
    cluster_->SetEnv("SAGAFLOW_RETENTION_INTERVAL", "100ms");
    cluster_->SetEnv("SAGAFLOW_RETENTION_BATCH_SIZE", "2");  // several batches per sweep
    cluster_->SetEnv("SAGAFLOW_RETENTION_FINISHED_AFTER", "1h");
    cluster_->SetEnv("SAGAFLOW_RETENTION_PROCESSED_AFTER", "1h");
  }

  //! Creates the schema of `set`, as the process under test would when it starts.
  void Migrate(const storage::MigrationSet& set) {
    auto conn = storage::PgConnection::Connect(cluster_->db_url());
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    auto applied = storage::ApplyMigrations(*conn.value(), set);
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  }

  //! A saga row with one history entry, created `created_hours_ago` and last changed
  //! `updated_hours_ago`.
  std::string PlantSaga(const std::string& status, int created_hours_ago, int updated_hours_ago,
                        const std::string& parent_id = {}) {
    const std::string id = NewUuid();
    cluster_->Query(
        "INSERT INTO sagaflow.sagas (id, type, business_key, state, status, version, input, context, parent_id,"
        " created_at, updated_at) VALUES ($1::uuid, 'order', $1::text, 'somewhere', $2, 1, '{}', '{}', $3,"
        " now() - make_interval(hours => $4::int), now() - make_interval(hours => $5::int))",
        {id, status, parent_id.empty() ? storage::PgParam{} : storage::PgParam{parent_id},
         std::to_string(created_hours_ago), std::to_string(updated_hours_ago)});
    cluster_->Query(
        "INSERT INTO sagaflow.saga_history (saga_id, seq, event, to_state) VALUES ($1, 1, 'started', 'somewhere')",
        {id});
    return id;
  }

  bool SagaExists(const std::string& id) {
    return cluster_->Query("SELECT count(*) FROM sagaflow.sagas WHERE id = $1", {id}).GetInt(0, 0) == 1;
  }
  std::int64_t Rows(const std::string& table, const std::string& id) {
    return cluster_->Query("SELECT count(*) FROM sagaflow." + table + " WHERE saga_id = $1", {id}).GetInt(0, 0);
  }

  std::unique_ptr<SagaCluster> cluster_;
};

TEST_F(RetentionTest, FinishedSagasPastRetentionAreDeletedWithWhatHangsOffThem) {
  Migrate(storage::OrchestratorMigrations());
  const std::string finished = PlantSaga("completed", 3, 2);
  cluster_->Query("INSERT INTO sagaflow.timers (saga_id, name, fire_at) VALUES ($1, 'step', now() + interval '1h')",
                  {finished});
  cluster_->Query("INSERT INTO sagaflow.inbox (message_id, saga_id) VALUES ($1, $2)", {NewUuid(), finished});
  const std::string compensated = PlantSaga("compensated", 3, 2);
  const std::string failed = PlantSaga("failed", 3, 2);
  const std::string parent = PlantSaga("completed", 3, 2);
  const std::string child = PlantSaga("completed", 3, 2, parent);
  // Kept: still running however old, finished but changed within the hour, and one that is
  // old but waiting (the status is what counts, not the age).
  const std::string running = PlantSaga("running", 3, 2);
  const std::string waiting = PlantSaga("waiting", 3, 2);
  const std::string recent = PlantSaga("completed", 3, 0);
  cluster_->StartSagad();

  ASSERT_TRUE(WaitUntil(DeadlineIn(seconds(10)), [&] {
    return !SagaExists(finished) && !SagaExists(compensated) && !SagaExists(failed) && !SagaExists(child) &&
           !SagaExists(parent);
  })) << cluster_->Logs();
  EXPECT_EQ(Rows("saga_history", finished), 0);
  EXPECT_EQ(Rows("timers", finished), 0);
  EXPECT_EQ(Rows("inbox", finished), 0);
  EXPECT_EQ(Rows("saga_history", parent), 0);
  for (const std::string& kept : {running, waiting, recent}) {
    EXPECT_TRUE(SagaExists(kept)) << kept;
    EXPECT_EQ(Rows("saga_history", kept), 1) << kept;
  }
}

TEST_F(RetentionTest, StoredRepliesPastRetentionAreDeleted) {
  Migrate(storage::WorkerMigrations());
  auto plant = [&](int hours_ago) {
    const std::string id = NewUuid();
    cluster_->Query(
        "INSERT INTO workers.processed_commands (command_id, step, reply, processed_at)"
        " VALUES ($1, 'inventory.reserve', '{}', now() - make_interval(hours => $2::int))",
        {id, std::to_string(hours_ago)});
    return id;
  };
  const std::vector<std::string> old{plant(3), plant(2), plant(2), plant(5), plant(2)};
  const std::string young = plant(0);
  cluster_->StartWorker("inventory");
  auto exists = [&](const std::string& id) {
    return cluster_->Query("SELECT count(*) FROM workers.processed_commands WHERE command_id = $1", {id})
               .GetInt(0, 0) == 1;
  };
  ASSERT_TRUE(WaitUntil(DeadlineIn(seconds(10)), [&] {
    return std::none_of(old.begin(), old.end(), exists);
  })) << cluster_->Logs();
  EXPECT_TRUE(exists(young));
}

TEST_F(RetentionTest, HoldFencesPastRetentionAreDeleted) {
  Migrate(storage::WorkerMigrations());
  cluster_->Query(
      "INSERT INTO workers.hold_fences (order_id, hold, created_at) VALUES"
      " ('o-old', 'inventory', now() - interval '3 hours'), ('o-young', 'inventory', now())");
  cluster_->StartWorker("inventory");
  auto fenced = [&](const std::string& order_id) {
    return cluster_->Query("SELECT count(*) FROM workers.hold_fences WHERE order_id = $1", {order_id}).GetInt(0, 0) == 1;
  };
  ASSERT_TRUE(WaitUntil(DeadlineIn(seconds(10)), [&] { return !fenced("o-old"); })) << cluster_->Logs();
  EXPECT_TRUE(fenced("o-young"));
}

}  // namespace
}  // namespace sagaflow::test
