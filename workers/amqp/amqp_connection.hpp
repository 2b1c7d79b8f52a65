#pragma once
// AMQP 0-9-1 client for RabbitMQ: the only sagaflow code that sees rabbitmq-c (DESIGN.md,
// "Notes on the libraries"). rabbitmq-c stays in amqp_connection.cpp; this header does not
// include <amqp.h>.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/status.hpp"

// rabbitmq-c types, declared here so that callers never include <amqp.h>.
struct amqp_connection_state_t_;  // amqp_connection_state_t points to it
struct amqp_rpc_reply_t_;         // amqp_rpc_reply_t

namespace sagaflow::amqp {

//! One message for Connection::PublishBatch.
struct OutgoingMessage {
  std::string exchange;
  std::string routing_key;
  std::string body;
  std::string message_id;  //!< AMQP message-id property; consumers deduplicate on it
  std::string content_type = "application/json";
  bool persistent = true;  //!< delivery-mode 2: survives a broker restart in a durable queue
  //! The broker returns a message no queue is bound for; PublishBatch then fails instead of
  //! the message being silently dropped.
  bool mandatory = true;
};

//! Arguments of Connection::DeclareQueue. A queue's arguments are fixed when it is created:
//! declaring it again with others fails (Permanent, PRECONDITION_FAILED).
struct QueueOptions {
  std::string dead_letter_exchange;          //!< x-dead-letter-exchange; empty: none
  std::chrono::milliseconds message_ttl{0};  //!< x-message-ttl: older messages are dead-lettered; 0: none
  std::chrono::milliseconds expires{0};      //!< x-expires: deleted after this long unused; 0: never
  //! A durable queue, and the persistent messages in it, survive a broker restart; the broker
  //! writes those messages to disk before it confirms them.
  bool durable = true;
};

//! One message received by Connection::Consume; settle it with Ack or Reject.
struct Delivery {
  std::uint64_t delivery_tag = 0;
  std::string exchange;
  std::string routing_key;
  std::string body;
  std::string message_id;    //!< empty when the publisher set none
  bool redelivered = false;  //!< the broker delivered it before and it was not acked
  bool persistent = false;   //!< published with delivery-mode 2
};

// Tuning for Connection::Open.
//
// | option            | description                                             | default |
// |-------------------|---------------------------------------------------------|---------|
// | connect_timeout   | TCP connect, and again the AMQP login handshake         | 10 s    |
// | rpc_timeout       | each synchronous method (declare, bind, qos, close...); | 30 s    |
// |                   | on expiry rabbitmq-c closes the connection              |         |
// | heartbeat_seconds | AMQP heartbeat; 0 turns it off. rabbitmq-c only sends   | 0       |
// |                   | heartbeats while a call is inside the library, so a     |         |
// |                   | publisher idle for 2 intervals would be dropped by the  |         |
// |                   | broker: enable it only on consumers that poll Consume.  |         |
struct ConnectionOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds rpc_timeout{30'000};
  std::uint16_t heartbeat_seconds = 0;
};

// One AMQP connection with one channel (channel 1).
//
// Not thread-safe: one owner thread per connection. A connection has one role, either
// publishing (EnableConfirms, then PublishBatch) or consuming (StartConsuming, then Consume and
// Ack/Reject), because confirms and deliveries interleave on the socket and each reader would
// swallow the other's frames; mixing the roles returns Conflict. Declarations work in both
// roles.
//
// Errors: network trouble and broker shutdown are Transient; after one, the connection is
// unusable and every later call returns Transient: destroy it and Open a new one. When the
// broker closes the channel (e.g. conflicting declare arguments: Permanent; missing exchange or
// queue: NotFound), the failing call returns the broker's reason and the connection reopens
// channel 1 without consumer and confirm mode, ready for EnableConfirms/StartConsuming again.
class Connection {
 public:
  //! Connects, logs in and opens channel 1. url: amqp://user:pass@host:port/vhost ("/" or no
  //! path = vhost "/", "%2f" decoded). InvalidArgument for a bad URL, Transient on network
  //! failure, Permanent when the broker refuses the credentials or vhost.
  [[nodiscard]] static Result<std::unique_ptr<Connection>> Open(
      const std::string& url, std::string_view connection_name,
      const ConnectionOptions& options = {});

  //! Closes the connection (and so its channel); never throws.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  //! Declares a durable, non-auto-delete exchange; type is direct, topic, fanout or headers.
  //! Messages it cannot route go to `alternate_exchange` when one is given.
  [[nodiscard]] Status DeclareExchange(const std::string& name, std::string_view type,
                                       const std::string& alternate_exchange = {});
  //! Declares a durable, non-exclusive queue, dead-lettering to dead_letter_exchange if given.
  [[nodiscard]] Status DeclareQueue(const std::string& name,
                                    const std::string& dead_letter_exchange = {});
  [[nodiscard]] Status DeclareQueue(const std::string& name, const QueueOptions& options);
  //! Binds queue to exchange; NotFound if either does not exist.
  [[nodiscard]] Status BindQueue(const std::string& queue, const std::string& exchange,
                                 const std::string& routing_key);
  //! Removes the queue's ready messages; returns how many were removed.
  [[nodiscard]] Result<std::uint32_t> PurgeQueue(const std::string& queue);
  //! Deletes the queue with its messages and bindings (a missing queue is OK).
  [[nodiscard]] Status DeleteQueue(const std::string& queue);

  //! Puts the channel in confirm mode (confirm.select); required before PublishBatch.
  [[nodiscard]] Status EnableConfirms();
  //! Publishes the whole batch, then waits until the broker has confirmed every message. OK only
  //! if all were acked; Transient on nack, unroutable mandatory message, timeout or lost
  //! connection (the caller republishes the batch: consumers deduplicate on message_id).
  [[nodiscard]] Status PublishBatch(const std::vector<OutgoingMessage>& batch,
                                    std::chrono::milliseconds timeout);
  //! PublishBatch in two halves, for a caller with other work to do while the broker confirms:
  //! Publish sends the batch and returns; AwaitConfirms then waits for its confirms, with the
  //! same outcomes as PublishBatch. One batch at a time: Publish while another awaits its
  //! confirms is a Conflict. AwaitConfirms with nothing published is OK at once.
  [[nodiscard]] Status Publish(const std::vector<OutgoingMessage>& batch);
  [[nodiscard]] Status AwaitConfirms(std::chrono::milliseconds timeout);

  //! basic.qos(prefetch) then basic.consume on queue with manual acknowledgement. Call it
  //! once per queue to consume several on the channel, each with its own prefetch: Consume
  //! then returns their deliveries interleaved, and Delivery::routing_key tells them apart.
  [[nodiscard]] Status StartConsuming(const std::string& queue, std::uint16_t prefetch);
  //! The next delivery, or nullopt if none arrives within timeout; Transient when the
  //! connection is lost.
  [[nodiscard]] Result<std::optional<Delivery>> Consume(std::chrono::milliseconds timeout);
  //! Up to `max` deliveries: waits up to `first_wait` for the first, then takes only those
  //! already arrived (prefetched), without waiting. Empty when none arrived in time. Lets a
  //! consumer handle a burst in one transaction and settle it with one Ack(multiple).
  [[nodiscard]] Result<std::vector<Delivery>> ConsumeBatch(std::size_t max, std::chrono::milliseconds first_wait);
  //! Acknowledges one delivery, or with `multiple` every unsettled one up to delivery_tag;
  //! the broker forgets the messages.
  [[nodiscard]] Status Ack(std::uint64_t delivery_tag, bool multiple = false);
  //! basic.reject: requeue=true puts it back in the queue, requeue=false dead-letters it (or
  //! drops it when the queue has no dead-letter exchange).
  [[nodiscard]] Status Reject(std::uint64_t delivery_tag, bool requeue);

 private:
  explicit Connection(amqp_connection_state_t_* state);

  //! Transient naming the earlier failure if the connection is unusable, else OK.
  Status CheckUsable(std::string_view operation) const;
  //! Translates the reply to a synchronous method (login, declare, ...) into a Status.
  Status CheckReply(const amqp_rpc_reply_t_& reply, std::string_view operation);
  //! Translates a rabbitmq-c status code from a send or a frame read; any error is fatal.
  Status CheckLibraryStatus(int rc, std::string_view operation);
  //! Answers the broker's channel.close with close-ok and reopens channel 1.
  Status OnChannelClosed(int reply_code, const std::string& reply_text, std::string_view operation);
  //! Answers the broker's connection.close with close-ok; the connection is unusable after.
  Status OnConnectionClosed(int reply_code, const std::string& reply_text,
                            std::string_view operation);
  //! Records status as the reason the connection is unusable, and returns it.
  Status MarkBroken(Status status);

  //! rabbitmq-c connection; owned, destroyed last in the destructor.
  amqp_connection_state_t_* state_;
  //! Login succeeded: the destructor sends connection.close.
  bool logged_in_ = false;
  //! Why the connection is unusable; empty while it works.
  std::string broken_reason_;
  //! Channel 1 is in confirm mode.
  bool confirms_ = false;
  //! Delivery tag the broker gives the next publish in confirm mode (1, 2, 3... per channel).
  std::uint64_t next_publish_tag_ = 1;
  //! A published batch whose confirms AwaitConfirms has not read yet.
  struct UnconfirmedBatch {
    std::uint64_t first_tag = 0;  //!< delivery tags of the batch: [first_tag, last_tag]
    std::uint64_t last_tag = 0;
    std::unordered_set<std::string> mandatory_ids;
  };
  std::optional<UnconfirmedBatch> unconfirmed_;
  //! basic.consume succeeded on channel 1.
  bool consuming_ = false;
};

}  // namespace sagaflow::amqp
