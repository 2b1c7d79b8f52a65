#pragma once
// How a worker batch's replies travel back: one message per sagad that sent commands in the
// batch, to that sagad's sticky replies queue (wire::Command::reply_to), or to the shared
// replies queue for commands that name none.

#include <vector>

#include "common/wire.hpp"
#include "workers/amqp/amqp_connection.hpp"

namespace sagaflow::workers {

//! replies[i] answers commands[i]. Each message carries the replies for one destination, in
//! the batch's order: a pack (wire::EncodeReplies) or, alone, the reply as it is (its
//! message id then the reply's own). Destinations in order of first appearance.
std::vector<amqp::OutgoingMessage> ReplyMessages(const std::vector<wire::Command>& commands,
                                                 const std::vector<wire::Reply>& replies, bool persistent);

}  // namespace sagaflow::workers
