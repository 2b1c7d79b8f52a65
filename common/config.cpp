#include "common/config.hpp"

#include <spdlog/spdlog.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace sagaflow {

Result<Config> Config::Load(const std::string& path) {
  Config config;
  if (path.empty()) return config;
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("config", "cannot read config file " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = ParseJsonObject(text.str());
  if (!parsed.ok()) return Status::InvalidArgument("config", path + ": " + parsed.status().message());
  config.root_ = std::move(parsed.value());
  return config;
}

std::string Config::Raw(std::string_view block, std::string_view key) const {
  std::string env_name = "SAGAFLOW_";
  for (char c : block) env_name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  env_name.push_back('_');
  for (char c : key) env_name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (const char* env = std::getenv(env_name.c_str()); env != nullptr && *env != '\0') return env;

  const json::object* section = ObjectOrNull(root_, block);
  if (section == nullptr) return {};
  auto it = section->find(key);
  if (it == section->end()) return {};
  if (it->value().is_string()) return std::string(it->value().as_string());
  return json::serialize(it->value());
}

std::string Config::GetString(std::string_view block, std::string_view key, std::string_view fallback) const {
  std::string raw = Raw(block, key);
  return raw.empty() ? std::string(fallback) : raw;
}

std::int64_t Config::GetInt(std::string_view block, std::string_view key, std::int64_t fallback) const {
  std::string raw = Raw(block, key);
  if (raw.empty()) return fallback;
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), value);
  if (ec != std::errc() || ptr != raw.data() + raw.size()) {
    spdlog::warn("config {}.{}: '{}' is not an integer, using {}", block, key, raw, fallback);
    return fallback;
  }
  return value;
}

double Config::GetDouble(std::string_view block, std::string_view key, double fallback) const {
  std::string raw = Raw(block, key);
  if (raw.empty()) return fallback;
  char* end = nullptr;
  double value = std::strtod(raw.c_str(), &end);
  if (end != raw.c_str() + raw.size()) {
    spdlog::warn("config {}.{}: '{}' is not a number, using {}", block, key, raw, fallback);
    return fallback;
  }
  return value;
}

bool Config::GetBool(std::string_view block, std::string_view key, bool fallback) const {
  const std::string raw = Raw(block, key);
  if (raw.empty()) return fallback;
  if (raw == "true" || raw == "1") return true;
  if (raw == "false" || raw == "0") return false;
  spdlog::warn("config {}.{}: '{}' is not true or false, using {}", block, key, raw, fallback);
  return fallback;
}

std::chrono::milliseconds Config::GetDuration(std::string_view block, std::string_view key,
                                              std::chrono::milliseconds fallback) const {
  std::string raw = Raw(block, key);
  if (raw.empty()) return fallback;
  auto parsed = ParseDuration(raw);
  if (!parsed.ok()) {
    spdlog::warn("config {}.{}: '{}' is not a duration, using {}ms", block, key, raw, fallback.count());
    return fallback;
  }
  return parsed.value();
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  std::int64_t amount = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), amount);
  if (ec != std::errc() || amount < 0) return Status::InvalidArgument("duration", "not a duration");
  std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
  std::int64_t scale = 0;
  if (unit.empty() || unit == "ms") scale = 1;
  if (unit == "s") scale = 1000;
  if (unit == "m") scale = 60'000;
  if (unit == "h") scale = 3'600'000;
  if (scale == 0) return Status::InvalidArgument("duration", "unknown unit '" + std::string(unit) + "'");
  if (amount > INT64_MAX / scale) return Status::InvalidArgument("duration", "too large");
  return std::chrono::milliseconds(amount * scale);
}

}  // namespace sagaflow
