#pragma once
// The saga rows this sagad last committed, so that applying the next reply or signal to a
// saga needs no read of its row: the event's transaction is then one round trip (writes +
// COMMIT), as Temporal's sticky workflow cache saves its history replays.
//
// Entries are never stale within this process: a transaction that writes a saga takes its
// entry out before the write (BeginWrite) and puts the committed row back only when no
// other transaction of this process is writing it (EndWrite). Everything caused by a commit
// (the worker's reply to the command it queued, the shop's next signal after its event)
// therefore finds the new row or none. Another sagad's writes are caught on the server:
// every write checks the row's version (SagaRepository::Update), the transaction is retried,
// and the engine drops the entry and reads the row (SagaEngine::InTransaction).
//
// Thread-safe. Bounded: when full, the least recently used entry goes. Finished sagas
// (completed, compensated, failed) are not kept: no more events are expected for them.

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "storage/saga_repository.hpp"

namespace sagaflow::orchestrator {

class SagaCache {
 public:
  //! capacity 0 turns the cache off.
  explicit SagaCache(std::size_t capacity) : capacity_(capacity) {}

  //! A copy of the cached row, if any.
  std::optional<storage::SagaRecord> Find(const std::string& id);
  //! A copy of the cached row of the saga of `type` with `business_key`, if any. Meant for
  //! business keys that name one saga (an order's id); for a key several sagas share it is
  //! the one this sagad wrote last.
  std::optional<storage::SagaRecord> FindByBusinessKey(const std::string& type, const std::string& business_key);
  //! A transaction is about to write the saga: drop its entry until EndWrite.
  void BeginWrite(const std::string& id);
  //! Ends one BeginWrite. `committed`: the row as committed; nullopt: rolled back. When the
  //! last write in flight to the saga ends, the newest row any of them committed is kept
  //! (their EndWrite calls may come in any order).
  void EndWrite(const std::string& id, std::optional<storage::SagaRecord> committed);
  void Erase(const std::string& id);
  std::size_t size() const;

 private:
  struct Entry {
    storage::SagaRecord saga;
    std::list<std::string>::iterator position;  //!< in recency_
  };
  mutable std::mutex mutex_;
  const std::size_t capacity_;
  //! Guarded by mutex_. Most recently used first.
  std::list<std::string> recency_;
  //! Guarded by mutex_.
  std::unordered_map<std::string, Entry> entries_;
  //! Guarded by mutex_. BusinessKeyOf(saga) → saga id, for every entry.
  std::unordered_map<std::string, std::string> by_business_key_;
  struct Writes {
    int in_flight = 0;                               //!< BeginWrite minus EndWrite
    std::optional<storage::SagaRecord> newest;  //!< newest row committed meanwhile
  };
  //! Guarded by mutex_. Sagas being written.
  std::unordered_map<std::string, Writes> writers_;
  //! Stores `saga` (mutex_ held).
  void StoreLocked(storage::SagaRecord saga);
  //! Drops the entry of `id`, if any (mutex_ held).
  void EraseLocked(const std::string& id);
};

}  // namespace sagaflow::orchestrator
