#pragma once
// Fixture for tests of the storage layer: a fresh database (through SagaCluster, which also
// drops it afterwards) and one connection to it. No processes are started.

#include <gtest/gtest.h>

#include <memory>

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

}  // namespace sagaflow::test
