#pragma once
// Boost.JSON for the whole project (compiled once, in json_impl.cpp) plus small accessors
// that turn a missing or mistyped field into an InvalidArgument naming that field.

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace sagaflow {

namespace json = boost::json;

//! Parses `text` as a JSON object; InvalidArgument (field "body") otherwise.
Result<json::object> ParseJsonObject(std::string_view text);

//! The string at `obj[key]`; InvalidArgument naming `field_path` if missing or not a string.
Result<std::string> GetString(const json::object& obj, std::string_view key, std::string_view field_path = {});
//! The integer at `obj[key]`; InvalidArgument naming `field_path` if missing or not an integer.
Result<std::int64_t> GetInt(const json::object& obj, std::string_view key, std::string_view field_path = {});
//! The string at `obj[key]`, or `fallback` when absent or not a string.
std::string StringOr(const json::object& obj, std::string_view key, std::string_view fallback = {});
//! The integer at `obj[key]`, or `fallback` when absent or not an integer.
std::int64_t IntOr(const json::object& obj, std::string_view key, std::int64_t fallback);
//! The object at `obj[key]`, or nullptr.
const json::object* ObjectOrNull(const json::object& obj, std::string_view key);

//! Compact serialisation (stable key order: insertion order).
std::string ToJson(const json::value& value);

}  // namespace sagaflow
