#pragma once
// What one saga-bench run measured, and how it is shown: a table, JSON, and (gnuplot) a PNG
// of completions per second and latency over time.

#include <string>
#include <vector>

#include "bench/cpu_accounting.hpp"
#include "bench/order_driver.hpp"
#include "common/json.hpp"
#include "common/status.hpp"

namespace sagaflow::bench {

struct BenchReport {
  std::string label;
  int sagas = 0;
  int concurrency = 0;
  int sagad_processes = 0;
  bool durable_events_queue = false;  //!< DriveOptions::durable_events_queue
  int completed = 0;
  int failed = 0;
  double wall_s = 0;
  double sagas_per_s = 0;
  double latency_p50_ms = 0;
  double latency_p95_ms = 0;
  double latency_p99_ms = 0;
  double dispatch_p50_ms = 0;  //!< outbox insert → worker start, over every step
  double dispatch_p99_ms = 0;
  double pg_commits_per_saga = 0;  //!< < 0: unknown (a database crash resets the statistics)
  double amqp_messages_per_saga = 0;  //!< published: commands, replies and domain events
  //! Events that found their saga in sagad's cache, of all that looked (sagad's /metrics).
  double cache_hit_rate = 0;
  double cache_misses_per_saga = 0;  //!< events that read the saga's row
  double cache_stale_per_saga = 0;   //!< cached rows another sagad had moved on: decided again on a read
  double sagad_peak_rss_mb = 0;
  double workers_peak_rss_mb = 0;
  CpuPerSaga cpu;  //!< CPU ms per completed saga by component, over the whole run
  //! --chaos: sagad and saga-worker processes killed and started again during the run
  //! (-1: no chaos), database cuts, and the calls the virtual users had to make again.
  int chaos_restarts = -1;
  int chaos_database_cuts = 0;  //!< times every PostgreSQL session of the deployment was ended
  int chaos_broker_cuts = 0;    //!< times every broker connection was closed
  int chaos_database_restarts = 0;  //!< times the PostgreSQL server crashed and was started again
  int retried_calls = 0;
  //! What the database showed after the run (run_audit.hpp); empty: every order took effect once.
  std::vector<std::string> audit_violations;
  std::vector<SagaSample> samples;
};

//! The p-th percentile (0..100) of `values` (nearest rank); 0 for none.
double Percentile(std::vector<double> values, double p);
//! Fills the throughput and latency fields from `drive`.
void Summarise(const DriveResult& drive, BenchReport& report);
json::object ReportToJson(const BenchReport& report);
std::string ReportToTable(const BenchReport& report);
//! Writes `png_path` with gnuplot: completions/s and mean end-to-end latency per second.
Status WritePlot(const BenchReport& report, const std::string& png_path);

}  // namespace sagaflow::bench
