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
  static const std::unordered_map<std::string_view, std::string_view> kRoleOfStep = [] {
    std::unordered_map<std::string_view, std::string_view> roles;
    for (const wire::WorkerRole& role : wire::WorkerRoles()) {
      for (std::string_view served : role.steps) roles.emplace(served, role.name);
    }
    return roles;
  }();
  auto found = kRoleOfStep.find(step);
  if (found == kRoleOfStep.end()) return std::nullopt;
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
  // The role each command goes to (none for events), and the commands per role in batch
  // order; a role's pack goes where its first command was.
  std::vector<std::optional<std::string_view>> role_of(messages.size());
  std::unordered_map<std::string_view, std::vector<const storage::OutboxMessage*>> by_role;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].exchange != wire::kCommandsExchange) continue;
    role_of[i] = RoleOf(messages[i].routing_key);
    if (role_of[i]) by_role[*role_of[i]].push_back(&messages[i]);
  }
  std::vector<amqp::OutgoingMessage> out;
  out.reserve(messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const storage::OutboxMessage& row = messages[i];
    const bool command = row.exchange == wire::kCommandsExchange;
    const std::optional<std::string_view>& role = role_of[i];
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
