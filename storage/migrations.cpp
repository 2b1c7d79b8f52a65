#include "storage/migrations.hpp"

#include <spdlog/spdlog.h>

#include <string>

#include "storage/transaction.hpp"

namespace sagaflow::storage {

Result<int> ApplyMigrations(PgConnection& conn, const MigrationSet& set) {
  const std::string schema(set.schema);
  Transaction tx(conn);
  SAGAFLOW_RETURN_IF_ERROR(tx.status());
  // Transaction-scoped advisory lock keyed by the schema name: concurrent starters wait here.
  SAGAFLOW_RETURN_IF_ERROR(conn.Exec("SELECT pg_advisory_xact_lock(hashtext($1))", {"sagaflow.migrate." + schema}));
  SAGAFLOW_RETURN_IF_ERROR(conn.ExecScript("CREATE SCHEMA IF NOT EXISTS " + schema + ";"
                                           "CREATE TABLE IF NOT EXISTS " + schema + ".schema_migrations ("
                                           " version int PRIMARY KEY, description text NOT NULL,"
                                           " applied_at timestamptz NOT NULL DEFAULT now())"));
  auto applied = conn.Exec("SELECT coalesce(max(version), 0) FROM " + schema + ".schema_migrations");
  if (!applied.ok()) return applied.status();
  const std::int64_t current = applied->GetInt(0, 0);
  int count = 0;
  for (const Migration& migration : set.migrations) {
    if (migration.version <= current) continue;
    Status status = conn.ExecScript(migration.sql);
    if (!status.ok()) {
      return Status::Permanent("migration " + schema + " v" + std::to_string(migration.version) + " (" +
                               std::string(migration.description) + ") failed: " + status.message());
    }
    SAGAFLOW_RETURN_IF_ERROR(conn.Exec("INSERT INTO " + schema + ".schema_migrations(version, description) VALUES ($1, $2)",
                                       {std::to_string(migration.version), std::string(migration.description)}));
    spdlog::info("applied migration {} v{}: {}", schema, migration.version, migration.description);
    ++count;
  }
  SAGAFLOW_RETURN_IF_ERROR(tx.Commit());
  return count;
}

}  // namespace sagaflow::storage
