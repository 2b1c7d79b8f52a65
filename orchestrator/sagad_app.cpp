#include "orchestrator/sagad_app.hpp"

#include <CLI/CLI.hpp>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <thread>
#include <vector>

#include "common/config.hpp"
#include "common/ids.hpp"
#include "common/http/http_server.hpp"
#include "common/logging.hpp"
#include "common/startup_latch.hpp"
#include "orchestrator/api_router.hpp"
#include "orchestrator/outbox_relay.hpp"
#include "orchestrator/reply_consumer.hpp"
#include "orchestrator/saga_engine.hpp"
#include "orchestrator/timer_poller.hpp"
#include "storage/connection_pool.hpp"
#include "storage/migrations.hpp"
#include "storage/retention.hpp"
#include "storage/retention_sweeper.hpp"

namespace sagaflow::orchestrator {
namespace {

EngineOptions EngineOptionsFrom(const Config& config) {
  EngineOptions options;
  options.step_timeout = config.GetDuration("engine", "step_timeout", options.step_timeout);
  options.max_attempts = static_cast<int>(config.GetInt("engine", "max_attempts", options.max_attempts));
  options.retry_backoff = config.GetDuration("engine", "retry_backoff", options.retry_backoff);
  options.retry_backoff_max = config.GetDuration("engine", "retry_backoff_max", options.retry_backoff_max);
  options.cache_size = static_cast<std::size_t>(
      std::max<std::int64_t>(0, config.GetInt("engine", "cache_size", static_cast<std::int64_t>(options.cache_size))));
  options.write_groups = static_cast<int>(config.GetInt("engine", "write_groups", options.write_groups));
  if (const char* event = std::getenv("SAGAFLOW_TESTPOINT_LOSE_COMMIT_ANSWER")) options.lose_commit_answer_event = event;
  return options;
}

workflows::order::OrderOptions OrderOptionsFrom(const Config& config) {
  workflows::order::OrderOptions options;
  options.payment_window = config.GetDuration("order", "payment_window", options.payment_window);
  options.payment_query_interval = config.GetDuration("order", "payment_query_interval", options.payment_query_interval);
  options.payment_query_max = config.GetDuration("order", "payment_query_max", options.payment_query_max);
  options.auto_confirm_after = config.GetDuration("order", "auto_confirm_after", options.auto_confirm_after);
  return options;
}

RelayOptions RelayOptionsFrom(const Config& config) {
  RelayOptions options;
  options.batch_size = static_cast<int>(config.GetInt("relay", "batch_size", options.batch_size));
  options.sweep_interval = config.GetDuration("relay", "sweep_interval", options.sweep_interval);
  options.sweep_after = config.GetDuration("relay", "sweep_after", options.sweep_after);
  options.delete_interval = config.GetDuration("relay", "delete_interval", options.delete_interval);
  options.linger = config.GetDuration("relay", "linger", options.linger);
  options.confirm_timeout = config.GetDuration("relay", "confirm_timeout", options.confirm_timeout);
  options.persistent_commands = config.GetBool("amqp", "persistent_steps", options.persistent_commands);
  return options;
}

Status Migrate(const std::string& pg_url) {
  auto conn = storage::PgConnection::Connect(pg_url);
  if (!conn.ok()) return conn.status();
  auto applied = storage::ApplyMigrations(*conn.value(), storage::OrchestratorMigrations());
  if (!applied.ok()) return applied.status();
  spdlog::info("orchestrator schema up to date ({} migrations applied now)", applied.value());
  return Status::Ok();
}

//! Blocks until SIGINT or SIGTERM (which must already be blocked in every thread).
void WaitForShutdownSignal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("received signal {}, shutting down", received);
}

int Serve(const Config& config) {
  const std::string pg_url = config.GetString("postgres", "url", "");
  const std::string amqp_url = config.GetString("amqp", "url", "");
  if (pg_url.empty() || amqp_url.empty()) {
    spdlog::error("postgres.url and amqp.url are required (or SAGAFLOW_POSTGRES_URL / SAGAFLOW_AMQP_URL)");
    return 2;
  }
  if (Status migrated = Migrate(pg_url); !migrated.ok()) {
    spdlog::error("migrations failed: {}", migrated.ToString());
    return 1;
  }

  // Block the shutdown signals before any thread starts, so only sigwait receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const auto pool_size = static_cast<std::size_t>(config.GetInt("postgres", "pool_size", 16));
  storage::ConnectionPool pool(pg_url, pool_size);
  const workflows::WorkflowRegistry registry = workflows::WorkflowRegistry::WithBuiltins(OrderOptionsFrom(config));
  // Replies to this process's commands come back to a queue of its own (ReplyConsumer), named
  // by replies.instance or else after this run of the process.
  ReplyConsumerOptions reply_options;
  reply_options.prefetch = static_cast<std::uint16_t>(config.GetInt("replies", "prefetch", reply_options.prefetch));
  reply_options.batch_size = static_cast<std::size_t>(std::max<std::int64_t>(
      1, config.GetInt("replies", "batch_size", static_cast<std::int64_t>(reply_options.batch_size))));
  reply_options.sticky_wait = config.GetDuration("replies", "sticky_wait", reply_options.sticky_wait);
  if (reply_options.sticky_wait.count() > 0) {
    reply_options.sticky_instance = config.GetString("replies", "instance", "");
    if (reply_options.sticky_instance.empty()) reply_options.sticky_instance = "sagad-" + NewUuid().substr(0, 13);
  }
  EngineOptions engine_options = EngineOptionsFrom(config);
  engine_options.reply_to = reply_options.sticky_instance;
  OutboxHandoff handoff;
  SagaEngine engine(pool, registry, engine_options, &handoff);
  ApiRouter router(engine, config.GetString("payment", "secret", "dev-secret"));

  http::HttpServer server([&router](http::HttpRequest&& request) { return router.Handle(std::move(request)); });
  const std::string address = config.GetString("http", "address", "127.0.0.1");
  const auto port = static_cast<unsigned short>(config.GetInt("http", "port", 8080));
  // Handlers block on their transaction's commit: with too few threads, HTTP-driven events queue
  // behind each other and commit one by one instead of together (bench/README.md).
  const int http_threads = static_cast<int>(config.GetInt("http", "threads", 8));
  const auto broker_wait = config.GetDuration("http", "broker_wait", std::chrono::seconds(5));

  OutboxRelay relay(pg_url, amqp_url, handoff, RelayOptionsFrom(config), engine.mutable_metrics());
  ReplyConsumer consumer(engine, amqp_url, reply_options);
  // Several consumers apply replies in parallel; the saga row lock keeps each saga serial.
  const int reply_consumers = static_cast<int>(config.GetInt("replies", "consumers", 2));
  TimerPoller poller(engine, config.GetDuration("timers", "poll_interval", std::chrono::milliseconds(200)));
  // Finished sagas are kept this long after their last change (0: forever), then deleted
  // with their history; their idempotency keys and business keys are forgotten with them.
  const auto finished_after = config.GetDuration("retention", "finished_after", std::chrono::hours(24 * 7));
  storage::RetentionSweeper retention(
      pg_url, "finished sagas",
      [finished_after](storage::PgConnection& conn, int limit) {
        return storage::PurgeFinishedSagas(conn, finished_after, limit);
      },
      storage::RetentionOptionsFrom(config));
  // The relay and every reply consumer, each once connected to the broker.
  StartupLatch broker_connected(1 + reply_consumers);
  {
    std::jthread relay_loop([&relay, connected = broker_connected.Party()](std::stop_token stop) {
      relay.Run(stop, connected);
    });
    std::vector<std::jthread> loops;
    for (int i = 0; i < reply_consumers; ++i) {
      loops.emplace_back([&consumer, connected = broker_connected.Party()](std::stop_token stop) {
        consumer.Run(stop, connected);
      });
    }
    loops.emplace_back([&poller](std::stop_token stop) { poller.Run(stop); });
    if (finished_after.count() > 0) loops.emplace_back([&retention](std::stop_token stop) { retention.Run(stop); });
    // Serve once the broker loops are up, so the first order's commands and replies find the
    // relay and this sagad's sticky queue; without a broker, serve anyway after broker_wait:
    // sagas are recorded durably and their commands wait for it (handoff, outbox, step timers).
    if (!broker_connected.WaitFor(broker_wait)) {
      spdlog::warn("not connected to RabbitMQ after {} ms; serving HTTP anyway, commands wait for the broker",
                   broker_wait.count());
    }
    if (Status started = server.Start(address, port, http_threads); !started.ok()) {
      spdlog::error("cannot serve HTTP on {}:{}: {}", address, port, started.ToString());
      return 1;
    }
    // Tests and scripts read this line to learn the port (http.port 0 picks a free one).
    std::cout << "listening on " << address << ":" << server.port() << std::endl;
    spdlog::info("sagad serving HTTP on {}:{}", address, server.port());
    WaitForShutdownSignal();
    // Whatever commits a transition first, the relay last: the step commands they hand over
    // still reach it (published, or written into the outbox as it stops).
    server.Stop();
    loops.clear();  // request stop and join
  }  // the relay's jthread stops and joins here
  spdlog::info("sagad stopped");
  return 0;
}

}  // namespace

int SagadMain(int argc, char** argv) {
  CLI::App app{"sagad: the sagaflow orchestrator"};
  std::string config_path;
  app.add_option("-c,--config", config_path, "JSON config file (every key also settable as SAGAFLOW_<BLOCK>_<KEY>)");
  app.require_subcommand(0, 1);
  CLI::App* migrate = app.add_subcommand("migrate", "apply database migrations and exit");
  app.add_subcommand("serve", "serve the API and run the saga engine (default)");
  CLI11_PARSE(app, argc, argv);

  auto config = Config::Load(config_path);
  if (!config.ok()) {
    std::cerr << config.status().ToString() << std::endl;
    return 2;
  }
  InitLogging("sagad", config->GetString("log", "level", "info"));
  if (migrate->parsed()) {
    Status migrated = Migrate(config->GetString("postgres", "url", ""));
    if (!migrated.ok()) spdlog::error("migrations failed: {}", migrated.ToString());
    return migrated.ok() ? 0 : 1;
  }
  return Serve(config.value());
}

}  // namespace sagaflow::orchestrator
