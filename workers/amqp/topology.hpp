#pragma once
// Declares every exchange, queue and binding sagaflow uses (all durable). Idempotent; sagad
// and each worker call it at start, so no command is ever published into the void.

#include "common/status.hpp"
#include "workers/amqp/amqp_connection.hpp"

namespace sagaflow::amqp {

//! saga.commands (direct) → sagaflow.worker.<role> bound per step; saga.replies (direct) →
//! sagaflow.replies; order.events (topic); saga.dead (fanout) → sagaflow.dead, the
//! dead-letter target of every queue.
Status DeclareTopology(Connection& connection);
//! Declares the topology, then drops every message waiting in the reply and worker queues
//! (tests and saga-bench start from empty queues; never for production use).
Status PurgeWorkQueues(Connection& connection);

}  // namespace sagaflow::amqp
