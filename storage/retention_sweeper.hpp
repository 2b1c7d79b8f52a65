#pragma once
// Runs a retention purge (storage/retention.hpp) every `interval` on a connection of its own:
// batch after batch until one comes back short, then waits. Used by sagad (finished sagas)
// and saga-worker (stored replies). Runs on its own thread.
//
// | key (block "retention") | description                                     | default |
// |-------------------------|-------------------------------------------------|---------|
// | interval                | how often to look for rows past their retention | 1m      |
// | batch_size              | rows deleted per statement                      | 500     |

#include <chrono>
#include <functional>
#include <stop_token>
#include <string>

#include "common/config.hpp"
#include "common/status.hpp"
#include "common/stop_wait.hpp"
#include "storage/pg_connection.hpp"

namespace sagaflow::storage {

struct RetentionOptions {
  std::chrono::milliseconds interval{60'000};
  int batch_size = 500;
};

//! The "retention" block's interval and batch_size (what to keep is each process's own key).
RetentionOptions RetentionOptionsFrom(const Config& config);

class RetentionSweeper {
 public:
  //! `purge(conn, batch_size)` deletes one batch and says how many rows it deleted; `what`
  //! names them in the log.
  using Purge = std::function<Result<std::int64_t>(PgConnection&, int)>;
  RetentionSweeper(std::string pg_url, std::string what, Purge purge, RetentionOptions options)
      : pg_url_(std::move(pg_url)), what_(std::move(what)), purge_(std::move(purge)), options_(options) {}
  //! Sweeps until `stop` is requested, reconnecting after failures.
  void Run(std::stop_token stop);

 private:
  Status RunConnected(std::stop_token stop, const SessionConnected& connected);

  const std::string pg_url_;
  const std::string what_;
  const Purge purge_;
  const RetentionOptions options_;
};

}  // namespace sagaflow::storage
