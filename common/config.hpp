#pragma once
// Configuration: one JSON file with one block per component, every key overridable by an
// environment variable SAGAFLOW_<BLOCK>_<KEY> (upper case). Example (sagaflow.json):
//
//   { "postgres": { "url": "postgresql://postgres@127.0.0.1:55432/postgres", "pool_size": 8 },
//     "amqp":     { "url": "amqp://guest:guest@127.0.0.1:55672/" },
//     "engine":   { "step_timeout": "30s", "max_attempts": 5 } }
//
// Durations are strings with a unit ("250ms", "30s", "15m", "24h") or integers in milliseconds.
// The full table of keys is in docs/config.md. Immutable after Load: thread-safe to read.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json.hpp"
#include "common/status.hpp"

namespace sagaflow {

class Config {
 public:
  Config() = default;
  //! Reads `path` (empty: no file, environment only). InvalidArgument if unreadable or not JSON.
  static Result<Config> Load(const std::string& path);
  //! A config from an in-memory JSON object (tests).
  static Config FromJson(json::object root) {
    Config c;
    c.root_ = std::move(root);
    return c;
  }

  std::string GetString(std::string_view block, std::string_view key, std::string_view fallback) const;
  std::int64_t GetInt(std::string_view block, std::string_view key, std::int64_t fallback) const;
  double GetDouble(std::string_view block, std::string_view key, double fallback) const;
  //! true/false (JSON booleans, or the text "true", "false", "1", "0").
  bool GetBool(std::string_view block, std::string_view key, bool fallback) const;
  std::chrono::milliseconds GetDuration(std::string_view block, std::string_view key,
                                        std::chrono::milliseconds fallback) const;

 private:
  //! The raw text for block.key: environment first, then the file; empty if neither.
  std::string Raw(std::string_view block, std::string_view key) const;
  json::object root_;
};

//! Parses "250ms", "30s", "15m", "2h" or a bare integer (milliseconds).
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace sagaflow
