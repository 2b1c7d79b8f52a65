#include "orchestrator/relay_messages.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/ids.hpp"
#include "common/wire.hpp"

namespace sagaflow::orchestrator {
namespace {

storage::OutboxMessage CommandRow(const std::string& step) {
  wire::Command command;
  command.command_id = NewUuid();
  command.saga_id = NewUuid();
  command.step = step;
  return storage::OutboxMessage{0, command.command_id, std::string(wire::kCommandsExchange), step, command.saga_id,
                                wire::EncodeCommand(command), /*has_row=*/false};
}

storage::OutboxMessage EventRow(const std::string& name) {
  return storage::OutboxMessage{7, NewUuid(), std::string(wire::kEventsExchange), name, NewUuid(),
                                R"({"event":")" + name + R"("})"};
}

std::vector<std::string> CommandIdsIn(const amqp::OutgoingMessage& message) {
  auto commands = wire::DecodeCommands(message.body);
  EXPECT_TRUE(commands.ok()) << commands.status().ToString();
  std::vector<std::string> ids;
  if (commands.ok()) {
    for (const wire::Command& command : commands.value()) ids.push_back(command.command_id);
  }
  return ids;
}

TEST(RelayMessagesTest, CommandsForOneRoleTravelAsOnePackWhereTheFirstWas) {
  // catalog.price, inventory.reserve and inventory.confirm all go to the inventory queue.
  const std::vector<storage::OutboxMessage> rows = {EventRow("order.created"), CommandRow("catalog.price"),
                                                    CommandRow("payment.create"), CommandRow("inventory.reserve"),
                                                    EventRow("order.paid"), CommandRow("inventory.confirm")};

  const auto messages = RelayMessages(rows, /*persistent_commands=*/false);

  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[0].message_id, rows[0].message_id);
  // The pack: routed by its first command's step (bound to the role's queue), an id of its own.
  EXPECT_EQ(messages[1].exchange, wire::kCommandsExchange);
  EXPECT_EQ(messages[1].routing_key, "catalog.price");
  EXPECT_EQ(CommandIdsIn(messages[1]),
            (std::vector<std::string>{rows[1].message_id, rows[3].message_id, rows[5].message_id}));
  EXPECT_NE(messages[1].message_id, rows[1].message_id);
  EXPECT_TRUE(messages[1].mandatory);
  EXPECT_FALSE(messages[1].persistent);
  // The lone payment command goes as it is.
  EXPECT_EQ(messages[2].routing_key, "payment.create");
  EXPECT_EQ(messages[2].message_id, rows[2].message_id);
  EXPECT_EQ(messages[2].body, rows[2].body);
  EXPECT_EQ(messages[3].message_id, rows[4].message_id);
}

TEST(RelayMessagesTest, EventsArePersistentAndNotMandatoryCommandsTheOpposite) {
  const std::vector<storage::OutboxMessage> rows = {EventRow("order.created"), CommandRow("logistics.record_shipment")};

  const auto transient = RelayMessages(rows, /*persistent_commands=*/false);
  ASSERT_EQ(transient.size(), 2u);
  EXPECT_TRUE(transient[0].persistent);
  EXPECT_FALSE(transient[0].mandatory);  // a topic may have no subscriber yet
  EXPECT_EQ(transient[0].body, rows[0].body);
  EXPECT_FALSE(transient[1].persistent);
  EXPECT_TRUE(transient[1].mandatory);

  const auto persistent = RelayMessages(rows, /*persistent_commands=*/true);
  EXPECT_TRUE(persistent[1].persistent);
}

TEST(RelayMessagesTest, CommandForAStepNoRoleServesGoesAlone) {
  const std::vector<storage::OutboxMessage> rows = {CommandRow("nobody.serves"), CommandRow("nobody.serves")};

  const auto messages = RelayMessages(rows, /*persistent_commands=*/false);

  ASSERT_EQ(messages.size(), 2u);  // unroutable each: the batch fails rather than a pack hiding it
  EXPECT_EQ(messages[0].message_id, rows[0].message_id);
  EXPECT_EQ(messages[1].message_id, rows[1].message_id);
}

}  // namespace
}  // namespace sagaflow::orchestrator
