#include "orchestrator/relay_messages.hpp"

#include <optional>
#include <string_view>
#include <unordered_map>

#include "common/ids.hpp"
#include "common/topology.hpp"
#include "common/wire.hpp"

namespace sagaflow::orchestrator {
namespace {

//! The role whose queue a step's commands go to, if any.
std::optional<std::string_view> RoleOf(std::string_view step) {
  static const auto* const kRoleOfStep = [] {
    auto* roles = new std::unordered_map<std::string_view, std::string_view>();
    for (const wire::WorkerRole& role : wire::WorkerRoles()) {
      for (std::string_view served : role.steps) roles->emplace(served, role.name);
    }
    return roles;
  }();
  auto found = kRoleOfStep->find(step);
  if (found == kRoleOfStep->end()) return std::nullopt;
  return found->second;
}

amqp::OutgoingMessage AsIs(const storage::OutboxMessage& row, bool command, bool persistent_commands) {
  amqp::OutgoingMessage message;
  message.exchange = row.exchange;
  message.routing_key = row.routing_key;
  message.body = row.body;
  message.message_id = row.message_id;
  message.mandatory = command;
  // Events are persistent: nothing else re-creates them.
  message.persistent = !command || persistent_commands;
  return message;
}

}  // namespace

std::vector<amqp::OutgoingMessage> RelayMessages(const std::vector<storage::OutboxMessage>& messages,
                                                 bool persistent_commands) {
  // Commands per role, in batch order; a role's pack goes where its first command was.
  std::unordered_map<std::string_view, std::vector<const storage::OutboxMessage*>> by_role;
  for (const storage::OutboxMessage& row : messages) {
    if (row.exchange != wire::kCommandsExchange) continue;
    if (auto role = RoleOf(row.routing_key)) by_role[*role].push_back(&row);
  }
  std::vector<amqp::OutgoingMessage> out;
  out.reserve(messages.size());
  for (const storage::OutboxMessage& row : messages) {
    const bool command = row.exchange == wire::kCommandsExchange;
    const std::optional<std::string_view> role = command ? RoleOf(row.routing_key) : std::nullopt;
    if (!role) {
      out.push_back(AsIs(row, command, persistent_commands));
      continue;
    }
    const std::vector<const storage::OutboxMessage*>& pack = by_role[*role];
    if (pack.size() == 1) {
      out.push_back(AsIs(row, command, persistent_commands));
      continue;
    }
    if (pack.front() != &row) continue;  // packed with the role's first command
    std::vector<std::string_view> bodies;
    bodies.reserve(pack.size());
    for (const storage::OutboxMessage* packed : pack) bodies.push_back(packed->body);
    amqp::OutgoingMessage message = AsIs(row, command, persistent_commands);
    message.body = wire::PackEncodedCommands(bodies);
    message.message_id = NewUuid();  // each command inside keeps its own id
    out.push_back(std::move(message));
  }
  return out;
}

}  // namespace sagaflow::orchestrator
