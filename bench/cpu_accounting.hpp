#pragma once
// Where the CPU goes during a run: user+system time of every process on the machine, grouped
// by what it is (PostgreSQL, RabbitMQ, sagad, saga-worker, the payment channel, saga-bench
// itself, the rest), read from /proc before and after the run. Divided by the completed
// sagas this is the cost of one saga per component, a figure that moves much less between
// runs than sagas/s does. A process that exits during the run loses its share (only
// PostgreSQL backends of short connections do).

#include <map>
#include <string>

namespace sagaflow::bench {

//! CPU seconds per component, and of the whole machine (busy, from /proc/stat).
struct CpuSnapshot {
  std::map<std::string, double> seconds_by_component;
  double machine_busy_s = 0;
  double machine_total_s = 0;  //!< busy + idle, over all cores
};

//! Reads /proc now. Components: postgres, rabbitmq, sagad, saga-worker, fake-payment-channel,
//! saga-bench, other.
CpuSnapshot TakeCpuSnapshot();

//! CPU milliseconds per completed saga by component between two snapshots (plus "total"),
//! and the machine's utilisation (0..1) over the interval.
struct CpuPerSaga {
  std::map<std::string, double> ms_by_component;
  double total_ms = 0;
  double machine_utilisation = 0;
};
CpuPerSaga CpuBetween(const CpuSnapshot& before, const CpuSnapshot& after, int completed_sagas);

}  // namespace sagaflow::bench
