#include "orchestrator/saga_cache.hpp"

#include "workflows/saga_workflow.hpp"

namespace sagaflow::orchestrator {
namespace {

bool IsFinished(const std::string& status) {
  using workflows::SagaStatus;
  for (SagaStatus terminal : {SagaStatus::kCompleted, SagaStatus::kCompensated, SagaStatus::kFailed}) {
    if (status == workflows::SagaStatusName(terminal)) return true;
  }
  return false;
}

}  // namespace

std::optional<storage::SagaRecord> SagaCache::Find(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  recency_.splice(recency_.begin(), recency_, it->second.position);
  return it->second.saga;
}

void SagaCache::BeginWrite(const std::string& id) {
  std::lock_guard lock(mutex_);
  ++writers_[id].in_flight;
  EraseLocked(id);
}

void SagaCache::EndWrite(const std::string& id, const storage::SagaRecord* committed) {
  std::lock_guard lock(mutex_);
  auto writing = writers_.find(id);
  if (writing == writers_.end()) return;  // no BeginWrite: nothing to end
  Writes& writes = writing->second;
  if (committed != nullptr && (!writes.newest || writes.newest->version < committed->version)) {
    writes.newest = *committed;
  }
  if (--writes.in_flight > 0) return;  // another write may yet commit a newer row
  std::optional<storage::SagaRecord> newest = std::move(writes.newest);
  writers_.erase(writing);
  if (newest) StoreLocked(*newest);
}

void SagaCache::Erase(const std::string& id) {
  std::lock_guard lock(mutex_);
  EraseLocked(id);
}

void SagaCache::EraseLocked(const std::string& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  recency_.erase(it->second.position);
  entries_.erase(it);
}

void SagaCache::StoreLocked(const storage::SagaRecord& saga) {
  if (capacity_ == 0) return;
  auto it = entries_.find(saga.id);
  if (it != entries_.end() && it->second.saga.version > saga.version) return;  // a later commit got here first
  if (IsFinished(saga.status)) {
    EraseLocked(saga.id);
    return;
  }
  if (it != entries_.end()) {
    it->second.saga = saga;
    recency_.splice(recency_.begin(), recency_, it->second.position);
    return;
  }
  if (entries_.size() >= capacity_) {
    entries_.erase(recency_.back());
    recency_.pop_back();
  }
  recency_.push_front(saga.id);
  entries_.emplace(saga.id, Entry{saga, recency_.begin()});
}

std::size_t SagaCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace sagaflow::orchestrator
