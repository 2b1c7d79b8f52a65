#pragma once
// The check every TCC-shaped hold (stock reservation, coupon, points) makes when a confirm
// or cancel finds nothing in the state it moves from.

#include <string>
#include <string_view>

#include "common/status.hpp"
#include "storage/pg_connection.hpp"

namespace sagaflow::workers {

//! The order's rows in `table` (workers.<table>, keyed by order_id, with a status) were not
//! in the expected state. If they are `conflicting` (a cancel after a confirm, or the
//! reverse), refuses with the reason `code`; otherwise there was nothing to move: OK.
Status RefuseIfHoldsAre(storage::PgConnection& db, std::string_view table, const std::string& order_id,
                        const std::string& conflicting, const std::string& code);

}  // namespace sagaflow::workers
