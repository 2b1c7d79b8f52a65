#pragma once
// The catalog side of the inventory role:
//   catalog.price  validate the order (every sku exists and is on sale) and price it:
//                  {base_cents, promotion_cents, coupon_cents, points_cents, points_used,
//                   total_cents, promotions, lines}. Refusals: unknown_sku, not_on_sale.
// The coupon is priced if it exists for the user; whether it may be used is decided when
// it is frozen (coupon.freeze), so an unusable coupon is a compensation, not a pricing error.
//
// | key (block "pricing") | description                 | default |
// |-----------------------|-----------------------------|---------|
// | points_per_unit       | points worth 1.00 (100 ¢)   | 100     |

#include <cstdint>

#include "workers/worker_runtime.hpp"

namespace sagaflow::workers {

struct CatalogOptions {
  std::int64_t points_per_unit = 100;
};

HandlerMap CatalogHandlers(const CatalogOptions& options);

}  // namespace sagaflow::workers
