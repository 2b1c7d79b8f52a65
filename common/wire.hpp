#pragma once
// The messages that cross processes over AMQP: step commands (sagad → workers) and their
// replies (workers → sagad), with the names of the exchanges and queues that carry them.
// Plain values; codecs are pure functions.

#include <cstdint>
#include <string>
#include <vector>
#include <string_view>

#include "common/json.hpp"
#include "common/status.hpp"

namespace sagaflow::wire {

//! Direct exchange; routing key = step name ("inventory.reserve").
inline constexpr std::string_view kCommandsExchange = "saga.commands";
//! Direct exchange for replies; every reply uses kReplyRoutingKey.
inline constexpr std::string_view kRepliesExchange = "saga.replies";
inline constexpr std::string_view kReplyRoutingKey = "reply";
inline constexpr std::string_view kRepliesQueue = "sagaflow.replies";
//! Direct exchange for the replies to one sagad ("sticky" replies, as Temporal's sticky task
//! queues): routing key = that sagad's instance name (Command::reply_to), bound to its own
//! queue. The sagad that sent a command wrote the saga last, so its cache holds the row the
//! reply applies to. Its alternate exchange is kUnroutedRepliesExchange: a reply to a sagad
//! whose queue is gone reaches the shared queue instead of being lost.
inline constexpr std::string_view kStickyRepliesExchange = "saga.replies.sticky";
//! Fanout to the shared replies queue: where sticky replies nobody can take go (the sticky
//! exchange's alternate exchange, and the dead-letter target of every sticky queue, whose
//! replies expire into it when their sagad does not take them in time).
inline constexpr std::string_view kUnroutedRepliesExchange = "saga.replies.unrouted";
//! Queue of the sticky replies to one sagad: "sagaflow.replies.<instance>".
std::string StickyRepliesQueueName(std::string_view instance);
//! Topic exchange for domain events ("order.paid", ...).
inline constexpr std::string_view kEventsExchange = "order.events";
//! Where rejected (undecodable or unroutable) messages end up for an operator to inspect.
inline constexpr std::string_view kDeadLetterExchange = "saga.dead";
inline constexpr std::string_view kDeadLetterQueue = "sagaflow.dead";
//! Queue a worker role consumes: "sagaflow.worker.<role>".
std::string WorkerQueueName(std::string_view role);

//! One step to execute. The command id is the AMQP message id and stays the same when the
//! engine re-sends the step, so a worker applies it at most once.
struct Command {
  std::string command_id;
  std::string saga_id;
  std::string saga_type;
  std::string step;
  int attempt = 1;
  json::object payload;
  //! When the engine sent this attempt (ms since the epoch; 0: unknown). Workers record it
  //! next to when they started it: the dispatch latency.
  std::int64_t sent_at_ms = 0;
  //! Instance name of the sagad that sent it: the worker publishes the reply to
  //! kStickyRepliesExchange with this routing key. Empty: to the shared queue.
  std::string reply_to{};
};

enum class Outcome {
  kSucceeded,  //!< the step's effect is applied; `result` holds its output
  kFailed,     //!< refused for good (out of stock, card declined): the saga compensates
  kRetry,      //!< a transient failure (a downstream service is down): the engine retries later
};
std::string_view OutcomeName(Outcome outcome);

//! The answer to one attempt of one command.
struct Reply {
  //! NameUuid("<command_id>:<attempt>"): the same attempt answered twice has the same id,
  //! so the orchestrator's inbox drops the second one.
  std::string message_id;
  std::string command_id;
  std::string saga_id;
  std::string step;
  int attempt = 1;
  Outcome outcome = Outcome::kSucceeded;
  json::object result;
  std::string error_code;
  std::string error_message;
};

//! The deterministic message id of the reply to `attempt` of `command_id`.
std::string ReplyMessageId(std::string_view command_id, int attempt);
//! A reply to `command`: its ids and step set, the outcome and result still to fill in.
Reply ReplyFor(const Command& command);

std::string EncodeCommand(const Command& command);
//! InvalidArgument naming the missing field when `text` is not a command.
Result<Command> DecodeCommand(std::string_view text);
//! Several commands for one worker queue in one message, {"commands": [command, ...]}, from
//! their EncodeCommand texts: the outbox relay packs the commands of one publish batch that go
//! to the same role's queue (one message, one delivery, one ack instead of one per command).
std::string PackEncodedCommands(const std::vector<std::string_view>& encoded);
//! The commands one message carries: a pack, or a single EncodeCommand. InvalidArgument
//! (naming the field, and the index inside a pack) when any is malformed.
Result<std::vector<Command>> DecodeCommands(std::string_view text);
std::string EncodeReply(const Reply& reply);
//! InvalidArgument naming the missing field when `text` is not a reply.
Result<Reply> DecodeReply(std::string_view text);
//! Several replies in one message, {"replies": [reply, ...]}: a worker answers the commands
//! of one batch with one message (one publish, one confirm, one delivery to sagad).
std::string EncodeReplies(const std::vector<Reply>& replies);
//! The replies one message carries: a pack from EncodeReplies, or a single EncodeReply.
//! InvalidArgument (naming the field, and the index inside a pack) when any is malformed.
Result<std::vector<Reply>> DecodeReplies(std::string_view text);

}  // namespace sagaflow::wire
