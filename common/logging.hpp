#pragma once
// Process-wide logging setup. Log lines carry the saga id where there is one: use
// spdlog::info("saga={} ...", id) so `grep saga=<id>` follows one saga across processes.

#include <string_view>

namespace sagaflow {

//! Configures spdlog's default logger: "<time> <level> <process> <message>" on stderr.
//! `level` is one of trace, debug, info, warn, error (unknown → info).
void InitLogging(std::string_view process_name, std::string_view level);

}  // namespace sagaflow
