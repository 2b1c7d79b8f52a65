// saga-bench end to end on a small load, against the servers the tests use: it starts its own
// deployment, its virtual users drive every order to completed through HTTP and domain events,
// and its JSON report says so. Guards the load tool whose numbers bench/README.md reports, and
// (--chaos) that processes killed under load lose and duplicate nothing.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/child_process.hpp"
#include "common/json.hpp"
#include "tests/integration/saga_cluster.hpp"
#include "tests/integration/test_util.hpp"

namespace sagaflow::test {
namespace {

using std::chrono::seconds;

//! Runs saga-bench against the test servers with `args`; its JSON report.
json::object RunSagaBench(const std::string& name, std::vector<std::string> args) {
  const std::string report_path = TestLogPath(name + "-report") + ".json";
  std::remove(report_path.c_str());
  args.insert(args.end(), {"--bin-dir", BinaryPath(""), "--json", report_path});
  ChildProcess bench;
  EXPECT_TRUE(bench
                  .Start(BinaryPath("bench/saga-bench"), args,
                         {{"SAGAFLOW_PG_URL", std::getenv("SAGAFLOW_TEST_PG_URL")},
                          {"SAGAFLOW_AMQP_URL", std::getenv("SAGAFLOW_TEST_AMQP_URL")}},
                         TestLogPath(name))
                  .ok());
  EXPECT_TRUE(bench.WaitForExit(seconds(180))) << bench.ReadLog();
  EXPECT_EQ(bench.exit_code(), 0) << bench.ReadLog();

  std::ifstream file(report_path);
  std::stringstream text;
  text << file.rdbuf();
  auto report = ParseJsonObject(text.str());
  EXPECT_TRUE(report.ok()) << report.status().ToString() << "\n" << text.str() << bench.ReadLog();
  return report.ok() ? report.value() : json::object{};
}

bool AuditOk(const json::object& report) {
  const json::object* audit = ObjectOrNull(report, "audit");
  return audit != nullptr && audit->at("ok").as_bool();
}

TEST(SagaBenchTest, SmallRunDrivesEveryOrderToCompletedAndReportsIt) {
  SAGAFLOW_REQUIRE_SERVERS();
  const json::object report = RunSagaBench("saga-bench", {"--sagas", "40", "--concurrency", "4"});
  const std::string text = json::serialize(report);
  EXPECT_EQ(IntOr(report, "completed", -1), 40) << text;
  EXPECT_EQ(IntOr(report, "failed", -1), 0) << text;
  const json::object* latency = ObjectOrNull(report, "latency_ms");
  ASSERT_NE(latency, nullptr) << text;
  EXPECT_GT(latency->at("p50").to_number<double>(), 0.0);
  const json::object* dispatch = ObjectOrNull(report, "dispatch_ms");
  ASSERT_NE(dispatch, nullptr) << text;
  EXPECT_GT(dispatch->at("p99").to_number<double>(), 0.0);
  EXPECT_GT(report.at("amqp_messages_per_saga").to_number<double>(), 0.0);
  EXPECT_EQ(StringOr(report, "events_queue"), "transient") << text;
  EXPECT_TRUE(AuditOk(report)) << text;
}

// The virtual users' events queue durable: the broker confirms each domain event only once it
// is on disk; the orders complete all the same.
TEST(SagaBenchTest, DurableEventsQueueRunDrivesEveryOrderToCompleted) {
  SAGAFLOW_REQUIRE_SERVERS();
  const json::object report =
      RunSagaBench("saga-bench-durable-events", {"--sagas", "20", "--concurrency", "4", "--durable-events"});
  const std::string text = json::serialize(report);
  EXPECT_EQ(IntOr(report, "completed", -1), 20) << text;
  EXPECT_EQ(StringOr(report, "events_queue"), "durable") << text;
  EXPECT_TRUE(AuditOk(report)) << text;
}

// Twice a second while orders run, in turn: a sagad or the worker is killed (SIGKILL) and
// restarted, every PostgreSQL session of the deployment is ended, every connection to the
// broker is closed (rabbitmqctl), or the PostgreSQL server crashes (pg_ctl stop -m immediate)
// and starts again, both through scripts/lib/servers.sh, which started the test servers.
// Every order still completes, and the database shows each took effect once.
TEST(SagaBenchTest, ChaosRunKillsProcessesUnderLoadAndEveryOrderTakesEffectOnce) {
  SAGAFLOW_REQUIRE_SERVERS();
  constexpr int kOrders = 800;
  const std::string servers = std::string("bash -c 'source ") + SAGAFLOW_SOURCE_DIR + "/scripts/lib/servers.sh && ";
  const std::string close_broker_connections = servers + "sagaflow_rabbitmqctl close_all_connections saga-bench-chaos'";
  const std::string crash_database_server = servers + "sagaflow_crash_restart_postgres'";
  const json::object report = RunSagaBench(
      "saga-bench-chaos", {"--sagas", std::to_string(kOrders), "--concurrency", "16", "--sagad", "2", "--chaos", "0.5",
                           "--chaos-broker-command", close_broker_connections, "--chaos-database-restart-command",
                           crash_database_server});
  const std::string text = json::serialize(report);
  EXPECT_EQ(IntOr(report, "completed", -1), kOrders) << text;
  EXPECT_EQ(IntOr(report, "failed", -1), 0) << text;
  const json::object* chaos = ObjectOrNull(report, "chaos");
  ASSERT_NE(chaos, nullptr) << text;
  EXPECT_GE(IntOr(*chaos, "restarts", 0), 4) << text;  // each sagad, and the worker at least once
  EXPECT_GE(IntOr(*chaos, "database_cuts", 0), 1) << text;
  EXPECT_GE(IntOr(*chaos, "broker_cuts", 0), 1) << text;
  EXPECT_GE(IntOr(*chaos, "database_restarts", 0), 1) << text;
  EXPECT_TRUE(AuditOk(report)) << text;
}

}  // namespace
}  // namespace sagaflow::test
