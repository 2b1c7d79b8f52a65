#pragma once
// `saga-bench --chaos`: crashes while the orders run. Every `interval` a thread strikes once,
// in turn: it kills a sagad (SIGKILL) and starts it again at once, then a saga-worker, then
// it ends every PostgreSQL session of the deployment (as a network cut would), then, given
// a way to (--chaos-broker-command), it closes every connection to the broker, then, given a
// way to (--chaos-database-restart-command), it crashes the PostgreSQL server and starts it
// again; then the next sagad, and so on round the deployment. The run then shows what the strikes cost
// (throughput, latency) and the audit (run_audit.hpp) that they lost and duplicated nothing.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "bench/local_deployment.hpp"

namespace sagaflow::bench {

class ProcessChaos {
 public:
  //! Strikes first after one `interval`. The deployment must outlive this object and not be
  //! touched by anyone else until Stop().
  ProcessChaos(LocalDeployment& deployment, std::chrono::milliseconds interval);
  ~ProcessChaos() { Stop(); }

  //! Returns once no strike is under way; none comes after.
  void Stop();
  //! Processes killed and started again, times the database sessions were ended, times the
  //! broker connections were closed, times the database server crashed and came back. After
  //! Stop().
  int restarts() const { return restarts_; }
  int database_cuts() const { return database_cuts_; }
  int broker_cuts() const { return broker_cuts_; }
  int database_restarts() const { return database_restarts_; }
  //! Why a strike failed, if one did (no more came after it). After Stop().
  const std::string& error() const { return error_; }

 private:
  void Run(std::stop_token stop);
  //! Keeps the first failure of `what`; false if it failed (the thread then stops).
  bool Record(const char* what, const Status& status);

  LocalDeployment& deployment_;
  const std::chrono::milliseconds interval_;
  int restarts_ = 0;
  int database_cuts_ = 0;
  int broker_cuts_ = 0;
  int database_restarts_ = 0;
  std::string error_;
  std::mutex mutex_;                   // for the interruptible wait only
  std::condition_variable_any wake_;
  std::jthread thread_;                // last: starts once the members above exist
};

}  // namespace sagaflow::bench
