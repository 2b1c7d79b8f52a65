#include "bench/process_chaos.hpp"

#include <spdlog/spdlog.h>

#include <vector>

namespace sagaflow::bench {

ProcessChaos::ProcessChaos(LocalDeployment& deployment, std::chrono::milliseconds interval)
    : deployment_(deployment), interval_(interval), thread_([this](std::stop_token stop) { Run(stop); }) {}

void ProcessChaos::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

void ProcessChaos::Run(std::stop_token stop) {
  enum class Strike { kSagad, kWorker, kDatabaseSessions, kBrokerConnections, kDatabaseServer };
  std::vector<Strike> rotation{Strike::kSagad, Strike::kWorker, Strike::kDatabaseSessions};
  if (deployment_.can_cut_broker_connections()) rotation.push_back(Strike::kBrokerConnections);
  if (deployment_.can_restart_database()) rotation.push_back(Strike::kDatabaseServer);
  for (std::size_t strike = 0;; ++strike) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, interval_, [] { return false; });  // only a stop ends it early
      if (stop.stop_requested()) return;
    }
    const std::size_t round = strike / rotation.size();
    switch (rotation[strike % rotation.size()]) {
      case Strike::kSagad:
        if (!Record("sagad", deployment_.KillAndRestartSagad(round % deployment_.sagad_processes()))) return;
        ++restarts_;
        break;
      case Strike::kWorker:
        if (!Record("saga-worker", deployment_.KillAndRestartWorker(round % deployment_.worker_processes()))) return;
        ++restarts_;
        break;
      case Strike::kDatabaseSessions: {
        auto cut = deployment_.CutDatabaseConnections();
        if (!Record("database sessions", cut.status())) return;
        ++database_cuts_;
        break;
      }
      case Strike::kBrokerConnections:
        if (!Record("broker connections", deployment_.CutBrokerConnections())) return;
        ++broker_cuts_;
        break;
      case Strike::kDatabaseServer:
        if (!Record("database server", deployment_.RestartDatabase())) return;
        ++database_restarts_;
        break;
    }
  }
}

bool ProcessChaos::Record(const char* what, const Status& status) {
  if (status.ok()) return true;
  error_ = std::string(what) + ": " + status.ToString();
  spdlog::error("saga-bench chaos: {}", error_);
  return false;
}

}  // namespace sagaflow::bench
