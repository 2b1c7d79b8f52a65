#pragma once
// RAII transaction: BEGIN on construction (check status()), ROLLBACK on destruction unless
// Commit() succeeded. Use one per state change: the saga row, history, outbox and timers
// all commit together or not at all.

#include "storage/pg_connection.hpp"

namespace sagaflow::storage {

class Transaction {
 public:
  explicit Transaction(PgConnection& conn) : conn_(conn), begin_status_(conn.Begin()) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (!done_ && begin_status_.ok()) (void)conn_.Rollback();
  }
  //! Whether BEGIN succeeded.
  const Status& status() const { return begin_status_; }
  //! On failure the transaction is rolled back, leaving the connection usable.
  Status Commit() {
    done_ = true;
    Status committed = conn_.Commit();
    if (!committed.ok()) (void)conn_.Rollback();
    return committed;
  }
  PgConnection& conn() { return conn_; }

 private:
  PgConnection& conn_;
  Status begin_status_;
  bool done_ = false;
};

}  // namespace sagaflow::storage
