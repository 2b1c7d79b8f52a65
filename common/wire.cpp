#include "common/wire.hpp"

#include "common/ids.hpp"

namespace sagaflow::wire {
namespace {

//! What one message carries: a pack, {"<key>": [item, ...]}, or a single item. Errors name
//! the field, with the index inside a pack.
template <typename T>
Result<std::vector<T>> DecodePack(std::string_view text, const std::string& key,
                                  Result<T> (*from_json)(const json::object&)) {
  auto parsed = ParseJsonObject(text);
  if (!parsed.ok()) return parsed.status();
  const json::object& obj = parsed.value();
  std::vector<T> items;
  const json::value* pack = obj.if_contains(key);
  if (pack == nullptr) {
    auto item = from_json(obj);
    if (!item.ok()) return item.status();
    items.push_back(std::move(item.value()));
    return items;
  }
  if (!pack->is_array() || pack->as_array().empty()) {
    return Status::InvalidArgument(key, "must be a non-empty array of " + key);
  }
  for (std::size_t i = 0; i < pack->as_array().size(); ++i) {
    const json::value& element = pack->as_array()[i];
    const std::string field = key + "[" + std::to_string(i) + "]";
    if (!element.is_object()) return Status::InvalidArgument(field, "must be an object");
    auto item = from_json(element.as_object());
    if (!item.ok()) return Status::InvalidArgument(field + "." + item.status().field(), item.status().message());
    items.push_back(std::move(item.value()));
  }
  return items;
}

}  // namespace

std::string WorkerQueueName(std::string_view role) { return "sagaflow.worker." + std::string(role); }

std::string StickyRepliesQueueName(std::string_view instance) { return "sagaflow.replies." + std::string(instance); }

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSucceeded: return "succeeded";
    case Outcome::kFailed: return "failed";
    case Outcome::kRetry: return "retry";
  }
  return "unknown";
}

std::string ReplyMessageId(std::string_view command_id, int attempt) {
  return NameUuid(std::string(command_id) + ":" + std::to_string(attempt));
}

Reply ReplyFor(const Command& command) {
  Reply reply;
  reply.message_id = ReplyMessageId(command.command_id, command.attempt);
  reply.command_id = command.command_id;
  reply.saga_id = command.saga_id;
  reply.step = command.step;
  reply.attempt = command.attempt;
  return reply;
}

std::string EncodeCommand(const Command& command) {
  json::object out;
  out["command_id"] = command.command_id;
  out["saga_id"] = command.saga_id;
  out["saga_type"] = command.saga_type;
  out["step"] = command.step;
  out["attempt"] = command.attempt;
  out["payload"] = command.payload;
  if (command.sent_at_ms != 0) out["sent_at_ms"] = command.sent_at_ms;
  if (!command.reply_to.empty()) out["reply_to"] = command.reply_to;
  return json::serialize(out);
}

namespace {
Result<Command> CommandFromJson(const json::object& obj) {
  Command command;
  auto command_id = GetString(obj, "command_id");
  if (!command_id.ok()) return command_id.status();
  // Workers key their dedupe store on it (a uuid column): anything else would fail every
  // batch it is in, again at every redelivery, instead of being dead-lettered once.
  if (!IsUuid(command_id.value())) return Status::InvalidArgument("command_id", "must be a UUID");
  auto saga_id = GetString(obj, "saga_id");
  if (!saga_id.ok()) return saga_id.status();
  auto step = GetString(obj, "step");
  if (!step.ok()) return step.status();
  command.command_id = std::move(command_id.value());
  command.saga_id = std::move(saga_id.value());
  command.step = std::move(step.value());
  command.saga_type = StringOr(obj, "saga_type");
  command.attempt = static_cast<int>(IntOr(obj, "attempt", 1));
  if (const json::object* payload = ObjectOrNull(obj, "payload")) command.payload = *payload;
  command.sent_at_ms = IntOr(obj, "sent_at_ms", 0);
  command.reply_to = StringOr(obj, "reply_to");
  // It becomes a routing key, which AMQP caps at 255 bytes (longer closes the channel).
  if (command.reply_to.size() > 255) return Status::InvalidArgument("reply_to", "longer than 255 bytes");
  return command;
}
}  // namespace

Result<Command> DecodeCommand(std::string_view text) {
  auto parsed = ParseJsonObject(text);
  if (!parsed.ok()) return parsed.status();
  return CommandFromJson(parsed.value());
}

std::string PackEncodedCommands(const std::vector<std::string_view>& encoded) {
  // Each is a JSON object already (EncodeCommand): spliced in as they are, not re-encoded.
  std::string pack = R"({"commands":[)";
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (i > 0) pack += ',';
    pack += encoded[i];
  }
  pack += "]}";
  return pack;
}

Result<std::vector<Command>> DecodeCommands(std::string_view text) {
  return DecodePack<Command>(text, "commands", CommandFromJson);
}

namespace {
json::object ReplyToJson(const Reply& reply) {
  json::object out;
  out["message_id"] = reply.message_id;
  out["command_id"] = reply.command_id;
  out["saga_id"] = reply.saga_id;
  out["step"] = reply.step;
  out["attempt"] = reply.attempt;
  out["outcome"] = OutcomeName(reply.outcome);
  out["result"] = reply.result;
  if (reply.outcome != Outcome::kSucceeded) {
    out["error"] = json::object{{"code", reply.error_code}, {"message", reply.error_message}};
  }
  return out;
}

Result<Reply> ReplyFromJson(const json::object& obj) {
  Reply reply;
  for (auto [key, target] : {std::pair{"message_id", &reply.message_id},
                             std::pair{"command_id", &reply.command_id},
                             std::pair{"saga_id", &reply.saga_id}, std::pair{"step", &reply.step}}) {
    auto value = GetString(obj, key);
    if (!value.ok()) return value.status();
    *target = std::move(value.value());
  }
  reply.attempt = static_cast<int>(IntOr(obj, "attempt", 1));
  auto outcome = GetString(obj, "outcome");
  if (!outcome.ok()) return outcome.status();
  if (outcome.value() == "succeeded") {
    reply.outcome = Outcome::kSucceeded;
  } else if (outcome.value() == "failed") {
    reply.outcome = Outcome::kFailed;
  } else if (outcome.value() == "retry") {
    reply.outcome = Outcome::kRetry;
  } else {
    return Status::InvalidArgument("outcome", "must be succeeded, failed or retry");
  }
  if (const json::object* result = ObjectOrNull(obj, "result")) reply.result = *result;
  if (const json::object* error = ObjectOrNull(obj, "error")) {
    reply.error_code = StringOr(*error, "code");
    reply.error_message = StringOr(*error, "message");
  }
  return reply;
}

}  // namespace

std::string EncodeReply(const Reply& reply) { return json::serialize(ReplyToJson(reply)); }

Result<Reply> DecodeReply(std::string_view text) {
  auto parsed = ParseJsonObject(text);
  if (!parsed.ok()) return parsed.status();
  return ReplyFromJson(parsed.value());
}

std::string EncodeReplies(const std::vector<Reply>& replies) {
  json::array pack;
  pack.reserve(replies.size());
  for (const Reply& reply : replies) pack.emplace_back(ReplyToJson(reply));
  return json::serialize(json::object{{"replies", std::move(pack)}});
}

Result<std::vector<Reply>> DecodeReplies(std::string_view text) {
  return DecodePack<Reply>(text, "replies", ReplyFromJson);
}

}  // namespace sagaflow::wire
