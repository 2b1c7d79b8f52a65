#pragma once
// Group commit for transactions that each serve one caller (an HTTP request): while
// `max_in_flight` transactions are committing, callers wait, and the oldest of them then runs
// all the waiting callers' bodies in ONE transaction, for one commit (RocksDB's write group,
// on PostgreSQL). A caller that finds a slot free runs at once, alone: grouping never waits
// for company, so a lone request is as fast as without it.
//
// If the group's transaction fails because a body did (a refused signal, a reused
// idempotency key), each body runs again in a transaction of its own, so that failure is only
// its own caller's. A transient failure (the database away after the runner's retries, or a
// COMMIT whose outcome is unknown) is every caller's, and nothing runs again: a body run again
// could apply an event the lost COMMIT had applied. Bodies must be safe to run again (the
// engine's are: what they write is inside the transaction, what they report is assigned anew).
//
// A template over the connection type so that tests can drive it without a database.
// Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <utility>

#include "common/status.hpp"

namespace sagaflow::orchestrator {

template <class Connection>
class BasicWriteGroup {
 public:
  using Body = std::function<Status(Connection&)>;
  //! Runs a body in one transaction, committing if it returns OK (SagaEngine::InTransaction).
  using RunInTransaction = std::function<Status(const Body&)>;

  //! At most `max_group` bodies per transaction; `max_in_flight` >= 1 transactions at once.
  BasicWriteGroup(RunInTransaction run, std::size_t max_group, int max_in_flight)
      : run_(std::move(run)), max_group_(max_group), max_in_flight_(max_in_flight) {}

  //! Runs `body` in a transaction, shared with the callers waiting with it. Returns what
  //! `body` returned, or its transaction's failure.
  Status Run(const Body& body) {
    Writer self{&body};
    std::deque<Writer*> group;
    {
      std::unique_lock lock(mutex_);
      waiting_.push_back(&self);
      // Done by another caller's group, or this caller leads one: the oldest waiting, with a
      // slot free. (A caller a leader has taken waits no more, and may leave none waiting.)
      self.woken.wait(lock, [&] {
        return self.done || (in_flight_ < max_in_flight_ && !waiting_.empty() && waiting_.front() == &self);
      });
      if (self.done) return self.status;
      while (!waiting_.empty() && group.size() < max_group_) {
        group.push_back(waiting_.front());
        waiting_.pop_front();
      }
      ++in_flight_;
      if (group.size() > 1) {
        ++shared_transactions_;
        shared_bodies_ += group.size();
      }
      WakeNextLeaderLocked();  // another slot may be free
    }
    RunGroup(group);
    std::lock_guard lock(mutex_);
    --in_flight_;
    // Each caller is woken only when it has something to do: its group is done, or it leads.
    for (Writer* writer : group) {
      writer->done = true;
      if (writer != &self) writer->woken.notify_one();
    }
    WakeNextLeaderLocked();
    return self.status;
  }

  //! Transactions that carried two or more bodies, and how many bodies those carried.
  std::uint64_t shared_transactions() const {
    std::lock_guard lock(mutex_);
    return shared_transactions_;
  }
  std::uint64_t shared_bodies() const {
    std::lock_guard lock(mutex_);
    return shared_bodies_;
  }
  //! Callers waiting for a group (for tests).
  std::size_t waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_.size();
  }

 private:
  struct Writer {
    const Body* body;
    Status status = Status::Ok();
    bool done = false;
    std::condition_variable woken{};
  };

  //! The oldest waiting caller leads the next group if a slot is free. Caller holds mutex_.
  void WakeNextLeaderLocked() {
    if (in_flight_ < max_in_flight_ && !waiting_.empty()) waiting_.front()->woken.notify_one();
  }

  void RunGroup(const std::deque<Writer*>& group) {
    if (group.size() == 1) {
      group.front()->status = run_(*group.front()->body);
      return;
    }
    const Status together = run_([&](Connection& conn) -> Status {
      for (Writer* writer : group) SAGAFLOW_RETURN_IF_ERROR((*writer->body)(conn));
      return Status::Ok();
    });
    if (together.ok() || together.IsTransient()) {
      for (Writer* writer : group) writer->status = together;
      return;
    }
    // A body failed and took the group with it: each runs alone, so it fails by itself.
    for (Writer* writer : group) writer->status = run_(*writer->body);
  }

  const RunInTransaction run_;
  const std::size_t max_group_;
  const int max_in_flight_;
  mutable std::mutex mutex_;
  std::deque<Writer*> waiting_;  //!< oldest first
  int in_flight_ = 0;
  std::uint64_t shared_transactions_ = 0;
  std::uint64_t shared_bodies_ = 0;
};

}  // namespace sagaflow::orchestrator
