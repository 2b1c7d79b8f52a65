#include "bench/cpu_accounting.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sagaflow::bench {
namespace {

std::string ComponentOf(const std::string& comm) {
  // comm is at most 15 characters ("fake-payment-ch").
  if (comm == "postgres") return "postgres";
  if (comm == "beam.smp" || comm == "epmd" || comm == "erl_child_setup") return "rabbitmq";
  if (comm == "sagad") return "sagad";
  if (comm == "saga-worker") return "saga-worker";
  if (comm.rfind("fake-payment", 0) == 0) return "fake-payment-channel";
  if (comm == "saga-bench") return "saga-bench";
  return "other";
}

}  // namespace

CpuSnapshot TakeCpuSnapshot() {
  CpuSnapshot snapshot;
  const double ticks_per_s = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string pid = entry.path().filename().string();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream file(entry.path() / "stat");
    std::string line;
    if (!std::getline(file, line)) continue;  // exited meanwhile
    const std::size_t open = line.find('(');
    const std::size_t close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open) continue;
    const std::string comm = line.substr(open + 1, close - open - 1);
    // After ") ": state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt, majflt,
    // cmajflt, utime (12th), stime (13th).
    std::istringstream fields(line.substr(close + 2));
    std::string skip;
    for (int i = 0; i < 11; ++i) fields >> skip;
    unsigned long long utime = 0, stime = 0;
    fields >> utime >> stime;
    snapshot.seconds_by_component[ComponentOf(comm)] += static_cast<double>(utime + stime) / ticks_per_s;
  }
  std::ifstream stat("/proc/stat");
  std::string cpu;
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  snapshot.machine_busy_s = static_cast<double>(user + nice + system + irq + softirq + steal) / ticks_per_s;
  snapshot.machine_total_s = snapshot.machine_busy_s + static_cast<double>(idle + iowait) / ticks_per_s;
  return snapshot;
}

CpuPerSaga CpuBetween(const CpuSnapshot& before, const CpuSnapshot& after, int completed_sagas) {
  CpuPerSaga result;
  if (completed_sagas <= 0) return result;
  for (const auto& [component, seconds] : after.seconds_by_component) {
    auto it = before.seconds_by_component.find(component);
    const double spent = seconds - (it == before.seconds_by_component.end() ? 0 : it->second);
    if (spent <= 0) continue;
    const double ms = spent * 1000 / completed_sagas;
    result.ms_by_component[component] = ms;
    result.total_ms += ms;
  }
  const double total = after.machine_total_s - before.machine_total_s;
  if (total > 0) result.machine_utilisation = (after.machine_busy_s - before.machine_busy_s) / total;
  return result;
}

}  // namespace sagaflow::bench
