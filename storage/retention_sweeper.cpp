#include "storage/retention_sweeper.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/stop_wait.hpp"

namespace sagaflow::storage {

RetentionOptions RetentionOptionsFrom(const Config& config) {
  RetentionOptions options;
  options.interval = config.GetDuration("retention", "interval", options.interval);
  options.batch_size =
      static_cast<int>(std::max<std::int64_t>(1, config.GetInt("retention", "batch_size", options.batch_size)));
  return options;
}

void RetentionSweeper::Run(std::stop_token stop) {
  RunReconnecting(stop, "retention (" + what_ + ")",
                  [this](std::stop_token session_stop, const SessionConnected& connected) {
                    return RunConnected(session_stop, connected);
                  });
}

Status RetentionSweeper::RunConnected(std::stop_token stop, const SessionConnected& connected) {
  auto pg = PgConnection::Connect(pg_url_);
  if (!pg.ok()) return pg.status();
  // Deleting what nobody needs any more: losing the last batch to a crash only means
  // deleting it again.
  SAGAFLOW_RETURN_IF_ERROR(pg.value()->ExecScript("SET synchronous_commit = off"));
  connected();
  while (!stop.stop_requested()) {
    std::int64_t total = 0;
    while (!stop.stop_requested()) {
      auto deleted = purge_(*pg.value(), options_.batch_size);
      if (!deleted.ok()) return deleted.status();
      total += deleted.value();
      if (deleted.value() < options_.batch_size) break;
    }
    if (total > 0) spdlog::info("retention: deleted {} {}", total, what_);
    SleepUnlessStopped(stop, options_.interval);
  }
  return Status::Ok();
}

}  // namespace sagaflow::storage
