#pragma once
// Waiting inside the background loops (relay, consumers, pollers, workers) so that a stop
// request ends the wait promptly.

#include <chrono>
#include <stop_token>

namespace sagaflow {

//! Sleeps up to `duration` in short slices, returning early when stop is requested.
void SleepUnlessStopped(std::stop_token stop, std::chrono::milliseconds duration);

}  // namespace sagaflow

#include <functional>
#include <string_view>

#include "common/status.hpp"

namespace sagaflow {

//! Handed to a session: it calls this once it has connected and set itself up.
using SessionConnected = std::function<void()>;

//! Runs `session` (connect, then work until stopped or a connection fails) again and again
//! until stop is requested. Between failures it logs `what` and waits: 200 ms after a session
//! that had connected (a lost connection: a broker or database restart, a cut network), and
//! after each failed attempt to connect twice as long as before, up to 5 s.
void RunReconnecting(std::stop_token stop, std::string_view what,
                     const std::function<Status(std::stop_token, const SessionConnected&)>& session);

}  // namespace sagaflow
