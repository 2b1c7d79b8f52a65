#include "bench/bench_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace sagaflow::bench {

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

void Summarise(const DriveResult& drive, BenchReport& report) {
  report.completed = static_cast<int>(drive.completed.size());
  report.failed = drive.failed;
  report.retried_calls = drive.retried_calls;
  report.samples = drive.completed;
  std::vector<double> latencies;
  double last = 0;
  for (const SagaSample& sample : drive.completed) {
    latencies.push_back(sample.latency_ms);
    last = std::max(last, sample.completed_s);
  }
  report.wall_s = last;
  report.sagas_per_s = last > 0 ? report.completed / last : 0;
  report.latency_p50_ms = Percentile(latencies, 50);
  report.latency_p95_ms = Percentile(latencies, 95);
  report.latency_p99_ms = Percentile(latencies, 99);
}

namespace {
json::object CpuToJson(const CpuPerSaga& cpu) {
  json::object out;
  for (const auto& [component, ms] : cpu.ms_by_component) out[component] = ms;
  out["total"] = cpu.total_ms;
  return out;
}

//! "total 11.6 = postgres 4.6 + rabbitmq 3.1 + ...", largest first.
std::string CpuLine(const CpuPerSaga& cpu) {
  std::vector<std::pair<double, std::string>> parts;
  for (const auto& [component, ms] : cpu.ms_by_component) parts.emplace_back(ms, component);
  std::sort(parts.rbegin(), parts.rend());
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "total %.2f =", cpu.total_ms);
  std::string line = buffer;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::snprintf(buffer, sizeof buffer, "%s %s %.2f", i == 0 ? "" : " +", parts[i].second.c_str(), parts[i].first);
    line += buffer;
  }
  return line;
}
}  // namespace

json::object ReportToJson(const BenchReport& r) {
  json::object out{{"label", r.label},
                   {"sagas", r.sagas},
                   {"concurrency", r.concurrency},
                   {"sagad_processes", r.sagad_processes},
                   {"events_queue", r.durable_events_queue ? "durable" : "transient"},
                   {"completed", r.completed},
                   {"failed", r.failed},
                   {"wall_s", r.wall_s},
                   {"sagas_per_s", r.sagas_per_s},
                   {"latency_ms", json::object{{"p50", r.latency_p50_ms}, {"p95", r.latency_p95_ms},
                                               {"p99", r.latency_p99_ms}}},
                   {"dispatch_ms", json::object{{"p50", r.dispatch_p50_ms}, {"p99", r.dispatch_p99_ms}}},
                   {"pg_commits_per_saga", r.pg_commits_per_saga >= 0 ? json::value(r.pg_commits_per_saga) : nullptr},
                   {"machine_cpu_utilisation", r.cpu.machine_utilisation}};
  if (r.chaos_restarts < 0) {
    out["amqp_messages_per_saga"] = r.amqp_messages_per_saga;
    out["saga_cache"] = json::object{{"hit_rate", r.cache_hit_rate},
                                     {"misses_per_saga", r.cache_misses_per_saga},
                                     {"stale_per_saga", r.cache_stale_per_saga}};
    out["peak_rss_mb"] = json::object{{"sagad", r.sagad_peak_rss_mb}, {"workers", r.workers_peak_rss_mb}};
    out["cpu_ms_per_saga"] = CpuToJson(r.cpu);
  } else {
    out["chaos"] = json::object{
        {"restarts", r.chaos_restarts},
        {"database_cuts", r.chaos_database_cuts},
        {"broker_cuts", r.chaos_broker_cuts},
        {"database_restarts", r.chaos_database_restarts},
        {"retried_calls", r.retried_calls}};
  }
  json::array violations;
  for (const std::string& violation : r.audit_violations) violations.emplace_back(violation);
  out["audit"] = json::object{{"ok", r.audit_violations.empty()}, {"violations", std::move(violations)}};
  return out;
}

namespace {
//! One row of the table: the name padded to a column, then the printf-formatted value.
template <typename... Args>
void Row(std::string& table, const char* name, const char* format, Args... args) {
  char value[256];
  std::snprintf(value, sizeof value, format, args...);
  char row[320];
  std::snprintf(row, sizeof row, "%-28s %s\n", name, value);
  table += row;
}
}  // namespace

std::string ReportToTable(const BenchReport& r) {
  std::string table;
  Row(table, "run", "%s", r.label.c_str());
  Row(table, "load", "%d sagas, concurrency %d, %d sagad, %s events queue", r.sagas, r.concurrency,
      r.sagad_processes, r.durable_events_queue ? "durable" : "transient");
  Row(table, "result", "%d completed, %d failed in %.1f s", r.completed, r.failed, r.wall_s);
  Row(table, "completed sagas/s", "%.1f", r.sagas_per_s);
  Row(table, "end-to-end latency (ms)", "p50 %.1f  p95 %.1f  p99 %.1f", r.latency_p50_ms, r.latency_p95_ms,
      r.latency_p99_ms);
  Row(table, "step dispatch latency (ms)", "p50 %.2f  p99 %.2f", r.dispatch_p50_ms, r.dispatch_p99_ms);
  if (r.pg_commits_per_saga >= 0) {
    Row(table, "PostgreSQL commits per saga", "%.1f", r.pg_commits_per_saga);
  } else {
    Row(table, "PostgreSQL commits per saga", "%s", "unknown (the database server restarted: its statistics started again)");
  }
  Row(table, "machine CPU busy", "%.0f %%", r.cpu.machine_utilisation * 100);
  if (r.chaos_restarts < 0) {
    Row(table, "AMQP messages per saga", "%.1f", r.amqp_messages_per_saga);
    Row(table, "saga cache", "%.1f %% hits, %.2f misses and %.2f stale per saga", r.cache_hit_rate * 100,
        r.cache_misses_per_saga, r.cache_stale_per_saga);
    Row(table, "peak RSS (MB)", "sagad %.1f, workers %.1f", r.sagad_peak_rss_mb, r.workers_peak_rss_mb);
    Row(table, "CPU ms per saga", "%s", CpuLine(r.cpu).c_str());
  } else {
    // Per-process figures (CPU, RSS, the counters on /metrics) start again with every restart.
    Row(table, "chaos",
        "%d sagad/saga-worker processes killed (SIGKILL) and restarted, all database sessions ended %d times, "
        "all broker connections closed %d times, the database server crashed and restarted %d times, "
        "%d calls retried",
        r.chaos_restarts, r.chaos_database_cuts, r.chaos_broker_cuts, r.chaos_database_restarts, r.retried_calls);
  }
  if (r.audit_violations.empty()) {
    Row(table, "audit", "%s", "ok: every order completed once; stock, reservations, payments and shipments match");
  }
  for (const std::string& violation : r.audit_violations) Row(table, "audit FAILED", "%s", violation.c_str());
  return table;
}

Status WritePlot(const BenchReport& report, const std::string& png_path) {
  // Per second of the run: completions and their mean latency.
  std::map<int, std::pair<int, double>> per_second;
  for (const SagaSample& sample : report.samples) {
    auto& [count, latency_sum] = per_second[static_cast<int>(sample.completed_s)];
    ++count;
    latency_sum += sample.latency_ms;
  }
  const std::string data_path = png_path + ".dat";
  {
    std::ofstream data(data_path);
    for (const auto& [second, totals] : per_second) {
      data << second << " " << totals.first << " " << totals.second / totals.first << "\n";
    }
  }
  std::ostringstream script;
  script << "set terminal png size 1000,500; set output '" << png_path << "';"
         << "set title 'saga-bench " << report.label << "'; set xlabel 'seconds';"
         << "set ylabel 'completed sagas/s'; set y2label 'mean latency (ms)'; set y2tics; set ytics nomirror;"
         << "plot '" << data_path << "' using 1:2 with lines title 'sagas/s', '" << data_path
         << "' using 1:3 axes x1y2 with lines title 'latency ms'";
  const std::string command = "gnuplot -e \"" + script.str() + "\"";
  if (std::system(command.c_str()) != 0) return Status::Permanent("gnuplot failed (is gnuplot-nox installed?)");
  return Status::Ok();
}

}  // namespace sagaflow::bench
