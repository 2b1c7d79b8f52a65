#pragma once
// Fires due timers (step timeouts and retries, payment windows, deadlines). Each timer fires
// in its own transaction; timers are claimed FOR UPDATE SKIP LOCKED, so several sagad
// processes share them and none fires twice. Runs on its own thread.
//
// | key (block "timers") | description                                 | default |
// |----------------------|---------------------------------------------|---------|
// | poll_interval        | longest sleep between checks for due timers | 200ms   |

#include <chrono>
#include <stop_token>

#include "orchestrator/saga_engine.hpp"

namespace sagaflow::orchestrator {

class TimerPoller {
 public:
  TimerPoller(SagaEngine& engine, std::chrono::milliseconds poll_interval)
      : engine_(engine), poll_interval_(poll_interval) {}
  //! Fires timers until `stop` is requested.
  void Run(std::stop_token stop);

 private:
  SagaEngine& engine_;
  const std::chrono::milliseconds poll_interval_;
};

}  // namespace sagaflow::orchestrator
