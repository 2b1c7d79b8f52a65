#include "workers/handlers/inventory_handlers.hpp"

#include <algorithm>

#include "workers/handlers/hold_checks.hpp"
#include <vector>

namespace sagaflow::workers {
namespace {

using storage::PgConnection;

constexpr std::string_view kHold = "inventory";  //!< this hold's name in workers.hold_fences

struct Line {
  std::string sku;
  std::int64_t quantity;
};

Result<std::vector<Line>> LinesOf(const json::object& payload) {
  auto items = payload.find("items");
  if (items == payload.end() || !items->value().is_array()) return Status::InvalidArgument("items", "missing");
  std::vector<Line> lines;
  for (const json::value& item : items->value().as_array()) {
    if (!item.is_object()) return Status::InvalidArgument("items", "not an object");
    auto sku = GetString(item.as_object(), "sku");
    if (!sku.ok()) return sku.status();
    auto quantity = GetInt(item.as_object(), "quantity");
    if (!quantity.ok()) return quantity.status();
    lines.push_back(Line{sku.value(), quantity.value()});
  }
  // One lock order for every order, so two reservations never deadlock on the same skus.
  std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.sku < b.sku; });
  return lines;
}

class ReserveHandler final : public StepHandler {
 public:
  explicit ReserveHandler(InventoryOptions options) : options_(options) {}
  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    auto order_id = GetString(command.payload, "order_id");
    if (!order_id.ok()) return order_id.status();
    auto lines = LinesOf(command.payload);
    if (!lines.ok()) return lines.status();
    std::int64_t amount = 0;
    json::array reserved;
    // Take the stock and record the reservation in one statement (one round trip): the
    // insert only runs if the stock was there, and its rows say the price. Nothing is taken
    // for an order whose release came first (the fence).
    static const std::string kTake =
        "WITH taken AS (UPDATE workers.products SET available = available - $2::int, reserved = reserved + $2::int"
        " WHERE sku = $1 AND on_sale AND available >= $2::int AND NOT " + FencedSql(kHold, 3) + " RETURNING price_cents),"
        " held AS (INSERT INTO workers.reservations (order_id, sku, quantity, status, expires_at)"
        " SELECT $3, $1, $2::int, 'reserved', clock_timestamp() + make_interval(secs => $4::double precision / 1000)"
        " FROM taken)"
        " SELECT price_cents FROM taken";
    for (const Line& line : lines.value()) {
      auto taken =
          db.Exec(kTake, {line.sku, std::to_string(line.quantity), order_id.value(), std::to_string(options_.hold.count())});
      if (!taken.ok()) {
        if (taken.status().IsConflict()) return Refused("duplicate_sku", "sku " + line.sku + " appears twice");
        return taken.status();
      }
      if (taken->rows() == 0) return WhyNot(db, order_id.value(), line);
      const std::int64_t price = taken->GetInt(0, 0);
      amount += price * line.quantity;
      reserved.push_back(json::object{{"sku", line.sku}, {"quantity", line.quantity}, {"price_cents", price}});
    }
    return json::object{{"amount_cents", amount}, {"items", std::move(reserved)}};
  }

 private:
  //! The reason a reservation of `line` was refused.
  static Status WhyNot(PgConnection& db, const std::string& order_id, const Line& line) {
    SAGAFLOW_RETURN_IF_ERROR(RefuseIfFenced(db, kHold, order_id));
    auto product = db.Exec("SELECT on_sale, available FROM workers.products WHERE sku = $1", {line.sku});
    if (!product.ok()) return product.status();
    if (product->rows() == 0) return Refused("unknown_sku", "no product " + line.sku);
    if (product->Get(0, 0) != "t") return Refused("not_on_sale", "product " + line.sku + " is not on sale");
    return Refused("insufficient_stock", "product " + line.sku + " has " + product->Get(0, 1) + " available, " +
                                             std::to_string(line.quantity) + " requested");
  }
  const InventoryOptions options_;
};

//! Moves every reservation of the order from 'reserved' to `to_status` and adjusts the
//! stock of each line with `stock_set` (a SET list over products `p` and the moved line `m`),
//! in one statement. Refuses if the order's reservations are already in `conflicting_status`;
//! with `fence` (a release), fences the order if it held nothing (RefuseIfHoldsAre).
Result<json::object> Settle(PgConnection& db, const wire::Command& command, std::string_view to_status,
                            std::string_view conflicting_status, std::string_view stock_set,
                            std::string_view fence = {}) {
  auto order_id = GetString(command.payload, "order_id");
  if (!order_id.ok()) return order_id.status();
  // (order_id, sku) is the key of reservations, so every product joins one moved line.
  auto moved = db.Exec(
      "WITH moved AS (UPDATE workers.reservations SET status = $2, updated_at = clock_timestamp()"
      " WHERE order_id = $1 AND status = 'reserved' RETURNING sku, quantity),"
      " stock AS (UPDATE workers.products p SET " + std::string(stock_set) +
          " FROM moved m WHERE p.sku = m.sku RETURNING p.sku)"
          " SELECT count(*) FROM moved",
      {order_id.value(), std::string(to_status)});
  if (!moved.ok()) return moved.status();
  const std::int64_t lines = moved->GetInt(0, 0);
  if (lines == 0) {
    SAGAFLOW_RETURN_IF_ERROR(RefuseIfHoldsAre(db, "reservations", order_id.value(), std::string(conflicting_status),
                                              "already_" + std::string(conflicting_status), fence));
  }
  return json::object{{"order_id", order_id.value()}, {"status", to_status}, {"lines", lines}};
}

class ConfirmHandler final : public StepHandler {
 public:
  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    return Settle(db, command, "confirmed", "released", "reserved = p.reserved - m.quantity, sold = p.sold + m.quantity");
  }
};

class ReleaseHandler final : public StepHandler {
 public:
  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    // Nothing held: the reservation may not have run yet (the saga gave up waiting for it),
    // so the order is fenced and it takes nothing when it comes.
    return Settle(db, command, "released", "confirmed",
                  "reserved = p.reserved - m.quantity, available = p.available + m.quantity", kHold);
  }
};

}  // namespace

HandlerMap InventoryHandlers(const InventoryOptions& options) {
  HandlerMap handlers;
  handlers.emplace("inventory.reserve", std::make_unique<ReserveHandler>(options));
  handlers.emplace("inventory.confirm", std::make_unique<ConfirmHandler>());
  handlers.emplace("inventory.release", std::make_unique<ReleaseHandler>());
  return handlers;
}

}  // namespace sagaflow::workers
