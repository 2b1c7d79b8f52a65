#include "common/json.hpp"

namespace sagaflow {
namespace {
std::string PathOr(std::string_view key, std::string_view field_path) {
  return std::string(field_path.empty() ? key : field_path);
}
}  // namespace

Result<json::object> ParseJsonObject(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) return Status::InvalidArgument("body", "body is not valid JSON: " + ec.message());
  if (!value.is_object()) return Status::InvalidArgument("body", "body must be a JSON object");
  return std::move(value.as_object());
}

Result<std::string> GetString(const json::object& obj, std::string_view key, std::string_view field_path) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::InvalidArgument(PathOr(key, field_path), "is required");
  if (!it->value().is_string()) return Status::InvalidArgument(PathOr(key, field_path), "must be a string");
  return std::string(it->value().as_string());
}

Result<std::int64_t> GetInt(const json::object& obj, std::string_view key, std::string_view field_path) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::InvalidArgument(PathOr(key, field_path), "is required");
  if (it->value().is_int64()) return it->value().as_int64();
  if (it->value().is_uint64() && it->value().as_uint64() <= INT64_MAX) {
    return static_cast<std::int64_t>(it->value().as_uint64());
  }
  return Status::InvalidArgument(PathOr(key, field_path), "must be an integer");
}

std::string StringOr(const json::object& obj, std::string_view key, std::string_view fallback) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->value().is_string()) return std::string(fallback);
  return std::string(it->value().as_string());
}

std::int64_t IntOr(const json::object& obj, std::string_view key, std::int64_t fallback) {
  auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (it->value().is_int64()) return it->value().as_int64();
  if (it->value().is_uint64() && it->value().as_uint64() <= INT64_MAX) {
    return static_cast<std::int64_t>(it->value().as_uint64());
  }
  return fallback;
}

const json::object* ObjectOrNull(const json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->value().is_object()) return nullptr;
  return &it->value().as_object();
}

std::string ToJson(const json::value& value) { return json::serialize(value); }

}  // namespace sagaflow
