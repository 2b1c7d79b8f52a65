#include "bench/local_deployment.hpp"

#include <cstdlib>
#include <iostream>

#include <fstream>
#include <regex>

#include "common/ids.hpp"
#include "common/wire.hpp"
#include "storage/migrations.hpp"
#include "workers/amqp/amqp_connection.hpp"
#include "workers/amqp/topology.hpp"

namespace sagaflow::bench {
namespace {

//! VmHWM of a process in KiB (0 if unreadable).
std::int64_t PeakRss(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

Status PurgeQueues(const std::string& amqp_url) {
  auto conn = amqp::Connection::Open(amqp_url, "saga-bench purge");
  if (!conn.ok()) return conn.status();
  return amqp::PurgeWorkQueues(*conn.value());
}

}  // namespace

LocalDeployment::~LocalDeployment() {
  for (auto& worker : workers_) worker->Terminate();
  for (auto& sagad : sagads_) sagad->Terminate();
  if (channel_) channel_->Terminate();
  // Replies left in a sagad's own queue would expire into the shared queue during whatever
  // runs next on this broker (another run, a test): nothing of this run stays behind.
  if (auto broker = amqp::Connection::Open(options_.amqp_url, "saga-bench cleanup"); broker.ok()) {
    for (const std::string& queue : sticky_queues_) (void)broker.value()->DeleteQueue(queue);
    (void)amqp::PurgeWorkQueues(*broker.value());
  }
  db_.reset();
  // SAGAFLOW_BENCH_KEEP_DB=1 leaves the database behind for a post-mortem (its name is logged).
  const char* keep = std::getenv("SAGAFLOW_BENCH_KEEP_DB");
  if (keep != nullptr && std::string(keep) == "1") {
    std::cerr << "saga-bench: kept database " << db_name_ << "\n";
    return;
  }
  if (!db_name_.empty()) {
    if (auto admin = storage::PgConnection::Connect(options_.admin_pg_url); admin.ok()) {
      (void)admin.value()->ExecScript("DROP DATABASE IF EXISTS " + db_name_ + " WITH (FORCE)");
    }
  }
}

LocalDeployment::Env LocalDeployment::ProcessEnv(const Env& defaults) const {
  Env env{{"SAGAFLOW_POSTGRES_URL", db_url_},
          {"SAGAFLOW_AMQP_URL", options_.amqp_url},
          {"SAGAFLOW_PAYMENT_SECRET", "bench-secret"},
          {"SAGAFLOW_PAYMENT_CHANNEL_URL", channel_url_},
          {"SAGAFLOW_PAYMENT_NOTIFY_URL", (sagad_urls_.empty() ? "" : sagad_urls_.front()) + "/v1/payments/callback"},
          {"SAGAFLOW_LOG_LEVEL", "warn"}};
  env.insert(env.end(), defaults.begin(), defaults.end());
  for (const auto& kv : options_.extra_env) env.push_back(kv);  // --set wins
  return env;
}

Result<int> LocalDeployment::StartAndReadPort(ChildProcess& process, const std::string& path,
                                              const std::vector<std::string>& args, const std::string& log_name,
                                              const Env& defaults) {
  SAGAFLOW_RETURN_IF_ERROR(process.Start(path, args, ProcessEnv(defaults), options_.log_dir + "/" + log_name + ".log"));
  auto port = process.ReadListeningPort(std::chrono::seconds(30));
  if (!port.ok()) return Status::Transient(log_name + " did not start: " + port.status().message());
  return port;
}

Status LocalDeployment::Start(const std::string& sku_prefix, int skus, std::int64_t stock) {
  db_name_ = "sagaflow_bench_" + NewUuid().substr(0, 8);
  {
    auto admin = storage::PgConnection::Connect(options_.admin_pg_url);
    if (!admin.ok()) return admin.status();
    SAGAFLOW_RETURN_IF_ERROR(admin.value()->ExecScript("CREATE DATABASE " + db_name_));
  }
  db_url_ = options_.admin_pg_url.substr(0, options_.admin_pg_url.rfind('/') + 1) + db_name_;
  auto db = storage::PgConnection::Connect(db_url_);
  if (!db.ok()) return db.status();
  db_ = std::move(db.value());
  auto migrated = storage::ApplyMigrations(*db_, storage::WorkerMigrations());
  if (!migrated.ok()) return migrated.status();
  SAGAFLOW_RETURN_IF_ERROR(db_->Exec(
      "INSERT INTO workers.products (sku, name, price_cents, available)"
      " SELECT $1 || '-' || i, $1 || '-' || i, 1000, $2 FROM generate_series(0, $3 - 1) AS i",
      {sku_prefix, std::to_string(stock), std::to_string(skus)}));
  SAGAFLOW_RETURN_IF_ERROR(PurgeQueues(options_.amqp_url));

  channel_ = std::make_unique<ChildProcess>();
  auto channel_port = StartAndReadPort(*channel_, options_.bin_dir + "/examples/fake_payment_channel/fake-payment-channel",
                                       {"--port", "0", "--secret", "bench-secret", "--log-level", "warn"}, "channel");
  if (!channel_port.ok()) return channel_port.status();
  channel_url_ = "http://127.0.0.1:" + std::to_string(channel_port.value());
  for (int i = 0; i < options_.sagad_processes; ++i) {
    sagads_.push_back(std::make_unique<ChildProcess>());
    auto port = StartSagad(sagads_.size() - 1, 0);
    if (!port.ok()) return port.status();
    sagad_ports_.push_back(port.value());
    sagad_urls_.push_back("http://127.0.0.1:" + std::to_string(port.value()));
  }
  for (int i = 0; i < options_.worker_processes; ++i) {
    workers_.push_back(std::make_unique<ChildProcess>());
    SAGAFLOW_RETURN_IF_ERROR(StartWorker(workers_.size() - 1));
  }
  return Status::Ok();
}

Result<int> LocalDeployment::StartSagad(std::size_t index, int port) {
  // Its replies queue is named for this run and index, so that the destructor can delete it
  // and a restarted sagad (--chaos) takes over its predecessor's replies at once. A
  // --set SAGAFLOW_REPLIES_INSTANCE wins (and that queue is the user's to delete).
  const std::string instance = "bench-" + db_name_ + "-" + std::to_string(index);
  if (index >= sticky_queues_.size()) sticky_queues_.push_back(wire::StickyRepliesQueueName(instance));
  return StartAndReadPort(*sagads_[index], options_.bin_dir + "/orchestrator/sagad", {}, "sagad-" + std::to_string(index),
                          {{"SAGAFLOW_HTTP_PORT", std::to_string(port)}, {"SAGAFLOW_REPLIES_INSTANCE", instance}});
}

Status LocalDeployment::StartWorker(std::size_t index) {
  ChildProcess& worker = *workers_[index];
  SAGAFLOW_RETURN_IF_ERROR(worker.Start(options_.bin_dir + "/workers/saga-worker", {"--roles", "all"}, ProcessEnv(),
                                        options_.log_dir + "/worker-" + std::to_string(index) + ".log"));
  auto ready = worker.ReadLineMatching(std::regex("worker running roles"), std::chrono::seconds(30));
  if (!ready.ok()) return Status::Transient("saga-worker did not start: " + ready.status().message());
  return Status::Ok();
}

Status LocalDeployment::KillAndRestartSagad(std::size_t index) {
  sagads_.at(index)->Kill();
  auto port = StartSagad(index, sagad_ports_[index]);
  return port.ok() ? Status::Ok() : port.status();
}

Status LocalDeployment::KillAndRestartWorker(std::size_t index) {
  workers_.at(index)->Kill();
  return StartWorker(index);
}

Result<storage::PgConnection*> LocalDeployment::Db() {
  if (db_ == nullptr || db_->Lost() || !db_->Alive()) {
    auto db = storage::PgConnection::Connect(db_url_);
    if (!db.ok()) return db.status();
    db_ = std::move(db.value());
  }
  return db_.get();
}

Result<int> LocalDeployment::CutDatabaseConnections() {
  auto db = Db();
  if (!db.ok()) return db.status();
  auto cut = db.value()->Exec(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
      " WHERE datname = current_database() AND pid <> pg_backend_pid()");
  if (!cut.ok()) return cut.status();
  return static_cast<int>(cut->GetInt(0, 0));
}

namespace {
Status RunShellCommand(const std::string& command) {
  const int rc = std::system((command + " >/dev/null 2>&1").c_str());
  if (rc != 0) return Status::Transient("'" + command + "' exited with " + std::to_string(rc));
  return Status::Ok();
}
}  // namespace

Status LocalDeployment::CutBrokerConnections() { return RunShellCommand(options_.broker_cut_command); }

Status LocalDeployment::RestartDatabase() { return RunShellCommand(options_.database_restart_command); }

std::pair<std::int64_t, std::int64_t> LocalDeployment::PeakRssKiB() const {
  std::int64_t sagad = 0;
  std::int64_t workers = 0;
  for (const auto& process : sagads_) sagad += PeakRss(process->pid());
  for (const auto& process : workers_) workers += PeakRss(process->pid());
  return {sagad, workers};
}

}  // namespace sagaflow::bench
