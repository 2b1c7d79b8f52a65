#pragma once
// The inbox: ids of messages already applied. Recording an id in the same transaction as
// its effect makes a redelivered message a no-op. Runs on the caller's transaction.

#include <string>

#include "common/status.hpp"
#include "storage/pg_connection.hpp"

namespace sagaflow::storage {

class InboxRepository {
 public:
  explicit InboxRepository(PgConnection& conn) : conn_(conn) {}
  //! Records `message_id`; false if it was already recorded (a duplicate delivery).
  Result<bool> RecordIfNew(const std::string& message_id, const std::string& saga_id);

 private:
  PgConnection& conn_;
};

}  // namespace sagaflow::storage
