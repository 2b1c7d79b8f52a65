#include "workers/handlers/catalog_handlers.hpp"

#include "workers/handlers/pricing.hpp"

#include <map>
#include <string>
#include <vector>

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
    // One round trip: the active promotions (deferred, so they ride along) and every product
    // of the order, instead of one query per line and one more for the promotions.
    std::vector<Promotion> promotions;
    db.Defer("SELECT id, kind, value, coalesce(sku, ''), min_total_cents FROM workers.promotions WHERE active", {},
             [&](const storage::PgResult& rows) {
               for (int i = 0; i < rows.rows(); ++i) {
                 promotions.push_back(Promotion{rows.Get(i, 0), KindOf(rows.Get(i, 1)), rows.GetInt(i, 2),
                                                rows.Get(i, 3), rows.GetInt(i, 4)});
               }
             });
    std::vector<std::string> skus;
    for (const json::value& item : items->value().as_array()) {
      if (!item.is_object()) return Status::InvalidArgument("items", "every item must be an object");
      skus.push_back(StringOr(item.as_object(), "sku"));
    }
    auto products = db.Exec("SELECT sku, price_cents, on_sale FROM workers.products WHERE sku = ANY($1::text[])",
                            {storage::PgArrayLiteral(skus)});
    if (!products.ok()) return products.status();
    std::map<std::string, int, std::less<>> row_of_sku;
    for (int row = 0; row < products->rows(); ++row) row_of_sku.emplace(products->Get(row, 0), row);

    std::vector<PricedLine> lines;
    json::array priced_lines;
    for (const json::value& item : items->value().as_array()) {
      const json::object& line = item.as_object();
      const std::string sku = StringOr(line, "sku");
      const std::int64_t quantity = IntOr(line, "quantity", 0);
      auto product = row_of_sku.find(sku);
      if (product == row_of_sku.end()) return Refused("unknown_sku", "no product " + sku);
      if (products->Get(product->second, 2) != "t") return Refused("not_on_sale", "product " + sku + " is not on sale");
      if (quantity <= 0) return Refused("bad_quantity", "quantity of " + sku + " must be positive");
      const std::int64_t unit_price_cents = products->GetInt(product->second, 1);
      lines.push_back(PricedLine{sku, quantity, unit_price_cents});
      priced_lines.push_back(json::object{{"sku", sku}, {"quantity", quantity}, {"unit_price_cents", unit_price_cents}});
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
