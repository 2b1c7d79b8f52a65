#include "storage/inbox_repository.hpp"

namespace sagaflow::storage {

Result<bool> InboxRepository::RecordIfNew(const std::string& message_id, const std::string& saga_id) {
  auto inserted = conn_.Exec(
      "INSERT INTO sagaflow.inbox (message_id, saga_id) VALUES ($1, $2) ON CONFLICT (message_id) DO NOTHING",
      {message_id, saga_id.empty() ? PgParam{} : PgParam{saga_id}});
  if (!inserted.ok()) return inserted.status();
  return inserted->affected() == 1;
}

}  // namespace sagaflow::storage
