#pragma once
// Versioned schema migrations. Each schema (the orchestrator's `sagaflow`, the workers'
// `workers`) keeps its own list; applied versions are recorded in <schema>.schema_migrations.
// Apply() takes a PostgreSQL advisory lock, so several processes starting at once apply
// each migration exactly once.

#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "storage/pg_connection.hpp"

namespace sagaflow::storage {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

struct MigrationSet {
  std::string_view schema;
  std::vector<Migration> migrations;  //!< in ascending version order, never edited once released
};

//! The orchestrator's tables: sagas, saga_history, outbox, inbox, timers.
const MigrationSet& OrchestratorMigrations();
//! The workers' tables: processed commands, catalog and reservations, promotions, coupons,
//! points, payments, shipments.
const MigrationSet& WorkerMigrations();

//! Applies the migrations of `set` not yet recorded. Returns how many were applied.
Result<int> ApplyMigrations(PgConnection& conn, const MigrationSet& set);

}  // namespace sagaflow::storage
