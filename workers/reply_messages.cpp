#include "workers/reply_messages.hpp"

#include <cassert>
#include <string>

#include "common/ids.hpp"

namespace sagaflow::workers {

std::vector<amqp::OutgoingMessage> ReplyMessages(const std::vector<wire::Command>& commands,
                                                 const std::vector<wire::Reply>& replies, bool persistent) {
  assert(commands.size() == replies.size());
  std::vector<std::string> destinations;  // reply_to values, first appearance first
  std::vector<std::vector<wire::Reply>> grouped;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    std::size_t group = 0;
    while (group < destinations.size() && destinations[group] != commands[i].reply_to) ++group;
    if (group == destinations.size()) {
      destinations.push_back(commands[i].reply_to);
      grouped.emplace_back();
    }
    grouped[group].push_back(replies[i]);
  }
  std::vector<amqp::OutgoingMessage> messages;
  messages.reserve(grouped.size());
  for (std::size_t group = 0; group < grouped.size(); ++group) {
    amqp::OutgoingMessage message;
    const bool sticky = !destinations[group].empty();
    message.exchange = std::string(sticky ? wire::kStickyRepliesExchange : wire::kRepliesExchange);
    message.routing_key = sticky ? destinations[group] : std::string(wire::kReplyRoutingKey);
    message.persistent = persistent;
    if (grouped[group].size() == 1) {
      message.body = wire::EncodeReply(grouped[group].front());
      message.message_id = grouped[group].front().message_id;
    } else {
      message.body = wire::EncodeReplies(grouped[group]);
      message.message_id = NewUuid();  // each reply inside keeps its own id
    }
    messages.push_back(std::move(message));
  }
  return messages;
}

}  // namespace sagaflow::workers
