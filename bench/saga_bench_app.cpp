#include "bench/saga_bench_app.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>
#include <thread>

#include "bench/amqp_floor.hpp"
#include "bench/bench_report.hpp"
#include "bench/cpu_accounting.hpp"
#include "bench/local_deployment.hpp"
#include "bench/order_driver.hpp"
#include "bench/process_chaos.hpp"
#include "bench/run_audit.hpp"
#include "common/http/http_client.hpp"
#include "common/logging.hpp"

namespace sagaflow::bench {
namespace {

std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

Result<std::int64_t> Commits(LocalDeployment& deployment) {
  auto db = deployment.Db();
  if (!db.ok()) return db.status();
  SAGAFLOW_RETURN_IF_ERROR(db.value()->Exec("SELECT pg_stat_clear_snapshot()"));
  auto rows = db.value()->Exec("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
  if (!rows.ok()) return rows.status();
  return rows->GetInt(0, 0);
}

//! Dispatch latency: the engine sending a command (in the transaction that writes its outbox
//! row) → the worker starting it, both recorded by the worker with the command.
Status CollectDatabaseStats(LocalDeployment& deployment, BenchReport& report) {
  auto db = deployment.Db();
  if (!db.ok()) return db.status();
  auto dispatch = db.value()->Exec(
      "SELECT coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), 0),"
      "       coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), 0)"
      " FROM (SELECT extract(epoch FROM (started_at - sent_at)) * 1000 AS ms"
      "       FROM workers.processed_commands WHERE sent_at IS NOT NULL) d");
  if (!dispatch.ok()) return dispatch.status();
  report.dispatch_p50_ms = std::stod(dispatch->Get(0, 0));
  report.dispatch_p99_ms = std::stod(dispatch->Get(0, 1));
  return Status::Ok();
}

//! The value of an unlabelled counter in a Prometheus text page; 0 if absent.
double CounterValue(const std::string& page, const std::string& name) {
  const std::string prefix = "\n" + name + " ";
  const std::size_t at = page.find(prefix);
  return at == std::string::npos ? 0 : std::strtod(page.c_str() + at + prefix.size(), nullptr);
}

//! From each sagad's /metrics: the AMQP messages published (what its outbox relay published,
//! commands + domain events, + the reply messages it consumed: a worker packs the replies of
//! one batch into one message), and how often an event found its saga in the sagad's cache.
Status ReadSagadCounters(LocalDeployment& deployment, BenchReport& report) {
  double messages = 0;
  double hits = 0;
  double misses = 0;
  double stale = 0;
  for (const std::string& url : deployment.sagad_urls()) {
    auto page = http::HttpCall("GET", url + "/metrics");
    if (!page.ok()) return page.status();
    messages += CounterValue(page->body, "sagaflow_outbox_published_total");
    messages += CounterValue(page->body, "sagaflow_reply_messages_total");
    hits += CounterValue(page->body, "sagaflow_saga_cache_hits_total");
    misses += CounterValue(page->body, "sagaflow_saga_cache_misses_total");
    stale += CounterValue(page->body, "sagaflow_saga_cache_stale_total");
  }
  if (report.completed > 0) {
    report.amqp_messages_per_saga = messages / report.completed;
    report.cache_misses_per_saga = misses / report.completed;
    report.cache_stale_per_saga = stale / report.completed;
  }
  report.cache_hit_rate = hits + misses > 0 ? hits / (hits + misses) : 0;
  return Status::Ok();
}

int RunSagas(const DeploymentOptions& deployment_options, DriveOptions drive, std::chrono::milliseconds chaos_interval,
             const std::string& label, const std::string& json_path, const std::string& plot_path) {
  LocalDeployment deployment(deployment_options);
  drive.sku_prefix = "bench-sku";
  const std::int64_t stock = std::int64_t{drive.sagas} * 2;
  if (Status started = deployment.Start(drive.sku_prefix, drive.skus, stock); !started.ok()) {
    std::cerr << "saga-bench: " << started.ToString() << " (logs: " << deployment_options.log_dir << ")\n";
    return 1;
  }
  drive.sagad_urls = deployment.sagad_urls();
  drive.amqp_url = deployment_options.amqp_url;
  auto commits_before = Commits(deployment);
  const CpuSnapshot cpu_before = TakeCpuSnapshot();
  const bool interactive = isatty(STDERR_FILENO) != 0;  // a progress bar only on a terminal
  std::optional<ProcessChaos> chaos;
  if (chaos_interval.count() > 0) chaos.emplace(deployment, chaos_interval);
  auto drove = DriveOrders(drive, [&](int completed, int failed) {
    if (!interactive) return;
    const int width = 40;
    const int filled = drive.sagas > 0 ? (completed + failed) * width / drive.sagas : width;
    std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, '.') << "] " << completed << "/"
              << drive.sagas << " completed, " << failed << " failed" << std::flush;
  });
  const CpuSnapshot cpu_after = TakeCpuSnapshot();
  if (chaos) chaos->Stop();
  if (interactive) std::cerr << "\n";
  if (!drove.ok()) {
    std::cerr << "saga-bench: " << drove.status().ToString() << "\n";
    return 1;
  }
  BenchReport report;
  report.label = label;
  report.sagas = drive.sagas;
  report.concurrency = drive.concurrency;
  report.sagad_processes = deployment_options.sagad_processes;
  report.durable_events_queue = drive.durable_events_queue;
  Summarise(drove.value(), report);
  report.cpu = CpuBetween(cpu_before, cpu_after, report.completed);
  if (chaos) {
    report.chaos_restarts = chaos->restarts();
    report.chaos_database_cuts = chaos->database_cuts();
    report.chaos_broker_cuts = chaos->broker_cuts();
    report.chaos_database_restarts = chaos->database_restarts();
  }
  // Backends publish their statistics at most once a second; wait for the last flush.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto commits_after = Commits(deployment);
  if (report.chaos_database_restarts > 0) {
    report.pg_commits_per_saga = -1;
  } else if (commits_before.ok() && commits_after.ok() && report.completed > 0) {
    report.pg_commits_per_saga = double(commits_after.value() - commits_before.value()) / report.completed;
  }
  if (Status stats = CollectDatabaseStats(deployment, report); !stats.ok()) {
    std::cerr << "saga-bench: statistics: " << stats.ToString() << "\n";
  }
  if (Status counted = ReadSagadCounters(deployment, report); !counted.ok()) {
    std::cerr << "saga-bench: message count: " << counted.ToString() << "\n";
  }
  auto db = deployment.Db();
  auto audit = db.ok() ? AuditRun(*db.value(), AuditExpectation{drive.sagas, stock, drive.skus})
                       : Result<AuditResult>(db.status());
  if (!audit.ok()) {
    report.audit_violations.push_back("could not audit: " + audit.status().ToString());
  } else {
    report.audit_violations = std::move(audit->violations);
  }
  const auto [sagad_kib, workers_kib] = deployment.PeakRssKiB();
  report.sagad_peak_rss_mb = sagad_kib / 1024.0;
  report.workers_peak_rss_mb = workers_kib / 1024.0;

  std::cout << ReportToTable(report);
  if (!drove->first_failure.empty()) std::cout << "first failure: " << drove->first_failure << "\n";
  if (chaos && !chaos->error().empty()) std::cout << "chaos: " << chaos->error() << "\n";
  if (!json_path.empty()) std::ofstream(json_path) << json::serialize(ReportToJson(report)) << "\n";
  if (!plot_path.empty()) {
    if (Status plotted = WritePlot(report, plot_path); !plotted.ok()) std::cerr << plotted.ToString() << "\n";
  }
  const bool chaos_ok = !chaos || chaos->error().empty();
  return report.failed == 0 && report.audit_violations.empty() && chaos_ok ? 0 : 1;
}

}  // namespace

int SagaBenchMain(int argc, char** argv) {
  CLI::App app{"saga-bench: drive order sagas end to end on the local PostgreSQL and RabbitMQ"};
  const CLI::Range kAtLeastOne(1, std::numeric_limits<int>::max());
  DeploymentOptions deployment;
  deployment.admin_pg_url = EnvOr("SAGAFLOW_PG_URL", "postgresql://postgres@127.0.0.1:55432/postgres");
  deployment.amqp_url = EnvOr("SAGAFLOW_AMQP_URL", "amqp://guest:guest@127.0.0.1:55672/");
  deployment.bin_dir = EnvOr("SAGAFLOW_BUILD_DIR", "build");
  deployment.log_dir = std::filesystem::temp_directory_path() / "saga-bench-logs";
  DriveOptions drive;
  std::string label = "run";
  std::string json_path;
  std::string plot_path;
  int floor_messages = 0;
  app.add_option("--sagas", drive.sagas, "order sagas to run to completed")
      ->capture_default_str()
      ->check(kAtLeastOne);
  app.add_option("--concurrency", drive.concurrency, "orders in flight at once")
      ->capture_default_str()
      ->check(kAtLeastOne);
  app.add_option("--sagad", deployment.sagad_processes, "sagad processes")->capture_default_str()->check(kAtLeastOne);
  drive.skus = 100;
  app.add_option("--skus", drive.skus, "products the orders spread over (1: every order contends for one row)")
      ->capture_default_str()
      ->check(kAtLeastOne);
  app.add_option("--workers", deployment.worker_processes, "saga-worker processes")
      ->capture_default_str()
      ->check(kAtLeastOne);
  app.add_option("--label", label, "name of this run in the report");
  app.add_option("--json", json_path, "write the report as JSON here");
  app.add_option("--plot", plot_path, "write a PNG of throughput and latency over time (gnuplot)");
  app.add_option("--pg-url", deployment.admin_pg_url, "PostgreSQL to create the bench database in (env SAGAFLOW_PG_URL)");
  app.add_option("--amqp-url", deployment.amqp_url, "RabbitMQ (env SAGAFLOW_AMQP_URL)");
  app.add_option("--bin-dir", deployment.bin_dir, "the build folder with sagad, saga-worker and the channel");
  app.add_option("--amqp-floor", floor_messages,
                 "instead: measure the broker floor with this many persistent 256-byte messages");
  double chaos_s = 0;
  app.add_option("--chaos", chaos_s,
                 "every this many seconds, kill a sagad or saga-worker (SIGKILL, in turn) and start it again;"
                 " the virtual users retry calls that found no server, and the audit must still pass")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--chaos-broker-command", deployment.broker_cut_command,
                 "with --chaos, also strike the broker: a shell command that closes all its client connections"
                 " (scripts/bench: rabbitmqctl close_all_connections through scripts/lib/servers.sh)");
  app.add_flag("--durable-events", drive.durable_events_queue,
               "the virtual users subscribe to the domain events with a durable queue (the broker writes each"
               " event to disk before confirming it) instead of a transient one");
  app.add_option("--chaos-database-restart-command", deployment.database_restart_command,
                 "with --chaos, also crash the PostgreSQL server: a shell command that stops it at once (no clean"
                 " shutdown) and starts it again (scripts/bench: sagaflow_crash_restart_postgres from"
                 " scripts/lib/servers.sh)");
  std::vector<std::string> settings;
  app.add_option("--set", settings,
                 "a config setting for sagad and the workers, as SAGAFLOW_<BLOCK>_<KEY>=value (repeatable),"
                 " e.g. SAGAFLOW_REPLIES_CONSUMERS=1");
  CLI11_PARSE(app, argc, argv);
  InitLogging("saga-bench", "warn");
  if (chaos_s > 0) {
    drive.retry_calls = true;
    // A killed sagad loses the step commands its relay held and a payment callback may find
    // it down: the step timer and the payment query recover both, here within seconds
    // (a --set below still wins).
    deployment.extra_env.emplace_back("SAGAFLOW_ENGINE_STEP_TIMEOUT", "2s");
    deployment.extra_env.emplace_back("SAGAFLOW_ORDER_PAYMENT_QUERY_INTERVAL", "2s");
  }
  for (const std::string& setting : settings) {
    const std::size_t eq = setting.find('=');
    if (eq == std::string::npos || setting.rfind("SAGAFLOW_", 0) != 0) {
      std::cerr << "saga-bench: --set wants SAGAFLOW_<BLOCK>_<KEY>=value, got '" << setting << "'\n";
      return 2;
    }
    deployment.extra_env.emplace_back(setting.substr(0, eq), setting.substr(eq + 1));
  }
  std::filesystem::create_directories(deployment.log_dir);

  if (floor_messages > 0) {
    for (int batch : {1, 256}) {
      auto floor = MeasureAmqpFloor(deployment.amqp_url, batch == 1 ? std::min(floor_messages, 2000) : floor_messages,
                                    batch);
      if (!floor.ok()) {
        std::cerr << "saga-bench: " << floor.status().ToString() << "\n";
        return 1;
      }
      std::cout << "amqp floor: " << floor->messages << " messages, confirm batch " << batch << ": "
                << static_cast<int>(floor->messages_per_s) << " messages/s\n";
      if (!json_path.empty() && batch == 256) {
        std::ofstream(json_path) << json::serialize(json::object{{"amqp_floor_messages_per_s", floor->messages_per_s},
                                                                 {"batch", batch}})
                                 << "\n";
      }
    }
    return 0;
  }
  return RunSagas(deployment, drive, std::chrono::milliseconds(static_cast<std::int64_t>(chaos_s * 1000)), label,
                  json_path, plot_path);
}

}  // namespace sagaflow::bench
