#include "common/rfc3339.hpp"

#include <cstdio>
#include <ctime>

namespace sagaflow {

std::string Rfc3339Millis(std::chrono::system_clock::time_point at) {
  const auto since_epoch = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch());
  auto ms = since_epoch.count() % 1000;
  std::time_t secs = static_cast<std::time_t>(since_epoch.count() / 1000);
  if (ms < 0) {  // before 1970: floor, not truncate
    ms += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];  // room for any int in every field, so the compiler can prove nothing is cut
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace sagaflow
