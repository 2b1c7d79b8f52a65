#pragma once
// Timestamps as text, the way sagaflow's JSON and the database's to_char() write them.

#include <chrono>
#include <string>

namespace sagaflow {

//! `at` as RFC 3339 UTC with milliseconds: 2024-05-01T12:00:00.123Z.
std::string Rfc3339Millis(std::chrono::system_clock::time_point at);
//! Now, as Rfc3339Millis writes it.
inline std::string NowRfc3339Millis() { return Rfc3339Millis(std::chrono::system_clock::now()); }

}  // namespace sagaflow
