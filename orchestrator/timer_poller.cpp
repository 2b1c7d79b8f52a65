#include "orchestrator/timer_poller.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/stop_wait.hpp"

namespace sagaflow::orchestrator {

void TimerPoller::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    auto fired = engine_.FireDueTimer();
    if (!fired.ok()) {
      spdlog::warn("timer poller: {}", fired.status().ToString());
      SleepUnlessStopped(stop, poll_interval_);
      continue;
    }
    if (fired.value()) continue;  // drain everything that is due
    auto next = engine_.NextTimerDueIn();
    std::chrono::milliseconds wait = poll_interval_;
    if (next.ok() && next->has_value()) wait = std::clamp(**next, std::chrono::milliseconds(1), poll_interval_);
    SleepUnlessStopped(stop, wait);
  }
}

}  // namespace sagaflow::orchestrator
