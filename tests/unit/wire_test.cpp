// Command/reply envelopes (common/wire.hpp) and the worker topology (common/topology.hpp).
#include "common/wire.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "common/ids.hpp"
#include "common/topology.hpp"

namespace sagaflow::wire {
namespace {

Command SampleCommand() {
  Command command;
  command.command_id = "6f1c1b1e-1111-4a4a-8b8b-000000000001";
  command.saga_id = "6f1c1b1e-2222-4a4a-8b8b-000000000002";
  command.saga_type = "order";
  command.step = "inventory.reserve";
  command.attempt = 3;
  command.payload = json::object{{"order_id", "order-1"}, {"items", json::array{json::object{{"sku", "a"}}}}};
  command.sent_at_ms = 1'795'000'000'123;
  command.reply_to = "sagad-4f2a";
  return command;
}

Reply SampleReply(Outcome outcome) {
  Reply reply;
  reply.command_id = "cmd-1";
  reply.attempt = 2;
  reply.message_id = ReplyMessageId(reply.command_id, reply.attempt);
  reply.saga_id = "saga-1";
  reply.step = "payment.create";
  reply.outcome = outcome;
  if (outcome == Outcome::kSucceeded) {
    reply.result = json::object{{"payment_id", "pay-1"}};
  } else {
    reply.error_code = outcome == Outcome::kFailed ? "declined" : "channel_down";
    reply.error_message = "try elsewhere";
  }
  return reply;
}

void ExpectSameReply(const Reply& got, const Reply& want) {
  EXPECT_EQ(got.message_id, want.message_id);
  EXPECT_EQ(got.command_id, want.command_id);
  EXPECT_EQ(got.saga_id, want.saga_id);
  EXPECT_EQ(got.step, want.step);
  EXPECT_EQ(got.attempt, want.attempt);
  EXPECT_EQ(OutcomeName(got.outcome), OutcomeName(want.outcome));
  EXPECT_EQ(got.result, want.result);
  EXPECT_EQ(got.error_code, want.error_code);
  EXPECT_EQ(got.error_message, want.error_message);
}

//! `obj` serialised without `key`.
std::string Without(json::object obj, std::string_view key) {
  obj.erase(key);
  return json::serialize(obj);
}

// ---- Commands -----------------------------------------------------------------------------------------------

TEST(WireCommandTest, EncodeDecodeRoundTripKeepsEveryField) {
  const Command command = SampleCommand();
  auto decoded = DecodeCommand(EncodeCommand(command));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->command_id, command.command_id);
  EXPECT_EQ(decoded->saga_id, command.saga_id);
  EXPECT_EQ(decoded->saga_type, command.saga_type);
  EXPECT_EQ(decoded->step, command.step);
  EXPECT_EQ(decoded->attempt, 3);
  EXPECT_EQ(decoded->payload, command.payload);
  EXPECT_EQ(decoded->sent_at_ms, command.sent_at_ms);
  EXPECT_EQ(decoded->reply_to, command.reply_to);
}

TEST(WireCommandTest, EncodedCommandIsAJsonObject) {
  auto parsed = ParseJsonObject(EncodeCommand(SampleCommand()));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->at("step"), json::value("inventory.reserve"));
  EXPECT_EQ(parsed->at("attempt"), json::value(3));
}

TEST(WireCommandTest, DecodeNamesTheMissingField) {
  const json::object full = ParseJsonObject(EncodeCommand(SampleCommand())).value();
  for (std::string_view field : {"command_id", "saga_id", "step"}) {
    SCOPED_TRACE(std::string(field));
    auto decoded = DecodeCommand(Without(full, field));
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(decoded.status().field(), field);
  }
}

TEST(WireCommandTest, DecodeNamesAFieldOfTheWrongType) {
  json::object obj = ParseJsonObject(EncodeCommand(SampleCommand())).value();
  obj["saga_id"] = 42;
  auto decoded = DecodeCommand(json::serialize(obj));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().field(), "saga_id");
}

TEST(WireCommandTest, DecodeDefaultsOptionalFields) {
  auto decoded =
      DecodeCommand(R"({"command_id":"6f1c1b1e-1111-4a4a-8b8b-000000000001","saga_id":"s","step":"inventory.release"})");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->saga_type, "");
  EXPECT_EQ(decoded->attempt, 1);
  EXPECT_TRUE(decoded->payload.empty());
  EXPECT_EQ(decoded->sent_at_ms, 0);
  EXPECT_EQ(decoded->reply_to, "");  // the shared replies queue
}

TEST(WireCommandTest, ReplyToLongerThanARoutingKeyIsInvalidArgument) {
  Command command = SampleCommand();
  command.reply_to = std::string(256, 'x');
  auto decoded = DecodeCommand(EncodeCommand(command));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().field(), "reply_to");
  command.reply_to = std::string(255, 'x');
  EXPECT_TRUE(DecodeCommand(EncodeCommand(command)).ok());
}

TEST(WireCommandTest, DecodeOfNonJsonIsInvalidArgument) {
  auto decoded = DecodeCommand("not json");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  auto array = DecodeCommand("[1,2]");
  ASSERT_FALSE(array.ok());
  EXPECT_EQ(array.status().code(), StatusCode::kInvalidArgument);
}

TEST(WireCommandTest, CommandIdThatIsNotAUuidIsInvalidArgument) {
  json::object obj = ParseJsonObject(EncodeCommand(SampleCommand())).value();
  obj["command_id"] = "cmd-1";
  auto decoded = DecodeCommand(json::serialize(obj));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().field(), "command_id");
}

TEST(WireCommandTest, PackOfEncodedCommandsDecodesToThemInOrder) {
  Command first = SampleCommand();
  Command second = SampleCommand();
  second.command_id = "6f1c1b1e-1111-4a4a-8b8b-000000000003";
  second.step = "inventory.confirm";
  const std::string first_text = EncodeCommand(first);
  const std::string second_text = EncodeCommand(second);
  auto decoded = DecodeCommands(PackEncodedCommands({first_text, second_text}));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), 2u);
  EXPECT_EQ((*decoded)[0].command_id, first.command_id);
  EXPECT_EQ((*decoded)[0].payload, first.payload);
  EXPECT_EQ((*decoded)[1].command_id, second.command_id);
  EXPECT_EQ((*decoded)[1].step, "inventory.confirm");
}

TEST(WireCommandTest, DecodeCommandsTakesALoneCommandAsOne) {
  auto decoded = DecodeCommands(EncodeCommand(SampleCommand()));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ(decoded->front().command_id, SampleCommand().command_id);
}

TEST(WireCommandTest, MalformedCommandInAPackIsNamedByItsIndex) {
  json::object broken = ParseJsonObject(EncodeCommand(SampleCommand())).value();
  broken.erase("step");
  const std::string good = EncodeCommand(SampleCommand());
  const std::string bad = json::serialize(broken);
  auto decoded = DecodeCommands(PackEncodedCommands({good, bad}));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().field(), "commands[1].step");
  for (std::string_view text : {R"({"commands":[]})", R"({"commands":{}})", R"({"commands":[1]})"}) {
    SCOPED_TRACE(std::string(text));
    auto refused = DecodeCommands(text);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().field().substr(0, 8), "commands");
  }
}

// ---- Replies ------------------------------------------------------------------------------------------------

TEST(WireReplyTest, SucceededReplyRoundTrips) {
  const Reply reply = SampleReply(Outcome::kSucceeded);
  auto decoded = DecodeReply(EncodeReply(reply));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameReply(*decoded, reply);
}

TEST(WireReplyTest, FailedReplyRoundTripsWithError) {
  const Reply reply = SampleReply(Outcome::kFailed);
  auto decoded = DecodeReply(EncodeReply(reply));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameReply(*decoded, reply);
}

TEST(WireReplyTest, RetryReplyRoundTripsWithError) {
  const Reply reply = SampleReply(Outcome::kRetry);
  auto decoded = DecodeReply(EncodeReply(reply));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameReply(*decoded, reply);
}

TEST(WireReplyTest, ReplyForCarriesTheCommandsIdsAndTheAttemptsMessageId) {
  const Command command = SampleCommand();
  const Reply reply = ReplyFor(command);
  EXPECT_EQ(reply.command_id, command.command_id);
  EXPECT_EQ(reply.saga_id, command.saga_id);
  EXPECT_EQ(reply.step, command.step);
  EXPECT_EQ(reply.attempt, 3);
  EXPECT_EQ(reply.message_id, ReplyMessageId(command.command_id, 3));
}

TEST(WireReplyTest, OutcomeNames) {
  EXPECT_EQ(OutcomeName(Outcome::kSucceeded), "succeeded");
  EXPECT_EQ(OutcomeName(Outcome::kFailed), "failed");
  EXPECT_EQ(OutcomeName(Outcome::kRetry), "retry");
}

TEST(WireReplyTest, DecodeNamesTheMissingField) {
  const json::object full = ParseJsonObject(EncodeReply(SampleReply(Outcome::kFailed))).value();
  for (std::string_view field : {"message_id", "command_id", "saga_id", "step", "outcome"}) {
    SCOPED_TRACE(std::string(field));
    auto decoded = DecodeReply(Without(full, field));
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(decoded.status().field(), field);
  }
}

TEST(WireReplyTest, UnknownOutcomeIsInvalidArgumentNamingOutcome) {
  json::object obj = ParseJsonObject(EncodeReply(SampleReply(Outcome::kSucceeded))).value();
  obj["outcome"] = "maybe";
  auto decoded = DecodeReply(json::serialize(obj));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().field(), "outcome");
}

TEST(WireReplyTest, DecodeDefaultsAttemptToOne) {
  json::object obj = ParseJsonObject(EncodeReply(SampleReply(Outcome::kSucceeded))).value();
  obj.erase("attempt");
  auto decoded = DecodeReply(json::serialize(obj));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->attempt, 1);
}

// ---- Ids and names ------------------------------------------------------------------------------------------

TEST(WireReplyTest, ReplyMessageIdIsDeterministicPerCommandAndAttempt) {
  EXPECT_EQ(ReplyMessageId("cmd-1", 1), ReplyMessageId("cmd-1", 1));
  EXPECT_TRUE(IsUuid(ReplyMessageId("cmd-1", 1)));
}

TEST(WireReplyTest, ReplyMessageIdDiffersAcrossAttemptsAndCommands) {
  EXPECT_NE(ReplyMessageId("cmd-1", 1), ReplyMessageId("cmd-1", 2));
  EXPECT_NE(ReplyMessageId("cmd-1", 1), ReplyMessageId("cmd-2", 1));
  // "cmd-1" attempt 11 must not collide with "cmd-11" attempt 1.
  EXPECT_NE(ReplyMessageId("cmd-1", 11), ReplyMessageId("cmd-11", 1));
}

TEST(WireTest, WorkerQueueNameIsPrefixedByRole) {
  EXPECT_EQ(WorkerQueueName("inventory"), "sagaflow.worker.inventory");
  EXPECT_EQ(WorkerQueueName("payment"), "sagaflow.worker.payment");
}

TEST(WireTest, StickyRepliesQueueNameIsPrefixedByInstance) {
  EXPECT_EQ(StickyRepliesQueueName("sagad-4f2a"), "sagaflow.replies.sagad-4f2a");
}

// ---- Topology -----------------------------------------------------------------------------------------------

TEST(TopologyTest, EveryStepIsBoundToExactlyOneRole) {
  std::map<std::string_view, int> roles_per_step;
  for (const WorkerRole& role : WorkerRoles()) {
    EXPECT_FALSE(role.steps.empty()) << role.name;
    for (std::string_view step : role.steps) ++roles_per_step[step];
  }
  ASSERT_FALSE(roles_per_step.empty());
  for (const auto& [step, count] : roles_per_step) EXPECT_EQ(count, 1) << step;
}

TEST(TopologyTest, EveryOrderStepHasARole) {
  std::map<std::string_view, std::string_view> role_of_step;
  for (const WorkerRole& role : WorkerRoles()) {
    for (std::string_view step : role.steps) role_of_step[step] = role.name;
  }
  EXPECT_EQ(role_of_step["inventory.reserve"], "inventory");
  EXPECT_EQ(role_of_step["inventory.confirm"], "inventory");
  EXPECT_EQ(role_of_step["inventory.release"], "inventory");
  EXPECT_EQ(role_of_step["payment.create"], "payment");
  EXPECT_EQ(role_of_step["logistics.record_shipment"], "logistics");
}

TEST(TopologyTest, RoleNamesAreUnique) {
  std::map<std::string_view, int> count;
  for (const WorkerRole& role : WorkerRoles()) ++count[role.name];
  for (const auto& [name, n] : count) EXPECT_EQ(n, 1) << name;
}

TEST(TopologyTest, FindWorkerRoleByName) {
  const WorkerRole* inventory = FindWorkerRole("inventory");
  ASSERT_NE(inventory, nullptr);
  EXPECT_EQ(inventory->name, "inventory");
  EXPECT_NE(std::find(inventory->steps.begin(), inventory->steps.end(), "inventory.reserve"), inventory->steps.end());
  const WorkerRole* payment = FindWorkerRole("payment");
  ASSERT_NE(payment, nullptr);
  EXPECT_EQ(payment->name, "payment");
}

TEST(TopologyTest, FindUnknownWorkerRoleIsNull) {
  EXPECT_EQ(FindWorkerRole("teleport"), nullptr);
  EXPECT_EQ(FindWorkerRole(""), nullptr);
}


// ---- Reply packs ---------------------------------------------------------------------------------------------

TEST(WireReplyPackTest, PackRoundTripsEveryReplyInOrder) {
  const std::vector<Reply> replies{SampleReply(Outcome::kSucceeded), SampleReply(Outcome::kFailed),
                                   SampleReply(Outcome::kRetry)};
  auto decoded = DecodeReplies(EncodeReplies(replies));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), replies.size());
  for (std::size_t i = 0; i < replies.size(); ++i) ExpectSameReply((*decoded)[i], replies[i]);
}

TEST(WireReplyPackTest, SingleReplyDecodesAsAPackOfOne) {
  const Reply reply = SampleReply(Outcome::kSucceeded);
  auto decoded = DecodeReplies(EncodeReply(reply));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), 1u);
  ExpectSameReply(decoded->front(), reply);
}

TEST(WireReplyPackTest, MalformedReplyInsideAPackIsNamedByIndexAndField) {
  json::object bad = ParseJsonObject(EncodeReply(SampleReply(Outcome::kSucceeded))).value();
  bad.erase("saga_id");
  json::object pack = ParseJsonObject(EncodeReplies({SampleReply(Outcome::kSucceeded)})).value();
  pack["replies"].as_array().push_back(bad);
  auto decoded = DecodeReplies(json::serialize(pack));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().field(), "replies[1].saga_id");
}

TEST(WireReplyPackTest, EmptyOrNonArrayPackIsInvalidArgument) {
  for (std::string_view text : {R"({"replies":[]})", R"({"replies":{}})", R"({"replies":[1]})"}) {
    SCOPED_TRACE(std::string(text));
    auto decoded = DecodeReplies(text);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace sagaflow::wire
