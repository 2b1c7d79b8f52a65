// PgConnection's deferred (pipelined) writes against a real PostgreSQL: they run in order with
// the next statement, their errors surface there and abort the transaction, and a rollback
// drops what was never sent. And the pool's check of idle connections the server closed.

#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>

#include "storage/connection_pool.hpp"
#include "storage/migrations.hpp"
#include "storage/pg_connection.hpp"
#include "storage/saga_repository.hpp"
#include "storage/transaction.hpp"
#include "tests/integration/database_test.hpp"
#include "tests/integration/test_util.hpp"

namespace sagaflow::test {
namespace {

class PgConnectionTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(conn_->ExecScript("CREATE TABLE notes (id int PRIMARY KEY, text text NOT NULL)").ok());
  }

  //! Applies the orchestrator's schema and inserts a "toy" saga at version 1 in state working.
  storage::SagaRecord InsertWorkingSaga(const std::string& id) {
    EXPECT_TRUE(storage::ApplyMigrations(*conn_, storage::OrchestratorMigrations()).ok());
    storage::SagaRecord saga;
    saga.id = id;
    saga.type = "toy";
    saga.business_key = "b-" + id;
    saga.state = "working";
    saga.status = "running";
    saga.version = 1;
    auto inserted = storage::SagaRepository(*conn_).InsertIfAbsent(saga);
    EXPECT_TRUE(inserted.ok() && inserted.value()) << (inserted.ok() ? "not inserted" : inserted.status().ToString());
    return saga;
  }

  std::int64_t Count(const std::string& where = "true") {
    auto rows = conn_->Exec("SELECT count(*) FROM notes WHERE " + where);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? rows->GetInt(0, 0) : -1;
  }
};

TEST_F(PgConnectionTest, DeferredWritesRunInOrderBeforeTheNextStatement) {
  storage::Transaction tx(*conn_);
  conn_->Defer("INSERT INTO notes VALUES ($1, $2)", {"1", "first"});
  conn_->Defer("UPDATE notes SET text = $2 WHERE id = $1", {"1", "second"});
  auto rows = conn_->Exec("SELECT text FROM notes WHERE id = $1", {"1"});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->rows(), 1);
  EXPECT_EQ(rows->Get(0, 0), "second");
  conn_->Defer("INSERT INTO notes VALUES ($1, $2)", {"2", "third"});
  ASSERT_TRUE(tx.Commit().ok());
  EXPECT_EQ(Count(), 2);
  EXPECT_TRUE(conn_->Healthy());
}

TEST_F(PgConnectionTest, FailedDeferredWriteFailsTheCommitAndRollsEverythingBack) {
  ASSERT_TRUE(conn_->ExecScript("INSERT INTO notes VALUES (1, 'existing')").ok());
  storage::Transaction tx(*conn_);
  conn_->Defer("INSERT INTO notes VALUES ($1, $2)", {"2", "new"});
  conn_->Defer("INSERT INTO notes VALUES ($1, $2)", {"1", "duplicate"});  // unique violation
  conn_->Defer("INSERT INTO notes VALUES ($1, $2)", {"3", "after the error"});
  Status committed = tx.Commit();
  EXPECT_TRUE(committed.IsConflict()) << committed.ToString();
  EXPECT_TRUE(conn_->Healthy()) << "the failed transaction was rolled back";
  EXPECT_EQ(Count(), 1);
  // The statements prepared inside the failed pipeline still work.
  storage::Transaction again(*conn_);
  conn_->Defer("INSERT INTO notes VALUES ($1, $2)", {"2", "new"});
  ASSERT_TRUE(again.Commit().ok());
  EXPECT_EQ(Count(), 2);
}

TEST_F(PgConnectionTest, DeferredWriteHandsItsRowsToItsCallbackOnlyWhenTheRoundTripSucceeds) {
  std::vector<std::string> returned;
  auto remember = [&returned](const storage::PgResult& rows) { returned.push_back(rows.Get(0, 0)); };
  {
    storage::Transaction tx(*conn_);
    conn_->Defer("INSERT INTO notes VALUES ($1, $2) RETURNING text", {"1", "one"}, remember);
    conn_->Defer("INSERT INTO notes VALUES ($1, $2)", {"2", "two"});
    conn_->Defer("INSERT INTO notes VALUES ($1, $2) RETURNING text", {"3", "three"}, remember);
    ASSERT_TRUE(tx.Commit().ok());
  }
  EXPECT_EQ(returned, (std::vector<std::string>{"one", "three"}));

  returned.clear();
  storage::Transaction failing(*conn_);
  conn_->Defer("INSERT INTO notes VALUES ($1, $2) RETURNING text", {"4", "four"}, remember);
  conn_->Defer("INSERT INTO notes VALUES ($1, $2)", {"1", "duplicate"});  // unique violation
  EXPECT_FALSE(failing.Commit().ok());
  EXPECT_TRUE(returned.empty()) << "a write the failed transaction undid reported its rows";
}

TEST_F(PgConnectionTest, RollbackDropsDeferredWritesThatWereNeverSent) {
  {
    storage::Transaction tx(*conn_);
    conn_->Defer("INSERT INTO notes VALUES ($1, $2)", {"1", "never sent"});
  }  // destroyed without Commit
  EXPECT_TRUE(conn_->Healthy());
  EXPECT_EQ(Count(), 0);
}

TEST_F(PgConnectionTest, ErrorOfTheStatementThatFlushesIsReported) {
  storage::Transaction tx(*conn_);
  conn_->Defer("INSERT INTO notes VALUES ($1, $2)", {"1", "ok"});
  auto rows = conn_->Exec("SELECT text FROM no_such_table");
  EXPECT_TRUE(rows.status().IsPermanent()) << rows.status().ToString();
}

TEST_F(PgConnectionTest, SagaUpdateWithAStaleVersionAbortsTheTransactionAsTransient) {
  storage::SagaRecord saga = InsertWorkingSaga("00000000-0000-4000-8000-000000000001");
  if (HasFailure()) return;

  storage::Transaction tx(*conn_);
  saga.version = 5;  // the row is at version 1: another writer "got there first"
  saga.state = "done";
  storage::HistoryEntry entry;
  entry.seq = saga.version;
  entry.event = "toy.done";
  entry.from_state = "working";
  entry.to_state = "done";
  storage::SagaRepository(*conn_).Update(saga, entry);
  Status committed = tx.Commit();
  EXPECT_TRUE(committed.IsTransient()) << committed.ToString();
  EXPECT_NE(committed.message().find("changed concurrently"), std::string::npos) << committed.ToString();
  auto stored = storage::SagaRepository(*conn_).Get(saga.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state, "working");
  EXPECT_EQ(stored->version, 1);
  auto history = storage::SagaRepository(*conn_).History(saga.id);
  ASSERT_TRUE(history.ok());
  EXPECT_TRUE(history->empty()) << "the history entry of a refused write was written";
}

TEST_F(PgConnectionTest, SagaUpdateWritesTheRowAndItsHistoryEntryTogether) {
  storage::SagaRecord saga = InsertWorkingSaga("00000000-0000-4000-8000-000000000002");
  if (HasFailure()) return;
  storage::Transaction tx(*conn_);
  saga.version = 2;
  saga.state = "done";
  storage::HistoryEntry entry{2, "toy.done", "working", "done", json::object{{"by", "test"}}, ""};
  storage::SagaRepository(*conn_).Update(saga, entry);
  ASSERT_TRUE(tx.Commit().ok());
  auto history = storage::SagaRepository(*conn_).History(saga.id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].seq, 2);
  EXPECT_EQ((*history)[0].event, "toy.done");
  EXPECT_EQ((*history)[0].from_state, "working");
  EXPECT_EQ((*history)[0].to_state, "done");
  EXPECT_EQ(StringOr((*history)[0].payload, "by"), "test");
  EXPECT_EQ(storage::SagaRepository(*conn_).Get(saga.id)->version, 2);
}

// A server restart or failover ends the pool's idle sessions: the next Acquire must hand out
// a working connection, not one whose first statement fails.
TEST_F(PgConnectionTest, PoolDropsIdleConnectionsTheServerClosed) {
  storage::ConnectionPool pool(cluster_->db_url(), 2);
  std::string old_pid;
  {
    auto conn = pool.Acquire();
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    auto pid = (*conn)->Exec("SELECT pg_backend_pid()::text");
    ASSERT_TRUE(pid.ok()) << pid.status().ToString();
    old_pid = pid->Get(0, 0);
  }  // back in the pool, idle
  auto ended = conn_->Exec("SELECT pg_terminate_backend($1::int)", {old_pid});
  ASSERT_TRUE(ended.ok()) << ended.status().ToString();
  // The backend exits asynchronously, and leaves pg_stat_activity before its socket closes:
  // wait for the process itself to be gone (the test servers run on this machine).
  ASSERT_TRUE(WaitUntil(DeadlineIn(std::chrono::seconds(10)),
                        [&] { return ::kill(std::stoi(old_pid), 0) != 0 && errno == ESRCH; }));

  auto conn = pool.Acquire();
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto pid = (*conn)->Exec("SELECT pg_backend_pid()::text");
  ASSERT_TRUE(pid.ok()) << "the pool handed out the closed connection: " << pid.status().ToString();
  EXPECT_NE(pid->Get(0, 0), old_pid);
}

}  // namespace
}  // namespace sagaflow::test
