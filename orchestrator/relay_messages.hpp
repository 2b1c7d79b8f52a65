#pragma once
// What the outbox relay publishes for a batch of outbox messages: each domain event as it
// is, and the step commands packed per worker queue, so that the commands a batch holds for
// one role travel as one message (one publish, one delivery and one ack, where each command
// cost all three; workers unpack them with wire::DecodeCommands).

#include <vector>

#include "storage/outbox_repository.hpp"
#include "workers/amqp/amqp_connection.hpp"

namespace sagaflow::orchestrator {

//! Domain events: persistent, not mandatory (a topic may have no subscriber yet). Commands:
//! mandatory (every step has a queue), persistent only if `persistent_commands`; two or more
//! for the same role's queue become one pack, published with the first one's routing key
//! (its step, bound to that queue) and a message id of its own, at the first one's place.
//! A command whose step no role serves goes alone (and fails the batch as unroutable).
std::vector<amqp::OutgoingMessage> RelayMessages(const std::vector<storage::OutboxMessage>& messages,
                                                 bool persistent_commands);

}  // namespace sagaflow::orchestrator
