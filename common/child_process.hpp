#pragma once
// A child process (sagad, a worker, the fake payment channel, started by a test or saga-bench) with stdout and stderr
// appended to a log file the test can scan. Not thread-safe: one test thread drives it.
// The destructor kills the process, so a failing test never leaves it behind.
//
//   ChildProcess channel;
//   ASSERT_TRUE(channel.Start(path, {"--port", "0"}, {{"SAGAFLOW_PAYMENT_SECRET", "s"}}, log).ok());
//   auto port = channel.ReadListeningPort(10s);
//   ASSERT_TRUE(port.ok()) << port.status().ToString() << channel.ReadLog();
//   ...
//   EXPECT_EQ(channel.Terminate(), 0);  // SIGTERM, exit code 0

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "common/status.hpp"

namespace sagaflow {

class ChildProcess {
 public:
  ChildProcess() = default;
  //! Kills the process if it still runs.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  //! Spawns `path` with `args` (argv[0] is `path`), the test's environment plus `extra_env`
  //! (which overrides), stdin from /dev/null, stdout+stderr appended to `log_path`. Scanning
  //! starts at the log's current end, so a restarted process may reuse the same log.
  //! Conflict if a process started by this object still runs; Permanent if the spawn fails.
  Status Start(const std::string& path, const std::vector<std::string>& args,
               const std::vector<std::pair<std::string, std::string>>& extra_env, const std::string& log_path);

  //! Scans the log for a complete line matching `pattern` (std::regex_search), waiting up to
  //! `timeout`. Scanning starts after the line the previous successful scan matched (or at
  //! the start of this process's output); a failed scan consumes nothing. Its match groups
  //! ([0] the match, [1].. the captures); NotFound at the timeout, Permanent if the process
  //! exited without printing it.
  Result<std::vector<std::string>> ReadLineMatching(const std::regex& pattern, std::chrono::milliseconds timeout);

  //! The port from the "listening on <address>:<port>" line sagad and the fake payment
  //! channel print once bound (their --port/http.port may be 0). Errors as ReadLineMatching.
  Result<int> ReadListeningPort(std::chrono::milliseconds timeout);

  //! True while the process has not exited (reaps it when it has).
  bool Running();

  //! Waits up to `timeout` for the process to exit by itself; true if it did.
  bool WaitForExit(std::chrono::milliseconds timeout);

  //! SIGTERM, waits up to `grace`, then SIGKILL. The exit code, or 128 + signal if a signal
  //! ended it, or -1 if nothing ran.
  int Terminate(std::chrono::milliseconds grace = std::chrono::seconds(10));

  //! SIGKILL and reap (a crash, as far as the process can tell). Same result as Terminate().
  int Kill();

  //! The whole log (for failure messages).
  std::string ReadLog() const;

  //! The running (or last) process id; -1 before Start().
  pid_t pid() const { return pid_; }
  //! The log path given to Start().
  const std::string& log_path() const { return log_path_; }
  //! How the last process ended (as Terminate() reports it), once it has been reaped.
  std::optional<int> exit_code() const { return exit_code_; }

 private:
  //! Reaps the process if it exited (blocking when `block`); true once it is reaped.
  bool Reap(bool block);

  //! -1 before Start().
  pid_t pid_ = -1;
  //! True between Start() and reaping.
  bool running_ = false;
  //! Set when reaped.
  std::optional<int> exit_code_;
  std::string log_path_;
  //! Byte offset in the log just after the line the last successful scan matched.
  std::uint64_t read_offset_ = 0;
};

}  // namespace sagaflow
