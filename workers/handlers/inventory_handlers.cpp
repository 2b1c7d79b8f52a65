#include "workers/handlers/inventory_handlers.hpp"

#include <algorithm>

#include "workers/handlers/hold_checks.hpp"
#include <vector>

namespace sagaflow::workers {
namespace {

using storage::PgConnection;

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
    for (const Line& line : lines.value()) {
      auto updated = db.Exec(
          "UPDATE workers.products SET available = available - $2, reserved = reserved + $2"
          " WHERE sku = $1 AND on_sale AND available >= $2 RETURNING price_cents",
          {line.sku, std::to_string(line.quantity)});
      if (!updated.ok()) return updated.status();
      if (updated->rows() == 0) return WhyNot(db, line);
      const std::int64_t price = updated->GetInt(0, 0);
      amount += price * line.quantity;
      auto inserted = db.Exec(
          "INSERT INTO workers.reservations (order_id, sku, quantity, status, expires_at)"
          " VALUES ($1, $2, $3, 'reserved', clock_timestamp() + make_interval(secs => $4::double precision / 1000))",
          {order_id.value(), line.sku, std::to_string(line.quantity), std::to_string(options_.hold.count())});
      if (!inserted.ok()) {
        if (inserted.status().IsConflict()) return Refused("duplicate_sku", "sku " + line.sku + " appears twice");
        return inserted.status();
      }
      reserved.push_back(json::object{{"sku", line.sku}, {"quantity", line.quantity}, {"price_cents", price}});
    }
    return json::object{{"amount_cents", amount}, {"items", std::move(reserved)}};
  }

 private:
  //! The reason a reservation of `line` was refused.
  static Status WhyNot(PgConnection& db, const Line& line) {
    auto product = db.Exec("SELECT on_sale, available FROM workers.products WHERE sku = $1", {line.sku});
    if (!product.ok()) return product.status();
    if (product->rows() == 0) return Refused("unknown_sku", "no product " + line.sku);
    if (product->Get(0, 0) != "t") return Refused("not_on_sale", "product " + line.sku + " is not on sale");
    return Refused("insufficient_stock", "product " + line.sku + " has " + product->Get(0, 1) + " available, " +
                                             std::to_string(line.quantity) + " requested");
  }
  const InventoryOptions options_;
};

//! Moves every reservation of the order from `from_status` to `to_status`, adjusting stock
//! with `stock_sql` ($1 sku, $2 quantity). Refuses if the order's reservations are already
//! in `conflicting_status`.
Result<json::object> Settle(PgConnection& db, const wire::Command& command, std::string_view to_status,
                            std::string_view conflicting_status, std::string_view stock_sql) {
  auto order_id = GetString(command.payload, "order_id");
  if (!order_id.ok()) return order_id.status();
  auto moved = db.Exec(
      "UPDATE workers.reservations SET status = $2, updated_at = clock_timestamp()"
      " WHERE order_id = $1 AND status = 'reserved' RETURNING sku, quantity",
      {order_id.value(), std::string(to_status)});
  if (!moved.ok()) return moved.status();
  if (moved->rows() == 0) {
    SAGAFLOW_RETURN_IF_ERROR(RefuseIfHoldsAre(db, "reservations", order_id.value(), std::string(conflicting_status),
                                              "already_" + std::string(conflicting_status)));
  }
  for (int i = 0; i < moved->rows(); ++i) {
    SAGAFLOW_RETURN_IF_ERROR(db.Exec(stock_sql, {moved->Get(i, 0), moved->Get(i, 1)}));
  }
  return json::object{{"order_id", order_id.value()}, {"status", to_status}, {"lines", moved->rows()}};
}

class ConfirmHandler final : public StepHandler {
 public:
  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    return Settle(db, command, "confirmed", "released",
                  "UPDATE workers.products SET reserved = reserved - $2, sold = sold + $2 WHERE sku = $1");
  }
};

class ReleaseHandler final : public StepHandler {
 public:
  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    return Settle(db, command, "released", "confirmed",
                  "UPDATE workers.products SET reserved = reserved - $2, available = available + $2 WHERE sku = $1");
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
