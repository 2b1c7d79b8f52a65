#pragma once
// Loads shop data into the workers' schema (demo and operators), upserting by key:
//   {"products":   [{"sku", "name", "spec"?, "price_cents", "available", "on_sale"?}],
//    "promotions": [{"id", "kind": "percent"|"fixed", "value", "sku"?, "min_total_cents"?}],
//    "coupons":    [{"id", "user_id", "kind", "value", "min_spend_cents"?, "valid_days"?}],
//    "points":     [{"user_id", "balance"}]}
// A bare JSON array is read as the products list.

#include <string>

#include "common/json.hpp"
#include "common/status.hpp"
#include "storage/pg_connection.hpp"

namespace sagaflow::workers {

//! Upserts everything in `data` in one transaction. InvalidArgument naming the bad entry.
Status SeedShopData(storage::PgConnection& db, const json::value& data);

}  // namespace sagaflow::workers
