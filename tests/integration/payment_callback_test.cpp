// The payment callback finds its order through this sagad's saga cache (by the order id, the
// saga's business key) when it can. Another sagad may have moved the order on since: then the
// cached row refuses the payment and the engine must read the row instead of answering 409.
#include <gtest/gtest.h>

#include "orchestrator/saga_engine.hpp"
#include "tests/integration/database_test.hpp"
#include "tests/integration/saga_cluster.hpp"
#include "workflows/order_workflow.hpp"

namespace sagaflow::test {
namespace {

class PaymentCallbackTest : public OrchestratorSchemaTest {
 protected:
  void SetUp() override {
    OrchestratorSchemaTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    registry_.Register(workflows::MakeOrderWorkflow(workflows::order::OrderOptions{}));
    for (int i = 0; i < 2; ++i) {
      pools_.push_back(std::make_unique<storage::ConnectionPool>(cluster_->db_url(), 2));
      engines_.push_back(std::make_unique<orchestrator::SagaEngine>(*pools_.back(), registry_,
                                                                    orchestrator::EngineOptions{}));
    }
  }

  //! Answers the order's pending step on `engine` with `result`; returns the row as it is then.
  storage::SagaRecord Answer(orchestrator::SagaEngine& engine, const std::string& saga_id, json::object result) {
    auto view = engine.Get(saga_id);
    EXPECT_TRUE(view.ok());
    const storage::SagaRecord& saga = view->saga;
    EXPECT_TRUE(saga.pending.has_value()) << saga.state;
    wire::Reply reply;
    reply.command_id = saga.pending->command_id;
    reply.message_id = wire::ReplyMessageId(reply.command_id, 1);
    reply.saga_id = saga.id;
    reply.step = saga.pending->step;
    reply.attempt = 1;
    reply.result = std::move(result);
    EXPECT_TRUE(engine.HandleReply(reply).ok());
    auto after = engine.Get(saga_id);
    EXPECT_TRUE(after.ok());
    return after->saga;
  }

  workflows::WorkflowRegistry registry_;
  std::vector<std::unique_ptr<storage::ConnectionPool>> pools_;
  std::vector<std::unique_ptr<orchestrator::SagaEngine>> engines_;
};

TEST_F(PaymentCallbackTest, OrderMovedOnByAnotherSagadIsReadFromTheDatabase) {
  orchestrator::SagaEngine& first = *engines_[0];
  orchestrator::SagaEngine& second = *engines_[1];
  // The first sagad starts the order: its cache holds the row in "pricing".
  auto started = first.Start("order", "pay-cache-1", SagaCluster::OrderBody("tea", 1));
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  const std::string saga_id = started->saga.id;
  const std::string order_id = started->saga.business_key;

  // The second answers the steps up to the payment (as replies land on any sagad).
  Answer(second, saga_id, {{"lines", json::array{}}, {"total_cents", 1000}});
  Answer(second, saga_id, {{"items", json::array{}}, {"amount_cents", 1000}});
  storage::SagaRecord awaiting = Answer(
      second, saga_id, {{"payment_id", "pay_1"}, {"pay_url", "http://pay"}, {"amount_cents", 1000}, {"status", "pending"}});
  ASSERT_EQ(awaiting.state, "awaiting_payment");
  auto payment_timers = [&] {
    return cluster_->Query("SELECT count(*) FROM sagaflow.timers WHERE saga_id = $1 AND name LIKE '%payment%'",
                           {saga_id}).GetInt(0, 0);
  };
  ASSERT_EQ(payment_timers(), 2);  // the payment window and the payment query

  // The callback reaches the first sagad, whose cached row still says "pricing".
  const json::object payment{{"payment_id", "pay_1"}, {"status", "paid"}, {"amount_cents", 1000}};
  auto paid = first.ApplyPayment(order_id, payment);
  ASSERT_TRUE(paid.ok()) << paid.status().ToString();
  EXPECT_EQ(paid->state, "confirming_inventory");
  EXPECT_EQ(payment_timers(), 0);  // both cancelled by the payment
  // The channel's retry of the same callback is acknowledged, not refused.
  auto again = first.ApplyPayment(order_id, payment);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->state, "confirming_inventory");
}

TEST_F(PaymentCallbackTest, UnknownOrderIsNotFound) {
  auto paid = engines_[0]->ApplyPayment("no-such-order", json::object{{"payment_id", "p"}, {"amount_cents", 1}});
  ASSERT_FALSE(paid.ok());
  EXPECT_EQ(paid.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sagaflow::test
