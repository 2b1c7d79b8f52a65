#include "workers/reply_messages.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sagaflow::workers {
namespace {

wire::Command CommandFrom(const std::string& reply_to, int n) {
  wire::Command command;
  command.command_id = "command-" + std::to_string(n);
  command.saga_id = "saga-" + std::to_string(n);
  command.step = "inventory.reserve";
  command.reply_to = reply_to;
  return command;
}

std::vector<std::string> CommandIdsIn(const amqp::OutgoingMessage& message) {
  auto replies = wire::DecodeReplies(message.body);
  EXPECT_TRUE(replies.ok()) << replies.status().ToString();
  std::vector<std::string> ids;
  if (replies.ok()) {
    for (const wire::Reply& reply : replies.value()) ids.push_back(reply.command_id);
  }
  return ids;
}

TEST(ReplyMessagesTest, EachSagadGetsOneMessageWithItsRepliesInBatchOrder) {
  const std::vector<wire::Command> commands = {CommandFrom("sagad-a", 1), CommandFrom("sagad-b", 2),
                                               CommandFrom("sagad-a", 3), CommandFrom("", 4)};
  std::vector<wire::Reply> replies;
  for (const wire::Command& command : commands) replies.push_back(wire::ReplyFor(command));

  const auto messages = ReplyMessages(commands, replies, /*persistent=*/false);

  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0].exchange, wire::kStickyRepliesExchange);
  EXPECT_EQ(messages[0].routing_key, "sagad-a");
  EXPECT_EQ(CommandIdsIn(messages[0]), (std::vector<std::string>{"command-1", "command-3"}));
  EXPECT_EQ(messages[1].exchange, wire::kStickyRepliesExchange);
  EXPECT_EQ(messages[1].routing_key, "sagad-b");
  EXPECT_EQ(CommandIdsIn(messages[1]), (std::vector<std::string>{"command-2"}));
  // No reply_to: the shared queue, as before sticky replies.
  EXPECT_EQ(messages[2].exchange, wire::kRepliesExchange);
  EXPECT_EQ(messages[2].routing_key, wire::kReplyRoutingKey);
  EXPECT_EQ(CommandIdsIn(messages[2]), (std::vector<std::string>{"command-4"}));
  for (const amqp::OutgoingMessage& message : messages) EXPECT_FALSE(message.persistent);
}

TEST(ReplyMessagesTest, ALoneReplyTravelsAsItselfWithItsOwnMessageId) {
  const std::vector<wire::Command> commands = {CommandFrom("sagad-a", 1)};
  const std::vector<wire::Reply> replies = {wire::ReplyFor(commands[0])};

  const auto messages = ReplyMessages(commands, replies, /*persistent=*/true);

  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].message_id, replies[0].message_id);
  EXPECT_EQ(messages[0].body, wire::EncodeReply(replies[0]));
  EXPECT_TRUE(messages[0].persistent);
}

TEST(ReplyMessagesTest, APackHasAMessageIdOfItsOwn) {
  const std::vector<wire::Command> commands = {CommandFrom("", 1), CommandFrom("", 2)};
  const std::vector<wire::Reply> replies = {wire::ReplyFor(commands[0]), wire::ReplyFor(commands[1])};

  const auto messages = ReplyMessages(commands, replies, /*persistent=*/false);

  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].message_id, replies[0].message_id);
  EXPECT_NE(messages[0].message_id, replies[1].message_id);
  EXPECT_FALSE(messages[0].message_id.empty());
}

}  // namespace
}  // namespace sagaflow::workers
