#pragma once
// The logistics role: records the merchant's shipment (carrier, tracking number) for the
// order in workers.shipments, for the logistics and customer-service systems to read.
//   logistics.record_shipment  → {carrier, tracking_number, shipped_at}

#include "workers/worker_runtime.hpp"

namespace sagaflow::workers {

HandlerMap LogisticsHandlers();

}  // namespace sagaflow::workers
