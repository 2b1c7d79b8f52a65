#pragma once
// sagactl: the operator CLI. Talks to sagad's HTTP API (--url, default env SAGAFLOW_URL or
// http://127.0.0.1:8080).
//   sagactl get <saga-id> [--json]              state, status, context and the timeline
//   sagactl list [--type T] [--status S] [--limit N] [--json]
//   sagactl signal <saga-id> <name> [--data JSON]
//   sagactl retry <saga-id>                     re-send the pending step of a stuck saga
// Exit codes: 0 ok, 1 the server refused (4xx/5xx), 2 usage or connection error.

#include <iosfwd>

namespace sagaflow::cli {

//! Runs sagactl, writing to `out` / `err`; returns the exit code.
int SagactlMain(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace sagaflow::cli
