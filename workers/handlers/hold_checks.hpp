#pragma once
// The checks every TCC-shaped hold (stock reservation, coupon, points) makes: a confirm or
// cancel that finds nothing in the state it moves from, and a try that comes after its
// cancel (the fence, migration 6 of the worker schema).

#include <string>
#include <string_view>

#include "common/status.hpp"
#include "storage/pg_connection.hpp"

namespace sagaflow::workers {

//! The order's rows in `table` (workers.<table>, keyed by order_id, with a status) were not
//! in the expected state. If they are `conflicting` (a cancel after a confirm, or the
//! reverse), refuses with the reason `code`; otherwise there was nothing to move: OK. A
//! cancel passes its hold's name as `fence` ('inventory', 'coupon', 'points'): having found
//! nothing held, it fences the order, so that the try, if still on its way, takes nothing.
Status RefuseIfHoldsAre(storage::PgConnection& db, std::string_view table, const std::string& order_id,
                        const std::string& conflicting, const std::string& code, std::string_view fence = {});

//! Refuses (code `cancelled_before_hold`) if a cancel fenced `hold` for the order.
Status RefuseIfFenced(storage::PgConnection& db, std::string_view hold, const std::string& order_id);

//! SQL that is true when `hold` is fenced for the order in parameter `$order_param`, for a
//! try that checks inside the statement that takes the hold (no extra round trip).
std::string FencedSql(std::string_view hold, int order_param);

}  // namespace sagaflow::workers
