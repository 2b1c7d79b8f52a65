#pragma once
// Identifiers: random UUIDv4 for new sagas, commands and messages; name-based UUIDv5 where a
// retry must produce the same id again (e.g. the reply to one attempt of one command).

#include <string>
#include <string_view>

namespace sagaflow {

//! A fresh random UUID in canonical text form. Thread-safe.
std::string NewUuid();
//! A deterministic UUID derived from `name` (UUIDv5 in sagaflow's namespace).
std::string NameUuid(std::string_view name);
//! True if `text` is a canonical UUID (36 characters, hex and dashes).
bool IsUuid(std::string_view text);

}  // namespace sagaflow
