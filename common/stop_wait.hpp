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

//! Runs `session` (connect, then work until stopped or a connection fails) again and again
//! until stop is requested. Between failures it logs `what` and backs off 200 ms, doubling
//! to 5 s; a session that lasted a while resets the backoff.
void RunReconnecting(std::stop_token stop, std::string_view what,
                     const std::function<Status(std::stop_token)>& session);

}  // namespace sagaflow
