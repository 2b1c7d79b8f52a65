#pragma once
// Retention: what may be deleted once nothing can need it any more. Each call deletes one
// bounded batch in its own statement (rows other sweepers hold are skipped), so sweepers in
// several processes share the work and no call holds many locks for long.

#include <chrono>
#include <cstdint>

#include "common/status.hpp"
#include "storage/pg_connection.hpp"

namespace sagaflow::storage {

//! Deletes up to `limit` finished sagas (completed, compensated, failed) that have not
//! changed for `older_than`, with their history, timers and inbox entries. A parent goes
//! only once its children have gone. Returns how many sagas it deleted.
Result<std::int64_t> PurgeFinishedSagas(PgConnection& conn, std::chrono::milliseconds older_than, int limit);

//! Deletes up to `limit` of the workers' stored replies (workers.processed_commands) older
//! than `older_than`: after that a command arriving again would run again, so it must exceed
//! the longest time a command can wait for redelivery. Hold fences past the same age go too.
//! Returns how many stored replies it deleted.
Result<std::int64_t> PurgeProcessedCommands(PgConnection& conn, std::chrono::milliseconds older_than, int limit);

}  // namespace sagaflow::storage
