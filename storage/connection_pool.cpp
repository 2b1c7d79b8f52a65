#include "storage/connection_pool.hpp"

namespace sagaflow::storage {

PooledConnection::~PooledConnection() {
  if (conn_ != nullptr) pool_->Release(std::move(conn_));
}

Result<PooledConnection> ConnectionPool::Acquire() {
  std::unique_lock lock(mutex_);
  for (;;) {
    available_.wait(lock, [this] { return !idle_.empty() || open_ < size_; });
    if (idle_.empty()) break;
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    // One the server closed while it sat here (a restart, a failover, a terminated backend)
    // is dropped now rather than failing the transaction it would be handed to.
    lock.unlock();
    const bool alive = conn->Alive();
    lock.lock();
    if (alive) return PooledConnection(this, std::move(conn));
    --open_;
  }
  ++open_;
  lock.unlock();
  auto conn = PgConnection::Connect(url_);
  if (!conn.ok()) {
    std::lock_guard relock(mutex_);
    --open_;
    available_.notify_one();
    return conn.status();
  }
  return PooledConnection(this, std::move(conn.value()));
}

void ConnectionPool::Release(std::unique_ptr<PgConnection> conn) {
  std::lock_guard lock(mutex_);
  if (conn->Healthy()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;  // dropped: a broken link or a transaction left open by a failed caller
  }
  available_.notify_one();
}

}  // namespace sagaflow::storage
