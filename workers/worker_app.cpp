#include "workers/worker_app.hpp"

#include <CLI/CLI.hpp>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "common/config.hpp"
#include "common/logging.hpp"
#include "common/topology.hpp"
#include "storage/migrations.hpp"
#include "storage/retention.hpp"
#include "storage/retention_sweeper.hpp"
#include "workers/catalog_seed.hpp"
#include "workers/handlers/benefit_handlers.hpp"
#include "workers/handlers/catalog_handlers.hpp"
#include "workers/handlers/inventory_handlers.hpp"
#include "workers/handlers/logistics_handlers.hpp"
#include "workers/handlers/payment_handlers.hpp"

namespace sagaflow::workers {
namespace {

Result<HandlerMap> HandlersFor(std::string_view role, const Config& config) {
  if (role == "inventory") {
    InventoryOptions options;
    options.hold = config.GetDuration("inventory", "hold", options.hold);
    HandlerMap handlers = InventoryHandlers(options);
    CatalogOptions catalog;
    catalog.points_per_unit = config.GetInt("pricing", "points_per_unit", catalog.points_per_unit);
    handlers.merge(CatalogHandlers(catalog));
    return handlers;
  }
  if (role == "promotions") return CouponHandlers();
  if (role == "points") return PointsHandlers();
  if (role == "payment") {
    PaymentOptions options;
    options.channel_url = config.GetString("payment", "channel_url", options.channel_url);
    options.notify_url = config.GetString("payment", "notify_url", options.notify_url);
    return PaymentHandlers(options);
  }
  if (role == "logistics") return LogisticsHandlers();
  return Status::InvalidArgument("roles", "unknown role '" + std::string(role) + "'");
}

std::vector<std::string> SplitRoles(const std::string& roles) {
  std::vector<std::string> out;
  std::stringstream in(roles);
  for (std::string role; std::getline(in, role, ',');) {
    if (!role.empty()) out.push_back(role);
  }
  return out;
}

Status Migrate(const std::string& pg_url) {
  auto conn = storage::PgConnection::Connect(pg_url);
  if (!conn.ok()) return conn.status();
  auto applied = storage::ApplyMigrations(*conn.value(), storage::WorkerMigrations());
  return applied.ok() ? Status::Ok() : applied.status();
}

//! Loads the shop data file (see catalog_seed.hpp for its shape).
Status Seed(const std::string& pg_url, const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("file", "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::value data = json::parse(text.str(), ec);
  if (ec) return Status::InvalidArgument("file", path + " is not JSON: " + ec.message());
  auto conn = storage::PgConnection::Connect(pg_url);
  if (!conn.ok()) return conn.status();
  return SeedShopData(*conn.value(), data);
}

int Run(const Config& config, const std::string& roles_arg) {
  StepWorkerOptions base;
  base.pg_url = config.GetString("postgres", "url", "");
  base.amqp_url = config.GetString("amqp", "url", "");
  base.prefetch = static_cast<std::uint16_t>(config.GetInt("workers", "prefetch", base.prefetch));
  base.batch_size = static_cast<std::size_t>(
      std::max<std::int64_t>(1, config.GetInt("workers", "batch_size", static_cast<std::int64_t>(base.batch_size))));
  base.persistent_replies = config.GetBool("amqp", "persistent_steps", base.persistent_replies);
  if (const char* crash = std::getenv("SAGAFLOW_TESTPOINT_CRASH_AFTER_COMMIT")) base.crash_after_commit_step = crash;
  if (base.pg_url.empty() || base.amqp_url.empty()) {
    spdlog::error("postgres.url and amqp.url are required (or SAGAFLOW_POSTGRES_URL / SAGAFLOW_AMQP_URL)");
    return 2;
  }
  const std::string roles_text = roles_arg.empty() ? config.GetString("workers", "roles", "") : roles_arg;
  std::vector<std::string> roles = SplitRoles(roles_text);
  if (roles.empty() || roles_text == "all") {
    roles.clear();
    for (const wire::WorkerRole& role : wire::WorkerRoles()) roles.emplace_back(role.name);
  }
  if (Status migrated = Migrate(base.pg_url); !migrated.ok()) {
    spdlog::error("worker migrations failed: {}", migrated.ToString());
    return 1;
  }
  // The roles share consumer threads, so a saga's consecutive steps share batches; a role
  // named in workers.own_thread_roles (default: payment, whose steps wait on the payment
  // channel) gets threads of its own, so a slow channel delays only payments. Each StepWorker
  // owns its handlers and connections; several of them compete for the same queues (the
  // advisory lock per command id keeps each command single).
  const std::vector<std::vector<std::string>> groups =
      ThreadGroups(roles, SplitRoles(config.GetString("workers", "own_thread_roles", "payment")));
  const int threads_per_group = std::max<int>(1, static_cast<int>(config.GetInt("workers", "threads", 1)));
  std::vector<std::unique_ptr<StepWorker>> workers;
  for (const std::vector<std::string>& group : groups) {
    for (int i = 0; i < threads_per_group; ++i) {
      HandlerMap handlers;
      for (const std::string& role : group) {
        auto role_handlers = HandlersFor(role, config);
        if (!role_handlers.ok()) {
          spdlog::error("{}", role_handlers.status().ToString());
          return 2;
        }
        handlers.merge(role_handlers.value());
      }
      StepWorkerOptions options = base;
      options.roles = group;
      workers.push_back(std::make_unique<StepWorker>(std::move(options), std::move(handlers)));
    }
  }

  // Stored replies are kept this long (0: forever): a command arriving again later would run
  // again, so this must exceed the longest a command can wait for redelivery.
  const auto processed_after = config.GetDuration("retention", "processed_after", std::chrono::hours(24 * 7));
  storage::RetentionSweeper retention(
      base.pg_url, "stored replies",
      [processed_after](storage::PgConnection& conn, int limit) {
        return storage::PurgeProcessedCommands(conn, processed_after, limit);
      },
      storage::RetentionOptionsFrom(config));

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  {
    std::vector<std::jthread> threads;
    for (auto& worker : workers) {
      threads.emplace_back([&worker](std::stop_token stop) { worker->Run(stop); });
    }
    if (processed_after.count() > 0) threads.emplace_back([&retention](std::stop_token stop) { retention.Run(stop); });
    std::cout << "worker running roles " << JoinRoles(roles) << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    spdlog::info("received signal {}, stopping workers", received);
  }
  spdlog::info("saga-worker stopped");
  return 0;
}

}  // namespace

int WorkerMain(int argc, char** argv) {
  CLI::App app{"saga-worker: executes saga steps for one or more roles"};
  std::string config_path;
  std::string roles;
  std::string seed_file;
  app.add_option("-c,--config", config_path, "JSON config file (every key also settable as SAGAFLOW_<BLOCK>_<KEY>)");
  app.require_subcommand(0, 1);
  CLI::App* run = app.add_subcommand("run", "consume and execute steps (default)");
  app.add_option("--roles", roles, "comma-separated roles (inventory,promotions,points,payment,logistics); default: all");
  run->add_option("--roles", roles, "comma-separated roles (inventory,promotions,points,payment,logistics); default: all");
  CLI::App* migrate = app.add_subcommand("migrate", "apply the workers' schema and exit");
  CLI::App* seed = app.add_subcommand("seed", "load products, promotions, coupons and points from a JSON file and exit");
  seed->add_option("file", seed_file, "JSON file (see workers/catalog_seed.hpp)")->required();
  CLI11_PARSE(app, argc, argv);

  auto config = Config::Load(config_path);
  if (!config.ok()) {
    std::cerr << config.status().ToString() << std::endl;
    return 2;
  }
  InitLogging("saga-worker", config->GetString("log", "level", "info"));
  const std::string pg_url = config->GetString("postgres", "url", "");
  if (migrate->parsed() || seed->parsed()) {
    Status status = Migrate(pg_url);
    if (status.ok() && seed->parsed()) status = Seed(pg_url, seed_file);
    if (!status.ok()) spdlog::error("{}", status.ToString());
    return status.ok() ? 0 : 1;
  }
  return Run(config.value(), roles);
}

}  // namespace sagaflow::workers
