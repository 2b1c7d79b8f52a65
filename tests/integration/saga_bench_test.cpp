// saga-bench end to end on a small load, against the servers the tests use: it starts its own
// deployment, its virtual users drive every order to completed through HTTP and domain events,
// and its JSON report says so. Guards the load tool whose numbers bench/README.md reports.

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

TEST(SagaBenchTest, SmallRunDrivesEveryOrderToCompletedAndReportsIt) {
  SAGAFLOW_REQUIRE_SERVERS();
  const std::string report_path = TestLogPath("saga-bench-report") + ".json";
  std::remove(report_path.c_str());
  ChildProcess bench;
  ASSERT_TRUE(bench
                  .Start(BinaryPath("bench/saga-bench"),
                         {"--bin-dir", BinaryPath(""), "--sagas", "40", "--concurrency", "4", "--json", report_path},
                         {{"SAGAFLOW_PG_URL", std::getenv("SAGAFLOW_TEST_PG_URL")},
                          {"SAGAFLOW_AMQP_URL", std::getenv("SAGAFLOW_TEST_AMQP_URL")}},
                         TestLogPath("saga-bench"))
                  .ok());
  ASSERT_TRUE(bench.WaitForExit(seconds(120))) << bench.ReadLog();
  ASSERT_EQ(bench.exit_code(), 0) << bench.ReadLog();

  std::ifstream file(report_path);
  std::stringstream text;
  text << file.rdbuf();
  auto report = ParseJsonObject(text.str());
  ASSERT_TRUE(report.ok()) << report.status().ToString() << "\n" << text.str();
  EXPECT_EQ(IntOr(report.value(), "completed", -1), 40) << text.str();
  EXPECT_EQ(IntOr(report.value(), "failed", -1), 0) << text.str();
  const json::object* latency = ObjectOrNull(report.value(), "latency_ms");
  ASSERT_NE(latency, nullptr);
  EXPECT_GT(latency->at("p50").to_number<double>(), 0.0);
  const json::object* dispatch = ObjectOrNull(report.value(), "dispatch_ms");
  ASSERT_NE(dispatch, nullptr);
  EXPECT_GT(dispatch->at("p99").to_number<double>(), 0.0);
  EXPECT_GT(report->at("amqp_messages_per_saga").to_number<double>(), 0.0);
}

}  // namespace
}  // namespace sagaflow::test
