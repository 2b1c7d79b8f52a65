#pragma once
// Hashing and message authentication (OpenSSL). Stateless, thread-safe.

#include <string>
#include <string_view>

namespace sagaflow {

//! Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
//! Lower-case hex HMAC-SHA256 of `data` under `key`.
std::string HmacSha256Hex(std::string_view key, std::string_view data);
//! Compares in time independent of where the inputs differ (for signatures).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace sagaflow
