#pragma once
// Fixtures for tests of the storage layer and the engine: a fresh database (through
// SagaCluster, which also drops it afterwards) and one connection to it, with or without the
// orchestrator's schema. No processes are started.

#include <gtest/gtest.h>

#include <memory>

#include "storage/migrations.hpp"
#include "storage/pg_connection.hpp"
#include "tests/integration/saga_cluster.hpp"

namespace sagaflow::test {

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SAGAFLOW_REQUIRE_SERVERS();
    cluster_ = std::make_unique<SagaCluster>();
    auto conn = storage::PgConnection::Connect(cluster_->db_url());
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::move(conn.value());
  }

  std::unique_ptr<SagaCluster> cluster_;
  std::unique_ptr<storage::PgConnection> conn_;
};

//! DatabaseTest with the orchestrator's schema in place. A fixture deriving from it calls
//! this SetUp first and returns if IsSkipped() || HasFatalFailure().
class OrchestratorSchemaTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(storage::ApplyMigrations(*conn_, storage::OrchestratorMigrations()).ok());
  }
};

}  // namespace sagaflow::test
