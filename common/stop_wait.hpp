#pragma once
// Waiting inside the background loops (relay, consumers, pollers, workers) so that a stop
// request ends the wait promptly.

#include <chrono>
#include <stop_token>

namespace sagaflow {

//! Sleeps up to `duration` in short slices, returning early when stop is requested.
void SleepUnlessStopped(std::stop_token stop, std::chrono::milliseconds duration);

}  // namespace sagaflow

#include <algorithm>
#include <functional>
#include <string_view>

#include "common/status.hpp"

namespace sagaflow {

//! Handed to a session: it calls this once it has connected and set itself up.
using SessionConnected = std::function<void()>;

//! The waits of RunReconnecting: after a session that had connected (a lost connection), the
//! shortest; after each failed attempt to connect, twice the previous one, up to the longest.
class ReconnectBackoff {
 public:
  static constexpr std::chrono::milliseconds kShortest{200};
  static constexpr std::chrono::milliseconds kLongest{5000};

  //! How long to wait before the next session, the last one having `connected` or not.
  std::chrono::milliseconds After(bool connected) {
    next_ = connected ? kShortest : next_;
    const std::chrono::milliseconds wait = next_;
    next_ = std::min(next_ * 2, kLongest);
    return wait;
  }

 private:
  std::chrono::milliseconds next_ = kShortest;
};

//! Runs `session` (connect, then work until stopped or a connection fails) again and again
//! until stop is requested. Between failures it logs `what` and waits as ReconnectBackoff
//! says: 200 ms after a lost connection (a broker or database restart, a cut network), and
//! after each failed attempt to connect twice as long as before, up to 5 s. Each time a
//! session says it has connected, `on_connected` (if set) is told too: for the loop's owner.
void RunReconnecting(std::stop_token stop, std::string_view what,
                     const std::function<Status(std::stop_token, const SessionConnected&)>& session,
                     const SessionConnected& on_connected = {});

}  // namespace sagaflow
