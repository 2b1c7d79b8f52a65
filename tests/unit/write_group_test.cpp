// BasicWriteGroup: callers that arrive while the commit slots are busy share one transaction.
// Driven with a fake connection that names the transaction a body ran in.

#include "orchestrator/write_group.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <optional>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/integration/test_util.hpp"

namespace sagaflow::orchestrator {
namespace {

using ::testing::ElementsAre;

struct FakeConnection {
  int transaction;
};

//! A runner that numbers its transactions, can hold the first one open until released, and
//! commits (returns the body's status) unless told to fail the transactions of a group.
class FakeDatabase {
 public:
  Status Run(const BasicWriteGroup<FakeConnection>::Body& body) {
    int id = 0;
    {
      std::lock_guard lock(mutex_);
      id = ++transactions_;
    }
    if (id == 1) first_released_.wait();
    FakeConnection conn{id};
    Status status = body(conn);
    std::lock_guard lock(mutex_);
    if (status.ok() && fail_with_ && bodies_in_[id] > 1) return *fail_with_;
    return status;
  }
  //! Records that a body ran in `conn`'s transaction.
  void Ran(const FakeConnection& conn, const std::string& who) {
    std::lock_guard lock(mutex_);
    ++bodies_in_[conn.transaction];
    runs_[who].push_back(conn.transaction);
  }
  void ReleaseFirst() { release_.set_value(); }
  void FailGroupsWith(Status status) { fail_with_ = std::move(status); }
  int transactions() {
    std::lock_guard lock(mutex_);
    return transactions_;
  }
  //! The transactions `who`'s body ran in, in order.
  std::vector<int> RunsOf(const std::string& who) {
    std::lock_guard lock(mutex_);
    return runs_[who];
  }

 private:
  std::mutex mutex_;
  int transactions_ = 0;
  std::map<int, int> bodies_in_;
  std::map<std::string, std::vector<int>> runs_;
  std::optional<Status> fail_with_;
  std::promise<void> release_;
  std::shared_future<void> first_released_{release_.get_future().share()};
};

class WriteGroupTest : public ::testing::Test {
 protected:
  BasicWriteGroup<FakeConnection>::Body BodyOf(const std::string& who, Status result = Status::Ok()) {
    return [this, who, result](FakeConnection& conn) {
      db_.Ran(conn, who);
      return result;
    };
  }
  //! Starts `who`'s caller on a thread of its own; its status arrives in the future.
  std::future<Status> Call(const std::string& who, Status result = Status::Ok()) {
    return std::async(std::launch::async, [this, who, result] { return group_.Run(BodyOf(who, result)); });
  }
  //! Holds the first transaction open and queues `callers` behind it (one slot).
  std::vector<std::future<Status>> QueueBehindTheFirst(std::future<Status>& first,
                                                       const std::vector<std::pair<std::string, Status>>& callers) {
    first = Call("first");
    EXPECT_TRUE(test::WaitUntil(test::DeadlineIn(std::chrono::seconds(5)), [&] { return db_.transactions() == 1; }));
    std::vector<std::future<Status>> queued;
    for (const auto& [who, result] : callers) {  // one at a time, so they queue in this order
      queued.push_back(Call(who, result));
      EXPECT_TRUE(test::WaitUntil(test::DeadlineIn(std::chrono::seconds(5)),
                                  [&] { return group_.waiting() == queued.size(); }));
    }
    return queued;
  }

  FakeDatabase db_;
  BasicWriteGroup<FakeConnection> group_{
      [this](const BasicWriteGroup<FakeConnection>::Body& body) { return db_.Run(body); }, 16, 1};
};

TEST_F(WriteGroupTest, ALoneCallerRunsAtOnceInATransactionOfItsOwn) {
  db_.ReleaseFirst();
  EXPECT_TRUE(group_.Run(BodyOf("alone")).ok());
  EXPECT_THAT(db_.RunsOf("alone"), ElementsAre(1));
  EXPECT_EQ(group_.shared_transactions(), 0u);
}

TEST_F(WriteGroupTest, CallersThatArriveWhileTheSlotIsBusyShareTheNextTransaction) {
  std::future<Status> first;
  auto queued = QueueBehindTheFirst(first, {{"a", Status::Ok()}, {"b", Status::Ok()}, {"c", Status::Ok()}});
  db_.ReleaseFirst();
  EXPECT_TRUE(first.get().ok());
  for (auto& call : queued) EXPECT_TRUE(call.get().ok());
  EXPECT_THAT(db_.RunsOf("first"), ElementsAre(1));
  EXPECT_THAT(db_.RunsOf("a"), ElementsAre(2));
  EXPECT_THAT(db_.RunsOf("b"), ElementsAre(2));
  EXPECT_THAT(db_.RunsOf("c"), ElementsAre(2));
  EXPECT_EQ(db_.transactions(), 2);
  EXPECT_EQ(group_.shared_transactions(), 1u);
  EXPECT_EQ(group_.shared_bodies(), 3u);
}

TEST_F(WriteGroupTest, ABodyThatFailsFailsOnlyItsOwnCallerAndTheOthersRunAgainAlone) {
  std::future<Status> first;
  auto queued = QueueBehindTheFirst(
      first, {{"a", Status::Ok()}, {"refused", Status::Conflict("state does not accept it")}, {"c", Status::Ok()}});
  db_.ReleaseFirst();
  EXPECT_TRUE(first.get().ok());
  EXPECT_TRUE(queued[0].get().ok());
  EXPECT_TRUE(queued[1].get().IsConflict());
  EXPECT_TRUE(queued[2].get().ok());
  // The group (transaction 2) stopped at the refusal; then each ran alone.
  EXPECT_THAT(db_.RunsOf("a"), ElementsAre(2, 3));
  EXPECT_THAT(db_.RunsOf("refused"), ElementsAre(2, 4));
  EXPECT_THAT(db_.RunsOf("c"), ElementsAre(5));
}

TEST_F(WriteGroupTest, ATransientFailureOfTheGroupIsEveryCallersAndNothingRunsAgain) {
  // E.g. the COMMIT's answer was lost and could not be read back: it may have taken effect.
  db_.FailGroupsWith(Status::Transient("commit outcome unknown"));
  std::future<Status> first;
  auto queued = QueueBehindTheFirst(first, {{"a", Status::Ok()}, {"b", Status::Ok()}});
  db_.ReleaseFirst();
  EXPECT_TRUE(first.get().ok());
  std::vector<Status> statuses;
  for (auto& call : queued) statuses.push_back(call.get());
  for (const Status& status : statuses) EXPECT_TRUE(status.IsTransient()) << status.ToString();
  EXPECT_THAT(db_.RunsOf("a"), ElementsAre(2));
  EXPECT_THAT(db_.RunsOf("b"), ElementsAre(2));
  EXPECT_EQ(db_.transactions(), 2);
}

TEST_F(WriteGroupTest, AGroupCarriesAtMostItsLimitAndTheRestFormTheNext) {
  BasicWriteGroup<FakeConnection> small{
      [this](const BasicWriteGroup<FakeConnection>::Body& body) { return db_.Run(body); }, 2, 1};
  std::future<Status> first = std::async(std::launch::async, [&] { return small.Run(BodyOf("first")); });
  ASSERT_TRUE(test::WaitUntil(test::DeadlineIn(std::chrono::seconds(5)), [&] { return db_.transactions() == 1; }));
  std::vector<std::future<Status>> queued;
  for (const char* who : {"a", "b", "c"}) {
    queued.push_back(std::async(std::launch::async, [&, who = std::string(who)] { return small.Run(BodyOf(who)); }));
    ASSERT_TRUE(test::WaitUntil(test::DeadlineIn(std::chrono::seconds(5)),
                                [&] { return small.waiting() == queued.size(); }));
  }
  db_.ReleaseFirst();
  EXPECT_TRUE(first.get().ok());
  for (auto& call : queued) EXPECT_TRUE(call.get().ok());
  EXPECT_EQ(db_.transactions(), 3);  // the first, then a group of two (a, b), then c alone
  EXPECT_THAT(db_.RunsOf("a"), ElementsAre(2));
  EXPECT_THAT(db_.RunsOf("b"), ElementsAre(2));
  EXPECT_THAT(db_.RunsOf("c"), ElementsAre(3));
  EXPECT_EQ(small.shared_transactions(), 1u);
  EXPECT_EQ(small.shared_bodies(), 2u);
}

}  // namespace
}  // namespace sagaflow::orchestrator
