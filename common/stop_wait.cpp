#include "common/stop_wait.hpp"

#include <algorithm>
#include <thread>

namespace sagaflow {

void SleepUnlessStopped(std::stop_token stop, std::chrono::milliseconds duration) {
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (!stop.stop_requested()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(50), deadline - now));
  }
}

}  // namespace sagaflow

#include <spdlog/spdlog.h>

namespace sagaflow {

void RunReconnecting(std::stop_token stop, std::string_view what,
                     const std::function<Status(std::stop_token, const SessionConnected&)>& session,
                     const SessionConnected& on_connected) {
  ReconnectBackoff backoff;
  while (!stop.stop_requested()) {
    bool connected = false;
    Status status = session(stop, [&connected, &on_connected] {
      connected = true;
      if (on_connected) on_connected();
    });
    if (stop.stop_requested()) break;
    const std::chrono::milliseconds wait = backoff.After(connected);
    spdlog::warn("{}: {}; reconnecting in {} ms", what, status.ToString(), wait.count());
    SleepUnlessStopped(stop, wait);
  }
}

}  // namespace sagaflow
