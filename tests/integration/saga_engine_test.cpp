// SagaEngine in-process against a real database, with a toy saga definition whose actions
// can throw: a bug in a saga definition must fail the one event, change nothing, and never
// take the engine (or a consumer thread) down.

#include <gtest/gtest.h>

#include <stdexcept>

#include "orchestrator/saga_engine.hpp"
#include "storage/timer_repository.hpp"
#include "storage/transaction.hpp"
#include "tests/integration/database_test.hpp"
#include "tests/integration/saga_cluster.hpp"

namespace sagaflow::test {
namespace {

using workflows::SagaEvent;
using workflows::SagaStatus;
using workflows::Transition;

//! working --toy.step.succeeded--> done (or --> waiting, a running state with no step, when
//! the result says {"wait": 1}; "signal.go" ends the wait); "signal.boom", "timer.boom" and
//! a reply with {"explode": true} throw after scribbling on the context. working
//! --toy.step.failed--> undoing, which sends "toy.undo" (a compensation), unless the failure's
//! code is "no_way_back": then there is no transition and the saga is parked as stuck.
class ToyWorkflow final : public workflows::SagaWorkflow {
 public:
  std::string_view type() const override { return "toy"; }
  Result<workflows::StartPlan> Prepare(const json::object& input) const override {
    return workflows::StartPlan{StringOr(input, "key", "k"), input};
  }
  Result<Transition> Start(json::object&) const override {
    Transition t;
    t.to = "working";
    t.status = SagaStatus::kRunning;
    t.step = workflows::StepDispatch{"toy.step", {}};
    return t;
  }
  Result<Transition> Apply(std::string_view state, const SagaEvent& event, json::object& context) const override {
    if (event.name == "signal.boom" || event.name == "timer.boom" || IntOr(event.payload, "explode", 0) == 1) {
      context["half_written"] = true;
      throw std::runtime_error("bug in the toy saga");
    }
    if (state == "working" && event.name == "toy.step.succeeded") {
      const bool wait = IntOr(event.payload, "wait", 0) == 1;
      Transition t;
      t.from = std::string(state);
      t.to = wait ? "waiting" : "done";
      t.status = wait ? SagaStatus::kRunning : SagaStatus::kCompleted;
      return t;
    }
    if (state == "working" && event.name == "toy.step.failed" && StringOr(event.payload, "code") != "no_way_back") {
      Transition t;
      t.from = std::string(state);
      t.to = "undoing";
      t.status = SagaStatus::kRunning;
      t.step = workflows::StepDispatch{"toy.undo", {}};
      return t;
    }
    if (state == "waiting" && event.name == "signal.go") {
      Transition t;
      t.from = std::string(state);
      t.to = "done";
      t.status = SagaStatus::kCompleted;
      return t;
    }
    return Status::Conflict("state '" + std::string(state) + "' does not accept '" + event.name + "'");
  }
  Status ValidateSignal(std::string_view, const json::object&) const override { return Status::Ok(); }
  Result<SagaStatus> StatusOf(std::string_view state) const override {
    return state == "done" ? SagaStatus::kCompleted : SagaStatus::kRunning;
  }
};

class SagaEngineTest : public OrchestratorSchemaTest {
 protected:
  void SetUp() override {
    OrchestratorSchemaTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    registry_.Register(std::make_unique<ToyWorkflow>());
    pool_ = std::make_unique<storage::ConnectionPool>(cluster_->db_url(), 2);
    engine_ = std::make_unique<orchestrator::SagaEngine>(*pool_, registry_, orchestrator::EngineOptions{});
    auto started = engine_->Start("toy", "key-1", json::object{{"key", "toy-1"}});
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    saga_ = started->saga;
  }

  orchestrator::SagaView View() {
    auto view = engine_->Get(saga_.id);
    EXPECT_TRUE(view.ok());
    return view.value();
  }
  wire::Reply ReplyToPending(json::object result, int attempt = 1) {
    wire::Reply reply;
    reply.command_id = saga_.pending->command_id;
    reply.message_id = wire::ReplyMessageId(reply.command_id, attempt);
    reply.saga_id = saga_.id;
    reply.step = "toy.step";
    reply.attempt = attempt;
    reply.result = std::move(result);
    return reply;
  }

  workflows::WorkflowRegistry registry_;
  std::unique_ptr<storage::ConnectionPool> pool_;
  std::unique_ptr<orchestrator::SagaEngine> engine_;
  storage::SagaRecord saga_;
};

TEST_F(SagaEngineTest, SignalWhoseActionThrowsFailsAndChangesNothing) {
  auto signalled = engine_->Signal(saga_.id, "boom", {});
  ASSERT_FALSE(signalled.ok());
  EXPECT_TRUE(signalled.status().IsPermanent());
  EXPECT_NE(signalled.status().message().find("bug in the toy saga"), std::string::npos);
  orchestrator::SagaView view = View();
  EXPECT_EQ(view.saga.version, saga_.version);
  EXPECT_EQ(view.history.size(), 1u);
  EXPECT_FALSE(view.saga.context.contains("half_written"));
}

TEST_F(SagaEngineTest, ReplyWhoseActionThrowsIsNotRecordedSoALaterCopyStillApplies) {
  Status failed = engine_->HandleReply(ReplyToPending({{"explode", 1}}));
  EXPECT_TRUE(failed.IsPermanent()) << failed.ToString();
  EXPECT_EQ(View().saga.state, "working");
  EXPECT_FALSE(View().saga.context.contains("half_written"));
  // The inbox entry rolled back with the rest: the worker's next answer is applied.
  ASSERT_TRUE(engine_->HandleReply(ReplyToPending({}, 2)).ok());
  EXPECT_EQ(View().saga.state, "done");
  // ...once.
  ASSERT_TRUE(engine_->HandleReply(ReplyToPending({}, 2)).ok());
  EXPECT_EQ(View().history.size(), 2u);
}

TEST_F(SagaEngineTest, BatchOfRepliesWithOneBadReplyFailsOnlyThatOne) {
  auto other = engine_->Start("toy", "key-2", json::object{{"key", "toy-2"}});
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  wire::Reply good;
  good.command_id = other->saga.pending->command_id;
  good.message_id = wire::ReplyMessageId(good.command_id, 1);
  good.saga_id = other->saga.id;
  good.step = "toy.step";
  good.attempt = 1;

  std::vector<Status> outcomes = engine_->HandleReplies({ReplyToPending({{"explode", 1}}), good});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_TRUE(outcomes[0].IsPermanent()) << outcomes[0].ToString();
  EXPECT_TRUE(outcomes[1].ok()) << outcomes[1].ToString();
  EXPECT_EQ(View().saga.state, "working");
  auto applied = engine_->Get(other->saga.id);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->saga.state, "done");
}

TEST_F(SagaEngineTest, BatchOfRepliesAppliesEachOnceEvenWhenRepeatedInside) {
  std::vector<Status> outcomes = engine_->HandleReplies({ReplyToPending({}), ReplyToPending({})});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_TRUE(outcomes[0].ok() && outcomes[1].ok());
  EXPECT_EQ(View().saga.state, "done");
  EXPECT_EQ(View().history.size(), 2u);
  EXPECT_EQ(engine_->metrics().replies_stale.load(), 1u);
}

TEST_F(SagaEngineTest, TimerWhoseActionThrowsIsDroppedInsteadOfFiringForever) {
  {
    auto conn = pool_->Acquire();
    ASSERT_TRUE(conn.ok());
    storage::Transaction tx(**conn);
    storage::TimerRepository(**conn).Schedule(saga_.id, "timer.boom", std::chrono::milliseconds(0), {});
    ASSERT_TRUE(tx.Commit().ok());
  }
  auto fired = engine_->FireDueTimer();
  ASSERT_TRUE(fired.ok()) << fired.status().ToString();
  EXPECT_TRUE(fired.value());
  EXPECT_EQ(cluster_->Query("SELECT count(*) FROM sagaflow.timers WHERE name = 'timer.boom'").GetInt(0, 0), 0);
  EXPECT_EQ(View().saga.version, saga_.version);
}

// ---- Lazy step timers: armed at dispatch only if absent, never deleted at an answer ------------

//! Makes the saga's step timer due now, as if its time had come.
void MakeStepTimerDue(SagaCluster& cluster, const std::string& saga_id) {
  cluster.Query("UPDATE sagaflow.timers SET fire_at = clock_timestamp() - interval '1 second'"
                " WHERE saga_id = $1 AND name = 'step'",
                {saga_id});
}

TEST_F(SagaEngineTest, StepTimerOfAnAnsweredStepFiresOnceAndLeavesQuietly) {
  ASSERT_TRUE(engine_->HandleReply(ReplyToPending({{"wait", 1}})).ok());
  ASSERT_EQ(View().saga.state, "waiting");
  // The answer wrote no timer change: the row armed at dispatch is still there.
  ASSERT_EQ(cluster_->Query("SELECT count(*) FROM sagaflow.timers WHERE saga_id = $1 AND name = 'step'", {saga_.id})
                .GetInt(0, 0),
            1);
  const std::int64_t version = View().saga.version;
  MakeStepTimerDue(*cluster_, saga_.id);
  auto fired = engine_->FireDueTimer();
  ASSERT_TRUE(fired.ok()) << fired.status().ToString();
  EXPECT_TRUE(fired.value());
  EXPECT_EQ(cluster_->Query("SELECT count(*) FROM sagaflow.timers WHERE saga_id = $1", {saga_.id}).GetInt(0, 0), 0);
  EXPECT_EQ(View().saga.version, version) << "nothing was pending: the saga is untouched";
  EXPECT_EQ(View().saga.state, "waiting");
}

TEST_F(SagaEngineTest, StepTimerFiringBeforeThePendingStepIsDueMovesToItsDeadlineThenResends) {
  // Fires early (a timer an earlier step armed would): the step was sent just now.
  MakeStepTimerDue(*cluster_, saga_.id);
  auto fired = engine_->FireDueTimer();
  ASSERT_TRUE(fired.ok()) << fired.status().ToString();
  EXPECT_TRUE(fired.value());
  orchestrator::SagaView view = View();
  EXPECT_EQ(view.saga.pending->attempt, 1) << "not resent before its own timeout";
  EXPECT_EQ(view.history.size(), 1u);
  // Moved to the step's deadline: step_timeout (30 s) after it was sent.
  auto seconds_left = cluster_->Query(
      "SELECT extract(epoch FROM fire_at - clock_timestamp()) FROM sagaflow.timers WHERE saga_id = $1 AND name = 'step'",
      {saga_.id});
  ASSERT_EQ(seconds_left.rows(), 1);
  EXPECT_GT(std::stod(seconds_left.Get(0, 0)), 20.0);

  // Once the step has waited its timeout, the timer re-sends it.
  cluster_->Query("UPDATE sagaflow.sagas SET pending_sent_at_ms = pending_sent_at_ms - 60000 WHERE id = $1",
                  {saga_.id});
  MakeStepTimerDue(*cluster_, saga_.id);
  fired = engine_->FireDueTimer();
  ASSERT_TRUE(fired.ok()) << fired.status().ToString();
  view = View();
  EXPECT_EQ(view.saga.pending->attempt, 2);
  EXPECT_EQ(view.history.back().event, "step.resent");
  EXPECT_EQ(cluster_->Query("SELECT count(*) FROM sagaflow.outbox WHERE routing_key = 'toy.step'").GetInt(0, 0), 2);
}

//! How many step timer rows the saga has (0 or 1).
std::int64_t StepTimers(SagaCluster& cluster, const std::string& saga_id) {
  return cluster.Query("SELECT count(*) FROM sagaflow.timers WHERE saga_id = $1 AND name = 'step'", {saga_id})
      .GetInt(0, 0);
}

// A dispatch right after an answer skips arming the step timer (the row is there already);
// these are the paths where the row is NOT there and the next step must arm it.
TEST_F(SagaEngineTest, CompensationSentWhenTheStepTimerGaveUpHasAStepTimerOfItsOwn) {
  orchestrator::EngineOptions one_attempt;
  one_attempt.max_attempts = 1;
  orchestrator::SagaEngine engine(*pool_, registry_, one_attempt);
  cluster_->Query("UPDATE sagaflow.sagas SET pending_sent_at_ms = pending_sent_at_ms - 60000 WHERE id = $1",
                  {saga_.id});
  MakeStepTimerDue(*cluster_, saga_.id);
  auto fired = engine.FireDueTimer();  // deletes the timer row, gives up on toy.step, sends toy.undo
  ASSERT_TRUE(fired.ok()) << fired.status().ToString();
  ASSERT_TRUE(fired.value());
  const orchestrator::SagaView view = View();
  ASSERT_EQ(view.saga.state, "undoing");
  ASSERT_EQ(view.saga.pending->step, "toy.undo");
  EXPECT_EQ(StepTimers(*cluster_, saga_.id), 1) << "toy.undo would never be re-sent";
}

TEST_F(SagaEngineTest, StuckSagaRetriedByAnOperatorHasAStepTimerAgain) {
  wire::Reply refusal = ReplyToPending({});
  refusal.outcome = wire::Outcome::kFailed;
  refusal.error_code = "no_way_back";
  ASSERT_TRUE(engine_->HandleReply(refusal).ok());
  ASSERT_EQ(View().saga.status, "stuck");
  ASSERT_EQ(StepTimers(*cluster_, saga_.id), 0) << "a parked saga waits for an operator, not a timer";
  auto retried = engine_->RetryPendingStep(saga_.id);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->status, "running");
  EXPECT_EQ(StepTimers(*cluster_, saga_.id), 1);
}

TEST_F(SagaEngineTest, StepSentRightAfterAnsweringOneKeepsTheOneStepTimer) {
  wire::Reply refusal = ReplyToPending({});
  refusal.outcome = wire::Outcome::kFailed;
  refusal.error_code = "out_of_stock";
  ASSERT_TRUE(engine_->HandleReply(refusal).ok());
  const orchestrator::SagaView view = View();
  ASSERT_EQ(view.saga.pending->step, "toy.undo");
  EXPECT_EQ(StepTimers(*cluster_, saga_.id), 1);
}

}  // namespace
}  // namespace sagaflow::test
