#include "workers/handlers/catalog_handlers.hpp"

#include "workers/handlers/pricing.hpp"

namespace sagaflow::workers {
namespace {

using storage::PgConnection;

DiscountKind KindOf(const std::string& text) { return text == "percent" ? DiscountKind::kPercent : DiscountKind::kFixed; }

class PriceHandler final : public StepHandler {
 public:
  explicit PriceHandler(CatalogOptions options) : options_(options) {}

  Result<json::object> Execute(PgConnection& db, const wire::Command& command) override {
    const json::object& payload = command.payload;
    auto items = payload.find("items");
    if (items == payload.end() || !items->value().is_array()) return Status::InvalidArgument("items", "missing");
    std::vector<PricedLine> lines;
    json::array priced_lines;
    for (const json::value& item : items->value().as_array()) {
      const json::object& line = item.as_object();
      const std::string sku = StringOr(line, "sku");
      const std::int64_t quantity = IntOr(line, "quantity", 0);
      auto product = db.Exec("SELECT price_cents, on_sale FROM workers.products WHERE sku = $1", {sku});
      if (!product.ok()) return product.status();
      if (product->rows() == 0) return Refused("unknown_sku", "no product " + sku);
      if (product->Get(0, 1) != "t") return Refused("not_on_sale", "product " + sku + " is not on sale");
      if (quantity <= 0) return Refused("bad_quantity", "quantity of " + sku + " must be positive");
      lines.push_back(PricedLine{sku, quantity, product->GetInt(0, 0)});
      priced_lines.push_back(json::object{{"sku", sku}, {"quantity", quantity}, {"unit_price_cents", product->GetInt(0, 0)}});
    }

    std::vector<Promotion> promotions;
    auto rows = db.Exec("SELECT id, kind, value, coalesce(sku, ''), min_total_cents FROM workers.promotions WHERE active");
    if (!rows.ok()) return rows.status();
    for (int i = 0; i < rows->rows(); ++i) {
      promotions.push_back(
          Promotion{rows->Get(i, 0), KindOf(rows->Get(i, 1)), rows->GetInt(i, 2), rows->Get(i, 3), rows->GetInt(i, 4)});
    }

    std::optional<Coupon> coupon;
    if (std::string coupon_id = StringOr(payload, "coupon_id"); !coupon_id.empty()) {
      auto row = db.Exec("SELECT kind, value FROM workers.coupons WHERE id = $1 AND user_id = $2",
                         {coupon_id, StringOr(payload, "user_id")});
      if (!row.ok()) return row.status();
      if (row->rows() == 1) coupon = Coupon{coupon_id, KindOf(row->Get(0, 0)), row->GetInt(0, 1)};
    }

    PriceBreakdown price =
        ComputePrice(lines, promotions, coupon, IntOr(payload, "points", 0), options_.points_per_unit);
    json::object result = BreakdownToJson(price);
    result["lines"] = std::move(priced_lines);
    return result;
  }

 private:
  const CatalogOptions options_;
};

}  // namespace

HandlerMap CatalogHandlers(const CatalogOptions& options) {
  HandlerMap handlers;
  handlers.emplace("catalog.price", std::make_unique<PriceHandler>(options));
  return handlers;
}

}  // namespace sagaflow::workers
