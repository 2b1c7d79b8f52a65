// The operator's view: sagactl against a running sagad, and a stuck saga brought back.

#include <gtest/gtest.h>

#include <regex>

#include "tests/integration/saga_cluster.hpp"
#include "tests/integration/test_util.hpp"

namespace sagaflow::test {
namespace {

using std::chrono::seconds;

class OperatorCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SAGAFLOW_REQUIRE_SERVERS();
    cluster_ = std::make_unique<SagaCluster>();
    cluster_->AddProduct("tea", 1200, 10);
    cluster_->StartAll();
  }

  //! Runs sagactl with `args`; returns its exit code and output.
  std::pair<int, std::string> Sagactl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--url", cluster_->sagad_url()});
    ChildProcess cli;
    EXPECT_TRUE(cli.Start(BinaryPath("cli/sagactl"), args, {}, TestLogPath("sagactl")).ok());
    EXPECT_TRUE(cli.WaitForExit(seconds(20)));
    return {cli.exit_code().value_or(-1), cli.ReadLog()};
  }

  std::string Place(const std::string& key) {
    HttpAnswer placed = cluster_->PlaceOrder(key, SagaCluster::OrderBody("tea", 1));
    EXPECT_EQ(placed.status, 201u);
    return StringOr(placed.body, "saga_id");
  }

  std::unique_ptr<SagaCluster> cluster_;
};

TEST_F(OperatorCliTest, GetPrintsStateAndTimelineAndListFindsTheSaga) {
  const std::string saga_id = Place("cli-1");
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_payment")) << cluster_->Logs();

  auto [code, out] = Sagactl({"get", saga_id});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("state    awaiting_payment"), std::string::npos) << out;
  EXPECT_NE(out.find("status   waiting"), std::string::npos) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(payment\.create\.succeeded\s+creating_payment -> awaiting_payment)")))
      << out;

  auto [list_code, list] = Sagactl({"list", "--status", "waiting"});
  EXPECT_EQ(list_code, 0) << list;
  EXPECT_NE(list.find(saga_id), std::string::npos) << list;

  auto [missing_code, missing] = Sagactl({"get", "00000000-0000-0000-0000-000000000000"});
  EXPECT_EQ(missing_code, 1) << missing;
  EXPECT_NE(missing.find("404"), std::string::npos) << missing;
}

TEST_F(OperatorCliTest, StuckSagaResumesAfterTheCauseIsFixedAndRetried) {
  const std::string saga_id = Place("stuck-1");
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_payment")) << cluster_->Logs();
  const std::string order_id = StringOr(cluster_->GetSaga(saga_id).body, "order_id");
  // Someone released the reservation behind the saga's back: confirming it is refused, and
  // the order has no compensation for a refused confirm, so it is parked.
  cluster_->Query("UPDATE workers.reservations SET status = 'released' WHERE order_id = $1", {order_id});
  ASSERT_EQ(cluster_->PayAtChannel(saga_id).status, 200u);
  ASSERT_TRUE(WaitUntil(DeadlineIn(seconds(20)), [&] {
    return StringOr(cluster_->GetSaga(saga_id).body, "status") == "stuck";
  })) << cluster_->Logs();
  EXPECT_EQ(StringOr(cluster_->GetSaga(saga_id).body, "state"), "confirming_inventory");
  auto [list_code, stuck] = Sagactl({"list", "--status", "stuck"});
  EXPECT_NE(stuck.find(saga_id), std::string::npos) << stuck;

  // The operator restores the reservation and retries: the same step goes out again.
  cluster_->Query("UPDATE workers.reservations SET status = 'reserved' WHERE order_id = $1", {order_id});
  auto [code, out] = Sagactl({"retry", saga_id});
  EXPECT_EQ(code, 0) << out;
  ASSERT_TRUE(cluster_->WaitForState(saga_id, "awaiting_shipment")) << cluster_->Logs();
  auto events = cluster_->HistoryEvents(saga_id);
  EXPECT_NE(std::find(events.begin(), events.end(), "saga.stuck"), events.end());
  EXPECT_NE(std::find(events.begin(), events.end(), "operator.retry"), events.end());
}

}  // namespace
}  // namespace sagaflow::test
