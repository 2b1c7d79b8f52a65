#include "bench/process_chaos.hpp"

#include <spdlog/spdlog.h>

namespace sagaflow::bench {

ProcessChaos::ProcessChaos(LocalDeployment& deployment, std::chrono::milliseconds interval)
    : deployment_(deployment), interval_(interval), thread_([this](std::stop_token stop) { Run(stop); }) {}

void ProcessChaos::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

void ProcessChaos::Run(std::stop_token stop) {
  for (std::size_t kill = 0;; ++kill) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, interval_, [] { return false; });  // only a stop ends it early
      if (stop.stop_requested()) return;
    }
    const std::size_t round = kill / 2;
    const bool sagad = kill % 2 == 0;
    const std::size_t index = round % (sagad ? deployment_.sagad_processes() : deployment_.worker_processes());
    Status restarted = sagad ? deployment_.KillAndRestartSagad(index) : deployment_.KillAndRestartWorker(index);
    if (!restarted.ok()) {
      error_ = std::string(sagad ? "sagad " : "saga-worker ") + std::to_string(index) + ": " + restarted.ToString();
      spdlog::error("saga-bench chaos: {}", error_);
      return;
    }
    ++restarts_;
  }
}

}  // namespace sagaflow::bench
