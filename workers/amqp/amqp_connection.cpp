#include "workers/amqp/amqp_connection.hpp"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <unordered_set>
#include <utility>

namespace sagaflow::amqp {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

//! TCP_CORK on a socket while it lives (or until Release): the kernel holds partial segments
//! back and sends full ones, then the rest when uncorked. `fd` < 0: does nothing.
class TcpCork {
 public:
  explicit TcpCork(int fd) : fd_(fd) { Set(1); }
  ~TcpCork() { Release(); }
  TcpCork(const TcpCork&) = delete;
  TcpCork& operator=(const TcpCork&) = delete;
  void Release() {
    Set(0);
    fd_ = -1;
  }

 private:
  void Set(int on) const {
    // A failure only costs the batching, never the messages: ignored.
    if (fd_ >= 0) (void)setsockopt(fd_, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
  }
  int fd_;
};

//! The only channel a Connection uses.
constexpr amqp_channel_t kChannel = 1;
constexpr std::array<std::string_view, 4> kExchangeTypes = {"direct", "topic", "fanout", "headers"};

//! A view of s as rabbitmq-c bytes; rabbitmq-c only reads through it.
amqp_bytes_t Bytes(std::string_view s) {
  amqp_bytes_t bytes;
  bytes.len = s.size();
  bytes.bytes = const_cast<char*>(s.data());
  return bytes;
}

std::string String(amqp_bytes_t bytes) {
  if (bytes.len == 0 || bytes.bytes == nullptr) return {};
  return std::string(static_cast<const char*>(bytes.bytes), bytes.len);
}

timeval ToTimeval(milliseconds ms) {
  const auto count = std::max<milliseconds::rep>(ms.count(), 0);
  timeval tv;
  tv.tv_sec = static_cast<time_t>(count / 1000);
  tv.tv_usec = static_cast<suseconds_t>((count % 1000) * 1000);
  return tv;
}

//! Time left until deadline, rounded up so that a fraction of a millisecond is not "none".
milliseconds Remaining(Clock::time_point deadline) {
  return std::max(std::chrono::ceil<milliseconds>(deadline - Clock::now()), milliseconds{0});
}

//! Classifies an AMQP 0-9-1 reply code (spec 1.2, "Constants") from a channel.close or
//! connection.close.
Status FromReplyCode(int code, std::string message) {
  switch (code) {
    case 404:  // not-found: exchange or queue
      return Status::NotFound(std::move(message));
    case 403:  // access-refused (also bad credentials at login)
    case 406:  // precondition-failed: conflicting declare, unknown delivery tag
    case 530:  // not-allowed: e.g. unknown vhost
    case 501:  // frame-error
    case 502:  // syntax-error
    case 503:  // command-invalid
    case 504:  // channel-error
    case 505:  // unexpected-frame
    case 540:  // not-implemented
      return Status::Permanent(std::move(message));
    default:  // 320 connection-forced (broker shutdown), 405 resource-locked, 506, 541...
      return Status::Transient(std::move(message));
  }
}

struct ParsedUrl {
  std::string user;
  std::string password;
  std::string host;
  int port = 5672;
  std::string vhost;
};

Result<ParsedUrl> ParseUrl(const std::string& url) {
  // amqp_parse_url writes into its argument and points the result into it.
  std::string buffer = url;
  amqp_connection_info info;
  amqp_default_connection_info(&info);
  if (amqp_parse_url(buffer.data(), &info) != AMQP_STATUS_OK) {
    // Never echo the URL: it carries the password.
    return Status::InvalidArgument("url", "not an amqp://user:pass@host:port/vhost URL");
  }
  if (info.ssl) return Status::InvalidArgument("url", "amqps:// (TLS) is not supported");
  ParsedUrl parsed{info.user, info.password, info.host, info.port, info.vhost};
  // amqp_parse_url turns "amqp://host/" into vhost "", which the broker would refuse.
  if (parsed.vhost.empty()) parsed.vhost = "/";
  return parsed;
}

}  // namespace

Connection::Connection(amqp_connection_state_t_* state) : state_(state) {}

Connection::~Connection() {
  // connection.close also closes channel 1; it waits for close-ok up to the RPC timeout.
  if (logged_in_ && broken_reason_.empty()) amqp_connection_close(state_, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(state_);  // closes the socket
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& url,
                                                     std::string_view connection_name,
                                                     const ConnectionOptions& options) {
  auto parsed = ParseUrl(url);
  if (!parsed.ok()) return parsed.status();
  const std::string op = "Open " + parsed->host + ":" + std::to_string(parsed->port);

  amqp_connection_state_t state = amqp_new_connection();
  if (state == nullptr) return Status::Transient(op + ": amqp_new_connection failed");
  std::unique_ptr<Connection> connection(new Connection(state));

  amqp_socket_t* socket = amqp_tcp_socket_new(state);
  if (socket == nullptr) return Status::Transient(op + ": cannot create a TCP socket");
  const timeval connect_timeout = ToTimeval(options.connect_timeout);
  const int rc =
      amqp_socket_open_noblock(socket, parsed->host.c_str(), parsed->port, &connect_timeout);
  if (rc != AMQP_STATUS_OK) {
    return Status::Transient(op + ": cannot connect: " + amqp_error_string2(rc));
  }
  amqp_set_handshake_timeout(state, &connect_timeout);
  const timeval rpc_timeout = ToTimeval(options.rpc_timeout);
  amqp_set_rpc_timeout(state, &rpc_timeout);

  // Client properties: the name shown in the management UI, and consumer_cancel_notify so
  // that a deleted queue cancels our consumer visibly (rabbitmq-c merges its own capabilities).
  const std::string name(connection_name);
  amqp_table_entry_t capability;
  capability.key = amqp_cstring_bytes("consumer_cancel_notify");
  capability.value.kind = AMQP_FIELD_KIND_BOOLEAN;
  capability.value.value.boolean = 1;
  std::array<amqp_table_entry_t, 2> entries;
  entries[0].key = amqp_cstring_bytes("connection_name");
  entries[0].value.kind = AMQP_FIELD_KIND_UTF8;
  entries[0].value.value.bytes = Bytes(name);
  entries[1].key = amqp_cstring_bytes("capabilities");
  entries[1].value.kind = AMQP_FIELD_KIND_TABLE;
  entries[1].value.value.table.num_entries = 1;
  entries[1].value.value.table.entries = &capability;
  amqp_table_t properties;
  properties.num_entries = static_cast<int>(entries.size());
  properties.entries = entries.data();

  const amqp_rpc_reply_t login = amqp_login_with_properties(
      state, parsed->vhost.c_str(), /*channel_max=*/0, AMQP_DEFAULT_FRAME_SIZE,
      options.heartbeat_seconds, &properties, AMQP_SASL_METHOD_PLAIN, parsed->user.c_str(),
      parsed->password.c_str());
  SAGAFLOW_RETURN_IF_ERROR(
      connection->CheckReply(login, op + ": login to vhost '" + parsed->vhost + "'"));
  connection->logged_in_ = true;

  amqp_channel_open(state, kChannel);
  SAGAFLOW_RETURN_IF_ERROR(
      connection->CheckReply(amqp_get_rpc_reply(state), op + ": channel.open"));
  return connection;
}

Status Connection::DeclareExchange(const std::string& name, std::string_view type,
                                   const std::string& alternate_exchange) {
  const std::string op = "DeclareExchange '" + name + "'";
  SAGAFLOW_RETURN_IF_ERROR(CheckUsable(op));
  if (name.empty())
    return Status::InvalidArgument("name", op + ": the default exchange is predeclared");
  // The broker answers an unknown type with connection.close, so refuse it here.
  if (std::find(kExchangeTypes.begin(), kExchangeTypes.end(), type) == kExchangeTypes.end()) {
    return Status::InvalidArgument("type",
                                   op + ": unknown exchange type '" + std::string(type) + "'");
  }
  amqp_table_entry_t alternate;
  alternate.key = amqp_cstring_bytes("alternate-exchange");
  alternate.value.kind = AMQP_FIELD_KIND_UTF8;
  alternate.value.value.bytes = Bytes(alternate_exchange);
  amqp_table_t arguments = amqp_empty_table;
  if (!alternate_exchange.empty()) {
    arguments.num_entries = 1;
    arguments.entries = &alternate;
  }
  amqp_exchange_declare(state_, kChannel, Bytes(name), Bytes(type), /*passive=*/0, /*durable=*/1,
                        /*auto_delete=*/0, /*internal=*/0, arguments);
  return CheckReply(amqp_get_rpc_reply(state_), op);
}

Status Connection::DeclareQueue(const std::string& name, const std::string& dead_letter_exchange) {
  return DeclareQueue(name, QueueOptions{dead_letter_exchange});
}

Status Connection::DeclareQueue(const std::string& name, const QueueOptions& options) {
  const std::string op = "DeclareQueue '" + name + "'";
  SAGAFLOW_RETURN_IF_ERROR(CheckUsable(op));
  if (name.empty()) return Status::InvalidArgument("name", op + ": a queue needs a name");
  std::array<amqp_table_entry_t, 3> entries{};
  int count = 0;
  if (!options.dead_letter_exchange.empty()) {
    amqp_table_entry_t& entry = entries[count++];
    entry.key = amqp_cstring_bytes("x-dead-letter-exchange");
    entry.value.kind = AMQP_FIELD_KIND_UTF8;
    entry.value.value.bytes = Bytes(options.dead_letter_exchange);
  }
  for (auto [key, duration] : {std::pair{"x-message-ttl", options.message_ttl}, std::pair{"x-expires", options.expires}}) {
    if (duration.count() <= 0) continue;
    amqp_table_entry_t& entry = entries[count++];
    entry.key = amqp_cstring_bytes(key);
    entry.value.kind = AMQP_FIELD_KIND_I64;
    entry.value.value.i64 = duration.count();
  }
  amqp_table_t arguments = amqp_empty_table;
  arguments.num_entries = count;
  arguments.entries = count > 0 ? entries.data() : nullptr;
  amqp_queue_declare(state_, kChannel, Bytes(name), /*passive=*/0, options.durable ? 1 : 0,
                     /*exclusive=*/0, /*auto_delete=*/0, arguments);
  return CheckReply(amqp_get_rpc_reply(state_), op);
}

Status Connection::BindQueue(const std::string& queue, const std::string& exchange,
                             const std::string& routing_key) {
  const std::string op =
      "BindQueue '" + queue + "' to '" + exchange + "' with key '" + routing_key + "'";
  SAGAFLOW_RETURN_IF_ERROR(CheckUsable(op));
  amqp_queue_bind(state_, kChannel, Bytes(queue), Bytes(exchange), Bytes(routing_key),
                  amqp_empty_table);
  return CheckReply(amqp_get_rpc_reply(state_), op);
}

Result<std::uint32_t> Connection::PurgeQueue(const std::string& queue) {
  const std::string op = "PurgeQueue '" + queue + "'";
  SAGAFLOW_RETURN_IF_ERROR(CheckUsable(op));
  const amqp_queue_purge_ok_t* ok = amqp_queue_purge(state_, kChannel, Bytes(queue));
  SAGAFLOW_RETURN_IF_ERROR(CheckReply(amqp_get_rpc_reply(state_), op));
  if (ok == nullptr) return MarkBroken(Status::Transient(op + ": no queue.purge-ok"));
  return ok->message_count;
}

Status Connection::DeleteQueue(const std::string& queue) {
  const std::string op = "DeleteQueue '" + queue + "'";
  SAGAFLOW_RETURN_IF_ERROR(CheckUsable(op));
  const amqp_queue_delete_ok_t* ok = amqp_queue_delete(state_, kChannel, Bytes(queue), /*if_unused=*/0, /*if_empty=*/0);
  SAGAFLOW_RETURN_IF_ERROR(CheckReply(amqp_get_rpc_reply(state_), op));
  if (ok == nullptr) return MarkBroken(Status::Transient(op + ": no queue.delete-ok"));
  return Status::Ok();
}

Status Connection::EnableConfirms() {
  const std::string op = "EnableConfirms";
  SAGAFLOW_RETURN_IF_ERROR(CheckUsable(op));
  if (consuming_)
    return Status::Conflict(op + ": this connection consumes; publish on another one");
  if (confirms_) return Status::Ok();
  amqp_confirm_select(state_, kChannel);
  SAGAFLOW_RETURN_IF_ERROR(CheckReply(amqp_get_rpc_reply(state_), op));
  confirms_ = true;
  next_publish_tag_ = 1;
  return Status::Ok();
}

Status Connection::PublishBatch(const std::vector<OutgoingMessage>& batch, milliseconds timeout) {
  SAGAFLOW_RETURN_IF_ERROR(Publish(batch));
  return AwaitConfirms(timeout);
}

Status Connection::Publish(const std::vector<OutgoingMessage>& batch) {
  const std::string op = "Publish";
  SAGAFLOW_RETURN_IF_ERROR(CheckUsable(op));
  if (!confirms_) return Status::Conflict(op + ": EnableConfirms was not called");
  if (unconfirmed_.has_value()) return Status::Conflict(op + ": the previous batch awaits its confirms");
  if (batch.empty()) return Status::Ok();

  // Publish everything: no round trip per message. rabbitmq-c writes every frame with its
  // own send(); corked, the batch's frames leave in as few TCP segments as fit, and the
  // broker reads them all at once rather than one message per read.
  UnconfirmedBatch unconfirmed;
  unconfirmed.first_tag = next_publish_tag_;
  TcpCork cork(batch.size() > 1 ? amqp_get_sockfd(state_) : -1);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const OutgoingMessage& message = batch[i];
    amqp_basic_properties_t props{};
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
    props.delivery_mode =
        message.persistent ? AMQP_DELIVERY_PERSISTENT : AMQP_DELIVERY_NONPERSISTENT;
    if (!message.content_type.empty()) {
      props._flags |= AMQP_BASIC_CONTENT_TYPE_FLAG;
      props.content_type = Bytes(message.content_type);
    }
    if (!message.message_id.empty()) {
      props._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
      props.message_id = Bytes(message.message_id);
    }
    const int rc = amqp_basic_publish(state_, kChannel, Bytes(message.exchange),
                                      Bytes(message.routing_key), message.mandatory ? 1 : 0,
                                      /*immediate=*/0, &props, Bytes(message.body));
    SAGAFLOW_RETURN_IF_ERROR(CheckLibraryStatus(rc, op + ": publishing message " +
                                                        std::to_string(i + 1) + " of " +
                                                        std::to_string(batch.size())));
    ++next_publish_tag_;
    if (message.mandatory) unconfirmed.mandatory_ids.insert(message.message_id);
  }
  unconfirmed.last_tag = next_publish_tag_ - 1;
  cork.Release();
  unconfirmed_ = std::move(unconfirmed);
  return Status::Ok();
}

Status Connection::AwaitConfirms(milliseconds timeout) {
  const std::string op = "AwaitConfirms";
  if (!unconfirmed_.has_value()) return Status::Ok();
  // Whatever happens below, the batch is settled or given up on: a later batch starts afresh.
  UnconfirmedBatch batch = std::move(*unconfirmed_);
  unconfirmed_.reset();
  SAGAFLOW_RETURN_IF_ERROR(CheckUsable(op));
  const Clock::time_point deadline = Clock::now() + timeout;

  // Wait for a basic.ack/basic.nack covering every tag in [first_tag, last_tag]. Tags below
  // first_tag are late confirms of an earlier batch that timed out: ignored.
  std::vector<bool> settled(batch.last_tag - batch.first_tag + 1, false);  // by tag - first_tag
  std::size_t pending = settled.size();
  std::size_t lowest_unsettled = 0;  // every index below it is settled
  std::size_t nacked = 0;
  auto settle = [&](std::uint64_t tag, bool multiple, bool ack) {
    if (tag < batch.first_tag) return;
    const std::size_t high = static_cast<std::size_t>(std::min(tag, batch.last_tag) - batch.first_tag);
    const std::size_t low = multiple ? lowest_unsettled : high;
    for (std::size_t i = low; i <= high; ++i) {
      if (settled[i]) continue;
      settled[i] = true;
      --pending;
      if (!ack) ++nacked;
    }
    while (lowest_unsettled < settled.size() && settled[lowest_unsettled]) ++lowest_unsettled;
  };

  // A mandatory message no queue takes comes back as basic.return + content header (with its
  // message-id) + body, then is acked: count those whose message-id is in this batch.
  bool expecting_return_header = false;
  std::string return_reason;
  std::size_t returned = 0;

  while (pending > 0) {
    const milliseconds left = Remaining(deadline);
    if (left.count() == 0) break;
    amqp_maybe_release_buffers(state_);
    const timeval tv = ToTimeval(left);
    amqp_frame_t frame;
    const int rc = amqp_simple_wait_frame_noblock(state_, &frame, &tv);
    if (rc == AMQP_STATUS_TIMEOUT) break;
    SAGAFLOW_RETURN_IF_ERROR(CheckLibraryStatus(rc, op + ": waiting for confirms"));

    if (frame.frame_type == AMQP_FRAME_HEADER && expecting_return_header) {
      expecting_return_header = false;
      const auto* props =
          static_cast<const amqp_basic_properties_t*>(frame.payload.properties.decoded);
      const std::string id =
          (props->_flags & AMQP_BASIC_MESSAGE_ID_FLAG) ? String(props->message_id) : "";
      if (batch.mandatory_ids.count(id) > 0) ++returned;
      continue;
    }
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;  // bodies of returned messages
    const amqp_method_t& method = frame.payload.method;
    switch (method.id) {
      case AMQP_BASIC_ACK_METHOD: {
        const auto* ack = static_cast<const amqp_basic_ack_t*>(method.decoded);
        settle(ack->delivery_tag, ack->multiple != 0, /*ack=*/true);
        break;
      }
      case AMQP_BASIC_NACK_METHOD: {
        const auto* nack = static_cast<const amqp_basic_nack_t*>(method.decoded);
        settle(nack->delivery_tag, nack->multiple != 0, /*ack=*/false);
        break;
      }
      case AMQP_BASIC_RETURN_METHOD: {
        const auto* ret = static_cast<const amqp_basic_return_t*>(method.decoded);
        expecting_return_header = true;
        if (return_reason.empty()) {
          return_reason = std::to_string(ret->reply_code) + " " + String(ret->reply_text) +
                          " (exchange '" + String(ret->exchange) + "', routing key '" +
                          String(ret->routing_key) + "')";
        }
        break;
      }
      case AMQP_CHANNEL_CLOSE_METHOD: {
        const auto* close = static_cast<const amqp_channel_close_t*>(method.decoded);
        return OnChannelClosed(close->reply_code, String(close->reply_text), op);
      }
      case AMQP_CONNECTION_CLOSE_METHOD: {
        const auto* close = static_cast<const amqp_connection_close_t*>(method.decoded);
        return OnConnectionClosed(close->reply_code, String(close->reply_text), op);
      }
      default:  // connection.blocked/unblocked and the like: nothing to do
        break;
    }
  }

  const std::string of_n = " of " + std::to_string(settled.size()) + " messages";
  if (pending > 0) {
    return Status::Transient(op + ": " + std::to_string(pending) + of_n + " unconfirmed after " +
                             std::to_string(timeout.count()) + " ms");
  }
  if (nacked > 0)
    return Status::Transient(op + ": the broker nacked " + std::to_string(nacked) + of_n);
  if (returned > 0) {
    return Status::Transient(op + ": " + std::to_string(returned) + of_n +
                             " returned unroutable: " + return_reason);
  }
  return Status::Ok();
}

Status Connection::StartConsuming(const std::string& queue, std::uint16_t prefetch) {
  const std::string op = "StartConsuming '" + queue + "'";
  SAGAFLOW_RETURN_IF_ERROR(CheckUsable(op));
  if (confirms_)
    return Status::Conflict(op + ": this connection publishes; consume on another one");
  amqp_basic_qos(state_, kChannel, /*prefetch_size=*/0, prefetch, /*global=*/0);
  SAGAFLOW_RETURN_IF_ERROR(CheckReply(amqp_get_rpc_reply(state_), op + ": basic.qos"));
  amqp_basic_consume(state_, kChannel, Bytes(queue), amqp_empty_bytes, /*no_local=*/0,
                     /*no_ack=*/0, /*exclusive=*/0, amqp_empty_table);
  SAGAFLOW_RETURN_IF_ERROR(CheckReply(amqp_get_rpc_reply(state_), op + ": basic.consume"));
  consuming_ = true;
  return Status::Ok();
}

Result<std::optional<Delivery>> Connection::Consume(milliseconds timeout) {
  const std::string op = "Consume";
  SAGAFLOW_RETURN_IF_ERROR(CheckUsable(op));
  if (!consuming_) {
    return Status::Conflict(
        op + ": not consuming (no StartConsuming, or the broker closed the channel)");
  }
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    amqp_maybe_release_buffers(state_);
    const timeval tv = ToTimeval(Remaining(deadline));
    amqp_envelope_t envelope;
    const amqp_rpc_reply_t reply = amqp_consume_message(state_, &envelope, &tv, 0);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
      Delivery delivery;
      delivery.delivery_tag = envelope.delivery_tag;
      delivery.exchange = String(envelope.exchange);
      delivery.routing_key = String(envelope.routing_key);
      delivery.body = String(envelope.message.body);
      if (envelope.message.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG) {
        delivery.message_id = String(envelope.message.properties.message_id);
      }
      if (envelope.message.properties._flags & AMQP_BASIC_DELIVERY_MODE_FLAG) {
        delivery.persistent = envelope.message.properties.delivery_mode == AMQP_DELIVERY_PERSISTENT;
      }
      delivery.redelivered = envelope.redelivered != 0;
      amqp_destroy_envelope(&envelope);
      return std::optional<Delivery>(std::move(delivery));
    }
    if (reply.reply_type != AMQP_RESPONSE_LIBRARY_EXCEPTION) {
      Status status = CheckReply(reply, op);
      return status.ok() ? MarkBroken(Status::Transient(op + ": unexpected reply")) : status;
    }
    if (reply.library_error == AMQP_STATUS_TIMEOUT) return std::optional<Delivery>();
    if (reply.library_error != AMQP_STATUS_UNEXPECTED_STATE) {
      return CheckLibraryStatus(reply.library_error, op);
    }
    // A frame other than basic.deliver is queued: read it and act on it.
    amqp_frame_t frame;
    const timeval frame_tv = ToTimeval(Remaining(deadline));
    const int rc = amqp_simple_wait_frame_noblock(state_, &frame, &frame_tv);
    if (rc == AMQP_STATUS_TIMEOUT) return std::optional<Delivery>();
    SAGAFLOW_RETURN_IF_ERROR(CheckLibraryStatus(rc, op));
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    switch (frame.payload.method.id) {
      case AMQP_CHANNEL_CLOSE_METHOD: {
        const auto* close = static_cast<const amqp_channel_close_t*>(frame.payload.method.decoded);
        return OnChannelClosed(close->reply_code, String(close->reply_text), op);
      }
      case AMQP_CONNECTION_CLOSE_METHOD: {
        const auto* close =
            static_cast<const amqp_connection_close_t*>(frame.payload.method.decoded);
        return OnConnectionClosed(close->reply_code, String(close->reply_text), op);
      }
      case AMQP_BASIC_CANCEL_METHOD:
        consuming_ = false;
        return Status::Transient(op + ": the broker cancelled the consumer (queue deleted?)");
      default:  // connection.blocked and the like
        break;
    }
  }
}

Result<std::vector<Delivery>> Connection::ConsumeBatch(std::size_t max, milliseconds first_wait) {
  std::vector<Delivery> batch;
  while (batch.size() < max) {
    auto delivery = Consume(batch.empty() ? first_wait : milliseconds(0));
    if (!delivery.ok()) return delivery.status();
    if (!delivery->has_value()) break;
    batch.push_back(std::move(**delivery));
  }
  return batch;
}

Status Connection::Ack(std::uint64_t delivery_tag, bool multiple) {
  const std::string op = "Ack " + std::to_string(delivery_tag);
  SAGAFLOW_RETURN_IF_ERROR(CheckUsable(op));
  return CheckLibraryStatus(amqp_basic_ack(state_, kChannel, delivery_tag, multiple ? 1 : 0), op);
}

Status Connection::Reject(std::uint64_t delivery_tag, bool requeue) {
  const std::string op = "Reject " + std::to_string(delivery_tag);
  SAGAFLOW_RETURN_IF_ERROR(CheckUsable(op));
  return CheckLibraryStatus(amqp_basic_reject(state_, kChannel, delivery_tag, requeue ? 1 : 0), op);
}

Status Connection::CheckUsable(std::string_view operation) const {
  if (broken_reason_.empty()) return Status::Ok();
  return Status::Transient(std::string(operation) +
                           ": connection unusable after an earlier error: " + broken_reason_);
}

Status Connection::CheckReply(const amqp_rpc_reply_t_& reply, std::string_view operation) {
  const std::string op(operation);
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return Status::Ok();
    case AMQP_RESPONSE_NONE:
      return MarkBroken(Status::Transient(op + ": no reply (missing RPC reply)"));
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      // Socket errors, timeouts (rabbitmq-c then closes the connection), protocol errors.
      return MarkBroken(Status::Transient(op + ": " + amqp_error_string2(reply.library_error)));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const auto* close = static_cast<const amqp_channel_close_t*>(reply.reply.decoded);
        return OnChannelClosed(close->reply_code, String(close->reply_text), op);
      }
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const auto* close = static_cast<const amqp_connection_close_t*>(reply.reply.decoded);
        return OnConnectionClosed(close->reply_code, String(close->reply_text), op);
      }
      break;
  }
  char id[16];
  std::snprintf(id, sizeof id, "0x%08X", static_cast<unsigned>(reply.reply.id));
  return MarkBroken(Status::Transient(op + ": unexpected broker method " + id));
}

Status Connection::CheckLibraryStatus(int rc, std::string_view operation) {
  if (rc == AMQP_STATUS_OK) return Status::Ok();
  return MarkBroken(Status::Transient(std::string(operation) + ": " + amqp_error_string2(rc)));
}

Status Connection::OnChannelClosed(int reply_code, const std::string& reply_text,
                                   std::string_view operation) {
  Status status =
      FromReplyCode(reply_code, std::string(operation) + ": broker closed the channel (" +
                                    std::to_string(reply_code) + " " + reply_text + ")");
  confirms_ = false;
  consuming_ = false;
  next_publish_tag_ = 1;
  amqp_channel_close_ok_t close_ok{};
  if (amqp_send_method(state_, kChannel, AMQP_CHANNEL_CLOSE_OK_METHOD, &close_ok) !=
      AMQP_STATUS_OK) {
    broken_reason_ = status.message() + "; then channel.close-ok failed";
    return status;
  }
  // Channel 1 is closed on both sides: reopen it so that the connection stays usable.
  amqp_channel_open(state_, kChannel);
  if (amqp_get_rpc_reply(state_).reply_type != AMQP_RESPONSE_NORMAL) {
    broken_reason_ = status.message() + "; then reopening the channel failed";
  }
  return status;
}

Status Connection::OnConnectionClosed(int reply_code, const std::string& reply_text,
                                      std::string_view operation) {
  amqp_connection_close_ok_t close_ok{};
  amqp_send_method(state_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &close_ok);  // best effort
  return MarkBroken(
      FromReplyCode(reply_code, std::string(operation) + ": broker closed the connection (" +
                                    std::to_string(reply_code) + " " + reply_text + ")"));
}

Status Connection::MarkBroken(Status status) {
  if (broken_reason_.empty()) broken_reason_ = status.message();
  return status;
}

}  // namespace sagaflow::amqp
