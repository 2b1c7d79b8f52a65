#pragma once
// The inventory role: TCC reservations over workers.products / workers.reservations.
//   inventory.reserve  (try)     available -= n, reserved += n, atomically per sku
//                                (UPDATE ... WHERE available >= n: oversell is impossible)
//   inventory.confirm  (confirm) reserved -= n, sold += n; refused after a release
//   inventory.release  (cancel)  available += n, reserved -= n; refused after a confirm

#include <chrono>

#include "workers/worker_runtime.hpp"

namespace sagaflow::workers {

struct InventoryOptions {
  //! How long a reservation is held (the payment window plus slack).
  std::chrono::milliseconds hold{std::chrono::minutes(45)};
};

//! Handlers for the inventory role's steps.
HandlerMap InventoryHandlers(const InventoryOptions& options);

}  // namespace sagaflow::workers
