#pragma once
// Declares every exchange, queue and binding sagaflow uses (all durable). Idempotent; sagad
// and each worker call it at start, so no command is ever published into the void.

#include <chrono>
#include <string>

#include "common/status.hpp"
#include "workers/amqp/amqp_connection.hpp"

namespace sagaflow::amqp {

//! saga.commands (direct) → sagaflow.worker.<role> bound per step; saga.replies (direct) and
//! saga.replies.unrouted (fanout) → sagaflow.replies; saga.replies.sticky (direct, whose
//! unroutable messages go to saga.replies.unrouted); order.events (topic); saga.dead
//! (fanout) → sagaflow.dead, the dead-letter target of every other queue.
Status DeclareTopology(Connection& connection);
//! The queue of one sagad's sticky replies (wire::kStickyRepliesExchange), bound with its
//! instance name. A reply waiting there longer than `wait_limit` (its sagad is gone, or too
//! busy) expires into the shared queue, where any sagad takes it.
Status DeclareStickyRepliesQueue(Connection& connection, const std::string& instance,
                                 std::chrono::milliseconds wait_limit);
//! Declares the topology, then drops every message waiting in the reply and worker queues
//! (tests and saga-bench start from empty queues; never for production use).
Status PurgeWorkQueues(Connection& connection);

}  // namespace sagaflow::amqp
