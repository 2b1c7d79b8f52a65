#pragma once
// sagad: the orchestrator process. `sagad [--config FILE] [serve]` applies migrations, then
// serves the HTTP API and runs the outbox relay, the reply consumer and the timer poller
// until SIGINT/SIGTERM. `sagad migrate` only applies migrations. Config keys: docs/config.md.

namespace sagaflow::orchestrator {

//! Runs sagad with a command line; returns the process exit code.
int SagadMain(int argc, char** argv);

}  // namespace sagaflow::orchestrator
