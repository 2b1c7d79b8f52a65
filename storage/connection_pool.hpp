#pragma once
// A fixed-size pool of PostgreSQL connections. Thread-safe. Acquire() blocks until a
// connection is free; a broken connection is dropped on release and replaced on demand.

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "storage/pg_connection.hpp"

namespace sagaflow::storage {

class ConnectionPool;

//! A connection borrowed from the pool; returned when this handle dies.
class PooledConnection {
 public:
  PooledConnection(ConnectionPool* pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
  PooledConnection(PooledConnection&&) noexcept = default;
  PooledConnection& operator=(PooledConnection&&) = delete;
  ~PooledConnection();
  PgConnection& operator*() { return *conn_; }
  PgConnection* operator->() { return conn_.get(); }

 private:
  ConnectionPool* pool_;
  std::unique_ptr<PgConnection> conn_;
};

class ConnectionPool {
 public:
  ConnectionPool(std::string url, std::size_t size) : url_(std::move(url)), size_(size) {}
  //! A free connection, opening one if the pool is below its size. Transient if PostgreSQL is unreachable.
  Result<PooledConnection> Acquire();
  const std::string& url() const { return url_; }

 private:
  friend class PooledConnection;
  void Release(std::unique_ptr<PgConnection> conn);

  const std::string url_;
  const std::size_t size_;
  std::mutex mutex_;
  std::condition_variable available_;
  //! Idle connections, guarded by mutex_.
  std::vector<std::unique_ptr<PgConnection>> idle_;
  //! Connections open (idle or lent out), guarded by mutex_.
  std::size_t open_ = 0;
};

}  // namespace sagaflow::storage
