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

std::string BusinessKeyOf(const std::string& type, const std::string& business_key) {
  return type + '\n' + business_key;  // a type name has no line break
}

}  // namespace

std::optional<storage::SagaRecord> SagaCache::FindByBusinessKey(const std::string& type,
                                                                 const std::string& business_key) {
  std::lock_guard lock(mutex_);
  auto key = by_business_key_.find(BusinessKeyOf(type, business_key));
  if (key == by_business_key_.end()) return std::nullopt;
  auto it = entries_.find(key->second);
  if (it == entries_.end()) return std::nullopt;  // never: the two maps change together
  recency_.splice(recency_.begin(), recency_, it->second.position);
  return it->second.saga;
}

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

void SagaCache::EndWrite(const std::string& id, std::optional<storage::SagaRecord> committed) {
  std::lock_guard lock(mutex_);
  auto writing = writers_.find(id);
  if (writing == writers_.end()) return;  // no BeginWrite: nothing to end
  Writes& writes = writing->second;
  if (committed && (!writes.newest || writes.newest->version < committed->version)) {
    writes.newest = std::move(committed);
  }
  if (--writes.in_flight > 0) return;  // another write may yet commit a newer row
  std::optional<storage::SagaRecord> newest = std::move(writes.newest);
  writers_.erase(writing);
  if (newest) StoreLocked(std::move(*newest));
}

void SagaCache::Erase(const std::string& id) {
  std::lock_guard lock(mutex_);
  EraseLocked(id);
}

void SagaCache::EraseLocked(const std::string& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  auto key = by_business_key_.find(BusinessKeyOf(it->second.saga.type, it->second.saga.business_key));
  if (key != by_business_key_.end() && key->second == id) by_business_key_.erase(key);
  recency_.erase(it->second.position);
  entries_.erase(it);
}

void SagaCache::StoreLocked(storage::SagaRecord saga) {
  if (capacity_ == 0) return;
  auto it = entries_.find(saga.id);
  if (it != entries_.end() && it->second.saga.version > saga.version) return;  // a later commit got here first
  if (IsFinished(saga.status)) {
    EraseLocked(saga.id);
    return;
  }
  if (it != entries_.end()) {
    it->second.saga = std::move(saga);  // type and business key never change
    recency_.splice(recency_.begin(), recency_, it->second.position);
    return;
  }
  if (entries_.size() >= capacity_) EraseLocked(recency_.back());
  recency_.push_front(saga.id);
  by_business_key_[BusinessKeyOf(saga.type, saga.business_key)] = saga.id;
  const std::string id = saga.id;
  entries_.emplace(id, Entry{std::move(saga), recency_.begin()});
}

std::size_t SagaCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace sagaflow::orchestrator
